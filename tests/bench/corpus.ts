// Realistic text for generated tickets and mail: customer-support sentences read at bench time from the
// shared datasets next to the repository (../shared/datasets/{banking77,bitext-intent,uci-sentiment}/*.csv,
// see their READMEs: CC-BY-4.0 / CDLA-Sharing-1.0 / CC BY 4.0; they are never copied into the repository).
// BENCH_DATASETS_DIR points elsewhere. Without them, sentences are generated from a small built-in
// help-desk vocabulary, so the benchmark still runs (and says which text it used).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pick, prng } from './common.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Corpus {
  /** Where the sentences came from (shown in the bench output). */
  source: string;
  sentences: string[];
}

/** The first column of an RFC 4180 CSV with a header row (quotes doubled inside quoted fields). */
export function firstColumn(csv: string): string[] {
  const out: string[] = [];
  let i = 0;
  let line = 0;
  while (i < csv.length) {
    let field = '';
    if (csv[i] === '"') {
      i++;
      while (i < csv.length) {
        if (csv[i] === '"') {
          if (csv[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += csv[i++];
      }
    } else {
      while (i < csv.length && csv[i] !== ',' && csv[i] !== '\n' && csv[i] !== '\r') field += csv[i++];
    }
    // Skip the rest of the record (later columns never hold newlines in these files, but quoted ones may).
    let quoted = false;
    while (i < csv.length) {
      const c = csv[i++];
      if (c === '"') quoted = !quoted;
      else if (c === '\n' && !quoted) break;
    }
    if (line++ > 0 && field.trim()) out.push(field.trim());
  }
  return out;
}

const FILES = ['banking77/train.csv', 'banking77/test.csv', 'bitext-intent/train.csv', 'bitext-intent/test.csv', 'uci-sentiment/train.csv', 'uci-sentiment/test.csv'];

export function loadCorpus(): Corpus {
  const dir = process.env.BENCH_DATASETS_DIR ?? path.resolve(here, '../../../shared/datasets');
  const sentences: string[] = [];
  const used: string[] = [];
  for (const file of FILES) {
    const full = path.join(dir, file);
    if (!existsSync(full)) continue;
    const rows = firstColumn(readFileSync(full, 'utf8'));
    sentences.push(...rows);
    used.push(`${file} (${rows.length})`);
  }
  if (sentences.length >= 1000) return { source: `${dir}: ${used.join(', ')}`, sentences: [...new Set(sentences)] };
  return { source: 'built-in vocabulary (datasets not found)', sentences: generatedSentences(20_000) };
}

const SUBJECTS = ['my order', 'the invoice', 'my card', 'the refund', 'my account', 'the delivery', 'the app', 'my subscription', 'the password reset', 'the payment', 'my transfer', 'the parcel', 'the warranty', 'my booking', 'the login page'];
const PROBLEMS = ['has not arrived', 'was charged twice', 'is not working', 'shows an error', 'was declined', 'is missing', 'arrived damaged', 'was cancelled without notice', 'keeps timing out', 'cannot be found', 'is stuck in pending', 'was sent to the wrong address'];
const ASKS = ['Can you help me?', 'Please refund me.', 'What should I do now?', 'How long will this take?', 'I would like to speak to someone.', 'Please escalate this.', 'Is there any update?', 'Thanks in advance.'];
const DETAILS = ['since last Tuesday', 'after the latest update', 'on my iPhone', 'on the website', 'for the third time', 'although I paid by credit card', 'and support has not answered', 'in Germany', 'with order number 48213', 'after I changed my address'];

function generatedSentences(count: number): string[] {
  const rand = prng(7);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(`${cap(pick(rand, SUBJECTS))} ${pick(rand, PROBLEMS)} ${pick(rand, DETAILS)}. ${pick(rand, ASKS)}`);
  return out;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

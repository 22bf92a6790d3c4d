// Finding and replacing a customer's identifying strings in copies of their data (run snapshots, job data,
// delivery payloads, audit details...). Two strengths:
// - scoped: for rows known to be about the customer (their tickets' runs, history, deliveries). Every
//   string that contains an identity value, the name or a part of it, or one of their texts is scrubbed,
//   a string that is a fragment of one of their texts (a truncated copy) is erased whole, and a passage
//   of 5+ consecutive words of their texts quoted inside a longer string (an AI prompt) is erased.
// - global: for every other row of every table. Only strings distinctive enough not to hit other people's
//   data: identity values, the full name, and texts of 12+ characters (and long fragments of them).
export const ERASED = '[erased]';

export interface Needles {
  /** Replaced where they occur, case-insensitively (identity values, names, external ids). */
  tokens: string[];
  /** Their texts (subjects, bodies, messages, file names): occurrences replaced, fragments erased whole. */
  texts: string[];
}

export interface ScrubSet {
  tokens: { value: string; re: RegExp }[];
  texts: string[];
  /** A string at least this long that occurs inside one of the texts is a fragment: erased whole. */
  fragmentMin: number;
  /** Scoped only: every run of SHINGLE consecutive words of their texts; a passage quoted inside a longer string is erased. */
  shingles: Set<string> | null;
}

const SHINGLE = 5;
const WORD = /[\p{L}\p{N}]+(?:['’@.+_-][\p{L}\p{N}]+)*/gu;

function words(s: string): { w: string; start: number; end: number }[] {
  return [...s.matchAll(WORD)].map((m) => ({ w: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length }));
}

function shinglesOf(texts: string[]): Set<string> {
  const out = new Set<string>();
  for (const text of texts) {
    const ws = words(text).map((x) => x.w);
    for (let i = 0; i + SHINGLE <= ws.length; i++) out.add(ws.slice(i, i + SHINGLE).join(' '));
  }
  return out;
}

/** Replaces every maximal run of words covered by a shingle of their texts. */
function erasePassages(s: string, shingles: Set<string>): string {
  const ws = words(s);
  if (ws.length < SHINGLE) return s;
  const covered = new Array<boolean>(ws.length).fill(false);
  for (let i = 0; i + SHINGLE <= ws.length; i++) {
    if (shingles.has(ws.slice(i, i + SHINGLE).map((x) => x.w).join(' '))) covered.fill(true, i, i + SHINGLE);
  }
  let out = '';
  let pos = 0;
  for (let i = 0; i < ws.length; i++) {
    if (!covered[i]) continue;
    let j = i;
    while (j + 1 < ws.length && covered[j + 1]) j++;
    out += s.slice(pos, ws[i]!.start) + ERASED;
    pos = ws[j]!.end;
    i = j;
  }
  return out + s.slice(pos);
}

const MIN_TOKEN = 3;
const MIN_TEXT_SCOPED = 8;
const MIN_TEXT_GLOBAL = 12;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function uniq(values: Iterable<string>, min: number): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const t = v.replaceAll('\u0000', '').trim();
    if (t.length >= min && t !== ERASED && !t.startsWith('erased:')) out.add(t);
  }
  // Longest first, so a text is replaced before a token inside it.
  return [...out].sort((a, b) => b.length - a.length);
}

export function scrubSet(needles: Needles, mode: 'scoped' | 'global'): ScrubSet {
  const tokens = uniq(needles.tokens, MIN_TOKEN).map((value) => ({ value, re: new RegExp(escapeRe(value), 'giu') }));
  const texts = uniq(needles.texts, mode === 'scoped' ? MIN_TEXT_SCOPED : MIN_TEXT_GLOBAL);
  return { tokens, texts, fragmentMin: mode === 'scoped' ? 20 : 40, shingles: mode === 'scoped' ? shinglesOf(texts) : null };
}

export function scrubString(s: string, set: ScrubSet): string {
  let out = s;
  for (const text of set.texts) if (out.includes(text)) out = out.split(text).join(ERASED);
  const trimmed = out.trim();
  if (trimmed.length >= set.fragmentMin && trimmed !== ERASED && set.texts.some((t) => t.includes(trimmed))) return ERASED;
  if (set.shingles && set.shingles.size > 0) out = erasePassages(out, set.shingles);
  for (const { re } of set.tokens) out = out.replace(re, ERASED);
  return out;
}

/** Scrubs every string (values, not keys) of a JSON value; returns the same object when nothing changed. */
export function scrubJson(value: unknown, set: ScrubSet): unknown {
  if (typeof value === 'string') return scrubString(value, set);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const s = scrubJson(v, set);
      if (s !== v) changed = true;
      return s;
    });
    return changed ? out : value;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const s = scrubJson(v, set);
      if (s !== v) changed = true;
      out[k] = s;
    }
    return changed ? out : value;
  }
  return value;
}

/** ILIKE patterns that find candidate rows (as text and as text inside a JSON document). */
export function likePatterns(set: ScrubSet): string[] {
  const out = new Set<string>();
  const like = (s: string) => `%${s.replace(/[\\%_]/g, '\\$&')}%`;
  for (const needle of [...set.tokens.map((t) => t.value), ...set.texts]) {
    for (const variant of new Set([needle, JSON.stringify(needle).slice(1, -1)])) {
      out.add(like(variant));
      // A long text is also found by its beginning (copies are often truncated).
      if (variant.length > 200) out.add(like(variant.slice(0, 200)));
    }
  }
  return [...out];
}

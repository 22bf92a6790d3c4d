// Finding and replacing a customer's identifying strings in copies of their data (run snapshots, job data,
// delivery payloads, audit details...). Two strengths:
// - scoped: for rows known to be about the customer (their tickets' runs, history, deliveries). Every
//   string that contains an identity value, the name or a part of it, or one of their texts is scrubbed,
//   and a string that is a fragment of one of their texts (a truncated copy) is erased whole.
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
}

const MIN_TOKEN = 3;
const MIN_TEXT_SCOPED = 8;
const MIN_TEXT_GLOBAL = 12;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function uniq(values: Iterable<string>, min: number): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const t = v.replace(/\u0000/g, '').trim();
    if (t.length >= min && t !== ERASED && !t.startsWith('erased:')) out.add(t);
  }
  // Longest first, so a text is replaced before a token inside it.
  return [...out].sort((a, b) => b.length - a.length);
}

export function scrubSet(needles: Needles, mode: 'scoped' | 'global'): ScrubSet {
  const tokens = uniq(needles.tokens, MIN_TOKEN).map((value) => ({ value, re: new RegExp(escapeRe(value), 'giu') }));
  return { tokens, texts: uniq(needles.texts, mode === 'scoped' ? MIN_TEXT_SCOPED : MIN_TEXT_GLOBAL), fragmentMin: mode === 'scoped' ? 20 : 40 };
}

export function scrubString(s: string, set: ScrubSet): string {
  let out = s;
  for (const text of set.texts) if (out.includes(text)) out = out.split(text).join(ERASED);
  const trimmed = out.trim();
  if (trimmed.length >= set.fragmentMin && trimmed !== ERASED && set.texts.some((t) => t.includes(trimmed))) return ERASED;
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

// RFC 6901 JSON pointers: every ValidationIssue.path is one.

export function escapePointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Pointer from raw (unescaped) segments: pointer('nodes', 3, 'params') === '/nodes/3/params'. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => `/${escapePointerSegment(s)}`).join('');
}

export function parsePointer(p: string): string[] | null {
  if (p === '') return [];
  if (!p.startsWith('/')) return null;
  const segments = p.slice(1).split('/');
  if (segments.some((s) => /~[^01]|~$/.test(s))) return null;
  return segments.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value a pointer designates, or undefined when it does not resolve. */
export function resolvePointer(doc: unknown, p: string): { found: boolean; value?: unknown } {
  const segments = parsePointer(p);
  if (segments === null) return { found: false };
  let value: unknown = doc;
  for (const s of segments) {
    if (Array.isArray(value) ? /^(0|[1-9]\d*)$/.test(s) && Number(s) < value.length : isObject(value) && Object.hasOwn(value, s)) {
      value = (value as Record<string, unknown>)[s];
    } else {
      return { found: false };
    }
  }
  return { found: true, value };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

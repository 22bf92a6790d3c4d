// Attachment intake: limits (per file, total, count), a content-type allow-list, a filename that is safe to
// show and to put in Content-Disposition, and a SHA-256 of the content. Stored in Postgres (bytea) with
// the message, in the same transaction.
import { createHash } from 'node:crypto';
import { FlowdeskError, invalidInput } from '../errors.ts';

export interface AttachmentInput {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Content-ID of an inline email part. */
  contentId?: string;
}

export interface AttachmentLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxCount: number;
  allowedTypes: readonly string[];
}

/** Defaults: 10 MiB per file, 25 MiB per message, 10 files; documents, images, text, archives. */
export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxTotalBytes: 25 * 1024 * 1024,
  maxCount: 10,
  allowedTypes: [
    'image/png', 'image/jpeg', 'image/gif', 'image/webp',
    'application/pdf', 'text/plain', 'text/csv', 'application/json', 'application/zip',
    'message/rfc822', 'application/msword', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.ms-excel', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
  ],
};

export const tooLarge = (path: string, message: string) => new FlowdeskError('FD_ATTACHMENT_TOO_LARGE', 413, `${path}: ${message}`, [{ path, message: `${path}: ${message}` }]);

/** A display name without paths, control characters or quotes; never empty; at most 200 characters. */
export function sanitiseFilename(name: string): string {
  const base = name.normalize('NFC').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  let clean = base.replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '_').replace(/^[.\s]+/, '').trim();
  if (clean.length > 200) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    clean = clean.slice(0, 200 - ext.length) + ext;
  }
  return clean || 'attachment';
}

export interface PreparedAttachment {
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: Buffer;
  content_id: string | null;
}

/** Checks every limit before anything is written; paths point at `<base>/<index>/...`. */
export function prepareAttachments(list: readonly AttachmentInput[] | undefined, base = '/attachments', limits = DEFAULT_ATTACHMENT_LIMITS): PreparedAttachment[] {
  if (!list || list.length === 0) return [];
  if (list.length > limits.maxCount) throw invalidInput(`${base}: at most ${limits.maxCount} attachments`, [{ path: base, message: `${base}: at most ${limits.maxCount} attachments` }]);
  let total = 0;
  return list.map((a, i) => {
    const contentType = a.contentType.toLowerCase().split(';')[0]!.trim();
    if (!limits.allowedTypes.includes(contentType)) {
      const path = `${base}/${i}/contentType`;
      throw invalidInput(`${path}: ${JSON.stringify(contentType)} is not an allowed attachment type`, [{ path, message: `${path}: is not an allowed attachment type` }]);
    }
    if (a.content.length > limits.maxFileBytes) throw tooLarge(`${base}/${i}/content`, `is larger than ${limits.maxFileBytes} bytes`);
    total += a.content.length;
    if (total > limits.maxTotalBytes) throw tooLarge(`${base}/${i}/content`, `attachments together are larger than ${limits.maxTotalBytes} bytes`);
    return {
      filename: sanitiseFilename(a.filename),
      content_type: contentType,
      size_bytes: a.content.length,
      sha256: createHash('sha256').update(a.content).digest('hex'),
      content: a.content,
      content_id: a.contentId ?? null,
    };
  });
}

/**
 * Postgres text and jsonb cannot hold U+0000. Returns the JSON pointer (under `base`) of the first string
 * (or object key) containing it, or null. Buffers (attachment content) are not text and are skipped.
 */
export function findNul(value: unknown, base = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? base : null;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return null;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    const path = `${base}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.includes('\u0000')) return path;
    const found = findNul(child, path);
    if (found !== null) return found;
  }
  return null;
}

/** Throws FD_INVALID_INPUT at the first string holding U+0000 (see findNul). */
export function assertNoNul(value: unknown, base = ''): void {
  const path = findNul(value, base);
  if (path !== null) throw invalidInput(`${path || '/'}: must not contain the NUL character (U+0000)`, [{ path: path || '/', message: `${path || '/'}: must not contain the NUL character (U+0000)` }]);
}

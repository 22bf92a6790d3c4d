// How a stored attachment is sent: always as a download, never rendered by the browser (nosniff, a sandboxing
// CSP), with an ASCII filename plus the RFC 5987 UTF-8 one. Shared by the staff and the portal routes.
import type { FastifyReply } from 'fastify';

export interface StoredFile {
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: Buffer;
}

export function sendAttachment(reply: FastifyReply, file: StoredFile): FastifyReply {
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return reply
    .header('content-type', file.content_type)
    .header('content-length', String(file.size_bytes))
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('etag', `"${file.sha256}"`)
    .header('cache-control', 'private, no-cache')
    .send(file.content);
}

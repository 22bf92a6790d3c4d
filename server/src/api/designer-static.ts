// Serves the built designer (designer/dist) on the API's port: its files at `/`, and index.html for any other
// GET outside /api and /docs (the designer's client-side routes). Without a build it does nothing.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const DESIGNER_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../../designer/dist');

/** Registers the designer on `app` (call after buildApp, before listen). Returns false when there is no build. */
export async function designerStatic(app: FastifyInstance, options: { root?: string } = {}): Promise<boolean> {
  const root = options.root ?? DESIGNER_DIST;
  if (!existsSync(resolve(root, 'index.html'))) return false;
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: ['index.html'] });
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = (request.url.split('?')[0] ?? '/').slice(0, 200);
    // Unknown API and docs URLs keep the API's 404; a missing asset is a 404 too, not the app page.
    if (/^\/(api|docs)(\/|$)/.test(path) || /\.[A-Za-z0-9]+$/.test(path)) {
      return reply.code(404).send({ error: { code: 'FD_ROUTE_NOT_FOUND', message: `no route ${request.method} ${path}`, details: [] } });
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
  return true;
}

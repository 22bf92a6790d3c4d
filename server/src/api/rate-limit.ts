// Per-route rate limits (@fastify/rate-limit) with the API's error shape. Registered inside the plugin whose
// routes opt in with `config.rateLimit`, so nothing else is limited. The store is in memory, per process:
// several API processes each count on their own (docs/security.md).
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { FlowdeskError } from '../errors.ts';

export async function registerRateLimits(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new FlowdeskError('FD_RATE_LIMITED', 429, `too many requests: at most ${context.max} per ${context.after}; retry later`),
  });
}

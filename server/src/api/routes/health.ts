// Liveness + database reachability, for load balancers and the CLI.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.ts';
import { StringEnum, withErrors } from '../schemas.ts';

const HealthSchema = Type.Object(
  { status: StringEnum(['ok', 'degraded']), database: StringEnum(['ok', 'unreachable']), time: Type.String({ format: 'date-time' }) },
  { additionalProperties: false },
);

export const healthRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'>> = async (app, { db }) => {
  app.get(
    '/',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Health check',
        description: '200 when the database answers, 503 otherwise.',
        response: withErrors({ 200: HealthSchema, 503: HealthSchema }),
      },
    },
    async (request, reply) => {
      const time = new Date().toISOString();
      try {
        await sql`select 1`.execute(db);
        return { status: 'ok' as const, database: 'ok' as const, time };
      } catch (err) {
        request.log.warn({ err }, 'health check: database unreachable');
        return reply.code(503).send({ status: 'degraded' as const, database: 'unreachable' as const, time });
      }
    },
  );
};

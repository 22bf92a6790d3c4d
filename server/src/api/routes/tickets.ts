// Tickets: create one (which starts every published workflow whose trigger matches) and read it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { findDefinitions, findRun, type RunRow } from '../repos/runs.repo.ts';
import { findTicket, insertTicket } from '../repos/tickets.repo.ts';
import { CreateTicketBody, IdParams, RunSchema, TicketSchema, withErrors } from '../schemas.ts';
import { indexNodes, toRun, toTicket } from '../serialize.ts';

const tags = ['tickets'];

export const ticketRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db' | 'runtime'>> = async (app, { db, runtime }) => {
  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a ticket',
        description: 'Creates the ticket and starts every published workflow whose ticket.created trigger matches, all in one transaction.',
        body: CreateTicketBody,
        response: withErrors({
          201: Type.Object({ ticket: TicketSchema, runs: Type.Array(RunSchema) }, { additionalProperties: false }),
        }),
      },
    },
    async (request, reply) => {
      // One transaction: a ticket never exists without the runs its triggers demand, and a failed
      // start leaves no ticket behind.
      const { ticket, runIds } = await db.transaction().execute(async (trx) => {
        const ticket = await insertTicket(trx, request.body);
        const runs = await runtime.startRunsForTicket(ticket.id, 'ticket.created', trx);
        return { ticket, runIds: runs.map((run) => run.id) };
      });
      const rows = (await Promise.all(runIds.map((id) => findRun(db, id)))).filter((row): row is RunRow => row !== undefined);
      const definitions = await findDefinitions(db, [...new Set(rows.map((row) => row.workflow_version_id))]);
      const runs = rows.map((row) => toRun(row, indexNodes(definitions.get(row.workflow_version_id))));
      return reply.code(201).send({ ticket: toTicket(ticket), runs });
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Get a ticket',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ ticket: TicketSchema }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const ticket = await findTicket(db, request.params.id);
      if (!ticket) throw notFound('ticket', request.params.id);
      return { ticket: toTicket(ticket) };
    },
  );
};

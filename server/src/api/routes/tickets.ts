// Tickets: create (any channel's REST entry), list with filters and keyset pagination, full-text search,
// read with thread, reply / internal note, change, download attachments, apply a macro; the ticket's runs
// and their open task/approval steps, and submitting one (the agent workspace, ../ticket-tasks.ts).
import { sendAttachment } from '../attachment-response.ts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { invalidInput, notFound } from '../../errors.ts';
import { principalOf, scopeOf } from '../../auth/plugin.ts';
import { can } from '../../auth/principal.ts';
import { ticketVisible } from '../../auth/scope.ts';
import { addMessage, applyMacro, createTicket, updateTicket } from '../../ticketing/index.ts';
import type { ApiDeps } from '../deps.ts';
import { findDefinitions, findRun, listRunsOfTicket, type RunRow } from '../repos/runs.repo.ts';
import { recordAudit } from '../../audit/index.ts';
import { FlowdeskError } from '../../errors.ts';
import { ErrorCodes } from '../errors.ts';
import { listOpenTasks, SubmitTaskBody, taskEvent, TicketTaskParams, TicketTaskSchema, toTicketTask } from '../ticket-tasks.ts';
import { auditOrigin } from './security-common.ts';
import { findCustomer, identitiesOf as customerIdentities } from '../repos/customers.repo.ts';
import { decodeKeyset, decodeOffset, encodeKeyset, encodeOffset } from '../repos/keyset.ts';
import { findAttachment, findTicket, listSlaSummaries, listThread, listTickets, searchTickets } from '../repos/tickets.repo.ts';
import { DEFAULT_PAGE_SIZE, IdParams, Nullable, RunSchema, withErrors } from '../schemas.ts';
import { indexNodes, toRun } from '../serialize.ts';
import {
  AddMessageBody,
  ApplyMacroBody,
  CreateTicketFullBody,
  CustomerSchema,
  ListTicketsQuery,
  MessageSchema,
  SearchQuery,
  TicketAttachmentParams,
  TicketFullSchema,
  TicketHitSchema,
  TicketMacroParams,
  TicketSlaSummarySchema,
  UpdateTicketBody,
} from '../ticketing-schemas.ts';
import { toCustomer, toMessage, toTicketFull } from '../ticketing-serialize.ts';
import { ATTACHMENT_BODY_LIMIT, decodeAttachments, identitiesOf, organisationOf, rejectNul, ticketingContext, withRequestPaths } from './ticketing-common.ts';

const tags = ['tickets'];

export const ticketRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db' | 'runtime' | 'logger'>> = async (app, deps) => {
  app.addHook('preValidation', rejectNul);
  const { db } = deps;
  const ctx = ticketingContext(deps);

  async function runDtos(runIds: readonly string[]) {
    const rows = (await Promise.all(runIds.map((id) => findRun(db, id)))).filter((row): row is RunRow => row !== undefined);
    const definitions = await findDefinitions(db, [...new Set(rows.map((row) => row.workflow_version_id))]);
    return rows.map((row) => toRun(row, indexNodes(definitions.get(row.workflow_version_id))));
  }

  const isoOrNull = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  /** The SLA clocks of a page of tickets (absent for tickets without an SLA). */
  async function slaOf(ticketIds: readonly string[]) {
    return (await listSlaSummaries(db, ticketIds)).map((r) => ({
      ticketId: r.ticket_id,
      firstResponseDueAt: isoOrNull(r.first_response_due_at),
      resolutionDueAt: isoOrNull(r.resolution_due_at),
      firstResponseMetAt: isoOrNull(r.first_response_met_at),
      resolutionMetAt: isoOrNull(r.resolution_met_at),
      firstResponseBreachedAt: isoOrNull(r.first_response_breached_at),
      resolutionBreachedAt: isoOrNull(r.resolution_breached_at),
      paused: r.paused_since !== null,
    }));
  }

  /** A ticket outside the caller's scope is a 404, not a 403: its existence is not disclosed. */
  async function loadTicket(request: FastifyRequest, id: string) {
    const ticket = await findTicket(db, id);
    if (!ticket || !ticketVisible(scopeOf(request), ticket)) throw notFound('ticket', id);
    return ticket;
  }

  app.post(
    '/',
    {
      config: { access: 'tickets.write' },
      bodyLimit: ATTACHMENT_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Create a ticket',
        description:
          'Creates the ticket and its first message (with attachments), resolves the customer from their email/phone/handle, validates custom fields ' +
          "against the organisation's schema, and starts every published workflow whose ticket.created trigger matches — all in one transaction.",
        body: CreateTicketFullBody,
        response: withErrors({
          201: Type.Object({ ticket: TicketFullSchema, customer: Nullable(CustomerSchema), message: MessageSchema, runs: Type.Array(RunSchema) }, { additionalProperties: false }),
        }),
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { identities, rewrite } = body.customer ? identitiesOf(body.customer) : { identities: [], rewrite: {} };
      if (body.customer && identities.length === 0) {
        throw invalidInput('/body/customer: needs at least one of email, phone, handle', [{ path: '/body/customer', message: '/body/customer: needs at least one of email, phone, handle' }]);
      }
      const result = await withRequestPaths(
        async () =>
          createTicket(ctx, {
            organisationId: organisationOf(request),
            subject: body.subject,
            body: body.body ?? '',
            priority: body.priority,
            channel: body.channel ?? 'api',
            customer: body.customer ? { identities, name: body.customer.name, language: body.customer.language } : undefined,
            customerId: body.customerId,
            fields: body.fields,
            tags: body.tags,
            message: { attachments: decodeAttachments(body.attachments, '/attachments') },
          }),
        '/body',
        { ...rewrite, '/message/attachments': '/body/attachments' },
      );
      // The answer is built from what the transaction returned; only what it did not return is read.
      const identitiesRows = !result.customer ? [] : (result.customerIdentities ?? (await customerIdentities(db, [result.customer.id])));
      const workflows = result.workflows;
      const runs =
        workflows && result.runs.every((r) => workflows.has(r.workflow_version_id))
          ? result.runs.map((r) => {
              const w = workflows.get(r.workflow_version_id)!;
              return toRun({ ...r, workflow_id: w.workflowId, workflow_key: w.workflowKey, workflow_version: w.version, cursor_ts: '' }, indexNodes(w.definition));
            })
          : await runDtos(result.runs.map((r) => r.id));
      return reply.code(201).send({
        ticket: toTicketFull(result.ticket),
        customer: result.customer ? toCustomer(result.customer, identitiesRows) : null,
        message: toMessage(result.message, result.attachments),
        runs,
      });
    },
  );

  app.get(
    '/',
    {
      config: { access: 'tickets.read' },
      schema: {
        tags,
        summary: 'List tickets',
        description:
          'Newest first, keyset pagination on (createdAt, id): pass nextCursor back as cursor; null on the last page. ' +
          '`sla` has the SLA clocks of the tickets of the page that have an SLA.',
        querystring: ListTicketsQuery,
        response: withErrors({
          200: Type.Object({ tickets: Type.Array(TicketFullSchema), nextCursor: Nullable(Type.String()), sla: Type.Array(TicketSlaSummarySchema) }, { additionalProperties: false }),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      if (q.unassigned && q.assigneeAgentId) {
        throw invalidInput('/querystring/unassigned: cannot be combined with assigneeAgentId', [{ path: '/querystring/unassigned', message: '/querystring/unassigned: cannot be combined with assigneeAgentId' }]);
      }
      const limit = q.limit ?? DEFAULT_PAGE_SIZE;
      const rows = await listTickets(db, {
        scope: scopeOf(request),
        status: q.status,
        priority: q.priority,
        channel: q.channel,
        assigneeAgentId: q.assigneeAgentId,
        unassigned: q.unassigned === true,
        teamId: q.teamId,
        customerId: q.customerId,
        tag: q.tag,
        createdFrom: q.createdFrom,
        createdTo: q.createdTo,
        after: q.cursor ? decodeKeyset(q.cursor) : undefined,
        limit,
      });
      const page = rows.slice(0, limit);
      return { tickets: page.map(toTicketFull), nextCursor: rows.length > limit ? encodeKeyset(page[page.length - 1]!) : null, sla: await slaOf(page.map((t) => t.id)) };
    },
  );

  app.get(
    '/search',
    {
      config: { access: 'tickets.read' },
      schema: {
        tags,
        summary: 'Search tickets',
        description:
          "Postgres full-text search (websearch_to_tsquery('english', q)) over subjects, bodies and every message; ranked with ts_rank_cd " +
          '(subject matches first), with highlighted snippets (ts_headline). Pass nextCursor back as cursor.',
        querystring: SearchQuery,
        response: withErrors({
          200: Type.Object({ hits: Type.Array(TicketHitSchema), nextCursor: Nullable(Type.String()), sla: Type.Array(TicketSlaSummarySchema) }, { additionalProperties: false }),
        }),
      },
    },
    async (request) => {
      const limit = request.query.limit ?? DEFAULT_PAGE_SIZE;
      const offset = decodeOffset(request.query.cursor);
      const rows = await searchTickets(db, scopeOf(request), request.query.q, limit, offset, { internalNotes: can(principalOf(request), 'tickets.internal') });
      const page = rows.slice(0, limit);
      return {
        hits: page.map((row) => ({ ticket: toTicketFull(row), rank: Number(row.rank), snippet: row.snippet })),
        nextCursor: rows.length > limit ? encodeOffset(offset + limit) : null,
        sla: await slaOf(page.map((t) => t.id)),
      };
    },
  );

  app.get(
    '/:id',
    {
      config: { access: 'tickets.read', auditRead: 'ticket' },
      schema: {
        tags,
        summary: 'Get a ticket with its thread',
        params: IdParams,
        response: withErrors({
          200: Type.Object({ ticket: TicketFullSchema, customer: Nullable(CustomerSchema), messages: Type.Array(MessageSchema) }, { additionalProperties: false }),
        }),
      },
    },
    async (request) => {
      const ticket = await loadTicket(request, request.params.id);
      const [{ messages, attachments }, customer] = await Promise.all([
        listThread(db, ticket.id),
        ticket.customer_id ? findCustomer(db, ticket.organisation_id, ticket.customer_id) : Promise.resolve(undefined),
      ]);
      const identities = customer ? await customerIdentities(db, [customer.id]) : [];
      return {
        ticket: toTicketFull(ticket),
        customer: customer ? toCustomer(customer, identities) : null,
        messages: messages.filter((m) => m.visibility === 'public' || can(principalOf(request), 'tickets.internal')).map((m) => toMessage(m, attachments)),
      };
    },
  );

  app.post(
    '/:id/messages',
    {
      config: { access: 'tickets.write' },
      bodyLimit: ATTACHMENT_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Reply or add an internal note',
        description:
          "A public agent reply sets firstRespondedAt once; a customer's public message reopens a ticket waiting for them and resumes runs waiting for customer.replied.",
        params: IdParams,
        body: AddMessageBody,
        response: withErrors({ 201: Type.Object({ ticket: TicketFullSchema, message: MessageSchema }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      await loadTicket(request, request.params.id);
      const b = request.body;
      const result = await withRequestPaths(
        async () =>
          addMessage(ctx, {
            ticketId: request.params.id,
            visibility: b.visibility ?? 'public',
            authorType: b.authorType ?? 'agent',
            authorAgentId: b.authorAgentId ?? ((b.authorType ?? 'agent') === 'agent' ? (principalOf(request).agentId ?? undefined) : undefined),
            authorCustomerId: b.authorCustomerId,
            channel: b.channel ?? 'api',
            bodyText: b.body,
            bodyHtml: b.bodyHtml,
            attachments: decodeAttachments(b.attachments, '/attachments'),
          }),
        '/body',
      );
      return reply.code(201).send({ ticket: toTicketFull(result.ticket), message: toMessage(result.message, result.attachments) });
    },
  );

  app.patch(
    '/:id',
    {
      config: { access: 'tickets.write' },
      schema: {
        tags,
        summary: 'Change a ticket',
        description:
          'Status, priority, assignee, team, tags, custom fields (merged; null removes). Starts ticket.updated workflows and sends ticket.updated ' +
          '(plus priority.changed / status.changed / assignee.changed) to the ticket’s active runs. A patch that changes nothing writes nothing.',
        params: IdParams,
        body: UpdateTicketBody,
        response: withErrors({ 200: Type.Object({ ticket: TicketFullSchema, changed: Type.Array(Type.String()), runs: Type.Array(RunSchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      await loadTicket(request, request.params.id);
      const result = await withRequestPaths(() => updateTicket(ctx, request.params.id, request.body), '/body');
      return { ticket: toTicketFull(result.ticket), changed: result.changed, runs: await runDtos(result.runs.map((r) => r.id)) };
    },
  );

  app.get(
    '/:id/attachments/:attachmentId',
    {
      config: { access: 'tickets.read', auditRead: 'attachment' },
      schema: {
        tags,
        summary: 'Download an attachment',
        description: 'Always served as a download (Content-Disposition: attachment) with X-Content-Type-Options: nosniff, never rendered inline.',
        params: TicketAttachmentParams,
        response: withErrors({ 200: Type.Unsafe({ type: 'string', format: 'binary', description: 'The file' }) }),
      },
    },
    async (request, reply) => {
      await loadTicket(request, request.params.id);
      const file = await findAttachment(db, request.params.id, request.params.attachmentId);
      if (!file) throw notFound('attachment', request.params.attachmentId);
      return sendAttachment(reply, file);
    },
  );

  app.post(
    '/:id/macros/:macroId',
    {
      config: { access: 'tickets.write' },
      schema: {
        tags,
        summary: 'Apply a macro',
        description: 'Posts the canned reply with {{ticket.*}} / {{customer.name}} filled in and applies the macro’s actions, in one transaction.',
        params: TicketMacroParams,
        body: Type.Optional(ApplyMacroBody),
        response: withErrors({
          200: Type.Object({ ticket: TicketFullSchema, message: Nullable(MessageSchema), changed: Type.Array(Type.String()), runs: Type.Array(RunSchema) }, { additionalProperties: false }),
        }),
      },
    },
    async (request) => {
      await loadTicket(request, request.params.id);
      const result = await withRequestPaths(() => applyMacro(ctx, { ticketId: request.params.id, macroId: request.params.macroId, authorAgentId: request.body?.authorAgentId ?? principalOf(request).agentId ?? undefined }), '/body');
      return {
        ticket: toTicketFull(result.ticket),
        message: result.message ? toMessage(result.message) : null,
        changed: result.changed,
        runs: await runDtos(result.runs.map((r) => r.id)),
      };
    },
  );

  // ---- the ticket's workflow: runs and their open human steps ----

  app.get(
    '/:id/runs',
    {
      config: { access: 'runs.read' },
      schema: {
        tags,
        summary: "A ticket's workflow runs",
        description: 'Newest first, with each run\'s current node. Follow one live with GET /api/runs/{id}/stream.',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ runs: Type.Array(RunSchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const ticket = await loadTicket(request, request.params.id);
      const rows = await listRunsOfTicket(db, ticket.id);
      const definitions = await findDefinitions(db, [...new Set(rows.map((row) => row.workflow_version_id))]);
      return { runs: rows.map((row) => toRun(row, indexNodes(definitions.get(row.workflow_version_id)))) };
    },
  );

  app.get(
    '/:id/tasks',
    {
      config: { access: 'runs.read' },
      schema: {
        tags,
        summary: "The open task and approval steps of a ticket's runs",
        description:
          "Oldest first. A task carries its node's form (JSON Schema and JSON Forms layout, from the workflow version its run is pinned to) and actions; " +
          'an approval carries how many approvals it needs and the votes so far. Submit one with POST /api/tickets/{id}/tasks/{taskId}.',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ tasks: Type.Array(TicketTaskSchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const ticket = await loadTicket(request, request.params.id);
      return { tasks: (await listOpenTasks(db, ticket.id)).map(toTicketTask) };
    },
  );

  app.post(
    '/:id/tasks/:taskId',
    {
      config: { access: 'runs.write' },
      schema: {
        tags,
        summary: 'Complete a task or vote on an approval',
        description:
          'A task takes `action` (one of its actions) and `data` (validated against its form; each problem at /body/data/<field>); an approval takes ' +
          '`decision` and an optional `comment`. The server sends the run event (task.submit / approval.vote) with the signed-in user as actor or ' +
          'approver, for the visit the task belongs to, in one transaction. 404 when the task is not open any more; 409 FD_EVENT_NOT_APPLICABLE when ' +
          'the run moved on meanwhile. Audited as run.task_submitted. Answers the run and the ticket\'s open tasks after the event.',
        params: TicketTaskParams,
        body: SubmitTaskBody,
        response: withErrors({ 200: Type.Object({ run: RunSchema, tasks: Type.Array(TicketTaskSchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const ticket = await loadTicket(request, request.params.id);
      const [row] = await listOpenTasks(db, ticket.id, request.params.taskId);
      if (!row) throw notFound('open task', request.params.taskId);
      const task = toTicketTask(row);
      const principal = principalOf(request);
      const event = taskEvent(task, request.body, principal.email);
      const result = await deps.runtime.sendEvent(task.runId, event);
      if (!result.applied) {
        throw new FlowdeskError(ErrorCodes.eventNotApplicable, 409, result.reason ?? 'the run is no longer waiting for this step');
      }
      await recordAudit(db, {
        ...auditOrigin(request),
        action: 'run.task_submitted',
        target: { type: 'task', id: task.id },
        after: { runId: task.runId, ticketId: ticket.id, nodeId: task.nodeId, visit: task.visit, kind: task.kind, ...(event.type === 'task.submit' ? { action: event.action } : { decision: event.decision }) },
      });
      const [runs, open] = await Promise.all([runDtos([task.runId]), listOpenTasks(db, ticket.id)]);
      return { run: runs[0]!, tasks: open.map(toTicketTask) };
    },
  );
};

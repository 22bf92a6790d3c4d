// Runs: start, list (keyset pagination), inspect, history, send events, retry stuck runs.
// Every state change goes through the runtime, which applies it in one transaction.
import type { WorkflowDefinition } from '@flowdesk/schema';
import { historyToTestCase } from '../run-test-case.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { scopeOf } from '../../auth/plugin.ts';
import { ticketVisible } from '../../auth/scope.ts';
import { Type } from 'typebox';
import type { Database } from '../../db/types.ts';
import { FlowdeskError, invalidInput, notFound } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorCodes } from '../errors.ts';
import { findDefinitions, findRun, listHistory, listRuns, type RunRow } from '../repos/runs.repo.ts';
import { findTicket } from '../repos/tickets.repo.ts';
import { findLatestVersion, findVersionById, findWorkflow } from '../repos/workflows.repo.ts';
import {
  DEFAULT_PAGE_SIZE,
  Uuid,
  HistoryEntrySchema,
  IdParams,
  ListRunsQuery,
  RunEventBody,
  RunSchema,
  StartRunBody,
  UUID_PATTERN,
  withErrors,
} from '../schemas.ts';
import { indexNodes, toHistoryEntry, toRun, type NodeInfo } from '../serialize.ts';

const tags = ['runs'];
/** How often a live run stream looks for changes. */
const STREAM_POLL_MS = 500;
const RunResponse = Type.Object({ run: RunSchema }, { additionalProperties: false });

// ---- opaque keyset cursor: base64url of [created_at with microseconds, id] ----
const CURSOR_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID_RE = new RegExp(UUID_PATTERN);

export function encodeCursor(row: { cursor_ts: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.cursor_ts, row.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (Array.isArray(parsed) && parsed.length === 2) {
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt === 'string' && CURSOR_TS.test(createdAt) && !Number.isNaN(Date.parse(createdAt)) && typeof id === 'string' && UUID_RE.test(id)) {
      return { createdAt, id };
    }
  }
  throw invalidInput('/querystring/cursor: is not a cursor returned by this API', [
    { path: '/querystring/cursor', message: '/querystring/cursor: is not a cursor returned by this API' },
  ]);
}

/** Node lookups per published version. Versions are immutable, so entries never go stale. */
class NodeIndexCache {
  readonly #entries = new Map<string, Map<string, NodeInfo>>();
  constructor(private readonly max = 500) {}

  async forRows(db: Kysely<Database>, rows: readonly RunRow[]): Promise<Map<string, Map<string, NodeInfo>>> {
    const missing = [...new Set(rows.map((r) => r.workflow_version_id))].filter((id) => !this.#entries.has(id));
    for (const [id, definition] of await findDefinitions(db, missing)) {
      if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(id, indexNodes(definition));
    }
    return this.#entries;
  }

  async toDtos(db: Kysely<Database>, rows: readonly RunRow[]) {
    const index = await this.forRows(db, rows);
    return rows.map((row) => toRun(row, index.get(row.workflow_version_id)));
  }
}

export const runRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db' | 'runtime'>> = async (app, { db, runtime }) => {
  const nodes = new NodeIndexCache();

  /** A run of a ticket outside the caller's scope is a 404 (its existence is not disclosed). */
  async function visibleRun(request: FastifyRequest, id: string) {
    const row = await findRun(db, id);
    const ticket = row?.ticket_id ? await findTicket(db, row.ticket_id) : undefined;
    if (!row || (row.ticket_id && (!ticket || !ticketVisible(scopeOf(request), ticket)))) throw notFound('run', id);
    return row;
  }

  async function loadRun(id: string) {
    const row = await findRun(db, id);
    if (!row) throw notFound('run', id);
    const [run] = await nodes.toDtos(db, [row]);
    return run!;
  }

  app.post(
    '/',
    {
      config: { access: 'runs.write' },
      schema: {
        tags,
        summary: 'Start a run',
        description: 'Starts a run on a published version: give `workflowVersionId`, or `workflowId` for its latest published version.',
        body: StartRunBody,
        response: withErrors({ 201: RunResponse }),
      },
    },
    async (request, reply) => {
      const { workflowVersionId, workflowId, ticketId, ticket } = request.body;
      if ((workflowVersionId === undefined) === (workflowId === undefined)) {
        const message = 'give exactly one of workflowVersionId and workflowId';
        throw invalidInput(message, [{ path: '/body/workflowVersionId', message: `/body/workflowVersionId: ${message}` }]);
      }
      let versionId: string;
      if (workflowVersionId !== undefined) {
        const version = await findVersionById(db, workflowVersionId);
        if (!version) throw withPath(notFound('workflow version', workflowVersionId), '/body/workflowVersionId');
        versionId = version.id;
      } else {
        const workflow = await findWorkflow(db, workflowId!);
        if (!workflow) throw withPath(notFound('workflow', workflowId!), '/body/workflowId');
        const latest = await findLatestVersion(db, workflow.id);
        if (!latest) {
          throw new FlowdeskError('FD_NOT_PUBLISHED', 409, `workflow ${JSON.stringify(workflow.key)} has no published version`, [
            { path: '/body/workflowId', message: '/body/workflowId: the workflow has no published version; publish it first' },
          ]);
        }
        versionId = latest.id;
      }
      const target = ticketId ? await findTicket(db, ticketId) : undefined;
      if (ticketId && (!target || !ticketVisible(scopeOf(request), target))) throw withPath(notFound('ticket', ticketId), '/body/ticketId');
      const { run } = await runtime.startRun({
        workflowVersionId: versionId,
        ...(ticketId !== undefined ? { ticketId } : {}),
        ...(ticket !== undefined ? { ticket } : {}),
      });
      return reply.code(201).send({ run: await loadRun(run.id) });
    },
  );

  app.get(
    '/',
    {
      config: { access: 'runs.read' },
      schema: {
        tags,
        summary: 'List runs, newest first',
        description: 'Keyset pagination: pass the previous page\'s `nextCursor` as `cursor`; `nextCursor` is null on the last page.',
        querystring: ListRunsQuery,
        response: withErrors({
          200: Type.Object({ runs: Type.Array(RunSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
        }),
      },
    },
    async (request) => {
      const { status, workflowId, cursor } = request.query;
      const limit = request.query.limit ?? DEFAULT_PAGE_SIZE;
      const rows = await listRuns(db, {
        scope: scopeOf(request),
        limit,
        ...(status ? { status } : {}),
        ...(workflowId ? { workflowId } : {}),
        ...(cursor !== undefined ? { after: decodeCursor(cursor) } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { runs: await nodes.toDtos(db, page), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
    },
  );

  app.get(
    '/:id',
    {
      config: { access: 'runs.read' },
      schema: {
        tags,
        summary: 'Get a run with its workflow key/version and current node',
        params: IdParams,
        response: withErrors({ 200: RunResponse }),
      },
    },
    async (request) => ({ run: await loadRun((await visibleRun(request, request.params.id)).id) }),
  );

  app.get(
    '/:id/history',
    {
      config: { access: 'runs.read' },
      schema: {
        tags,
        summary: "A run's append-only history, ordered by sequence",
        params: IdParams,
        response: withErrors({ 200: Type.Object({ history: Type.Array(HistoryEntrySchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const row = await visibleRun(request, request.params.id);
      return { history: (await listHistory(db, row.id)).map(toHistoryEntry) };
    },
  );

  app.get(
    '/:id/stream',
    {
      config: { access: 'runs.read' },
      schema: {
        tags,
        summary: 'Follow a run live (Server-Sent Events)',
        description:
          'text/event-stream. `event: run` with `{"run": Run, "history": [entries with sequence > since]}` right away and whenever the run moves; ' +
          '`: ping` comments every 15 s; `event: end` once the run is completed, then the server closes. Reconnect with `?since=` the last sequence you saw. ' +
          'The server checks the run at most twice a second (one primary-key read), whatever the number of events.',
        params: IdParams,
        querystring: Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Last history sequence the client has' })) }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Unsafe({ type: 'string', description: 'An event stream' }) }),
      },
    },
    async (request, reply) => {
      const row = await visibleRun(request, request.params.id);
      let since = request.query.since ?? 0;
      let lastSequence = -1;
      let closed = false;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Reverse proxies (nginx) must not buffer the stream.
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown) => {
        if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const stop = () => {
        closed = true;
        clearInterval(poll);
        clearInterval(ping);
      };
      const check = async () => {
        const current = await findRun(db, row.id);
        if (closed || !current) return stop();
        if (current.sequence !== lastSequence) {
          lastSequence = current.sequence;
          const history = (await listHistory(db, row.id)).filter((h) => h.sequence > since).map(toHistoryEntry);
          if (history.length > 0) since = history[history.length - 1]!.sequence;
          send('run', { run: (await nodes.toDtos(db, [current]))[0], history });
        }
        if (current.status === 'completed') {
          send('end', { runId: current.id });
          stop();
          raw.end();
        }
      };
      let busy = false;
      const poll = setInterval(() => {
        if (busy || closed) return;
        busy = true;
        check()
          .catch((err: unknown) => {
            request.log.warn({ err }, 'run stream check failed');
          })
          .finally(() => (busy = false));
      }, STREAM_POLL_MS);
      const ping = setInterval(() => !closed && raw.write(': ping\n\n'), 15_000);
      request.raw.on('close', stop);
      busy = true;
      await check().finally(() => (busy = false));
    },
  );

  app.get(
    '/:id/test-case',
    {
      config: { access: 'runs.read' },
      schema: {
        tags,
        summary: 'This run as a saved simulation case',
        description:
          "A WorkflowTestCase (see the definition format's `tests`): the run's start ticket, the events people and workers sent (rule results are left out: " +
          'the engine evaluates rules itself), and the path, node and status it reached as the expectation. Add it to the workflow draft to keep this behaviour under test. ' +
          '409 FD_CONFLICT for a run that was moved to another version: a case replays one version, the message names the migration (versions, history sequence).',
        params: IdParams,
        response: withErrors({
          200: Type.Object(
            { testCase: Type.Unknown({ description: 'A WorkflowTestCase' }), workflowId: Uuid(), workflowKey: Type.String(), version: Type.Integer() },
            { additionalProperties: false },
          ),
        }),
      },
    },
    async (request) => {
      const row = await visibleRun(request, request.params.id);
      const definition = (await findDefinitions(db, [row.workflow_version_id])).get(row.workflow_version_id) as WorkflowDefinition;
      const history = await listHistory(db, row.id);
      const snapshot = row.snapshot as { context?: { endStatus?: string | null } };
      const testCase = historyToTestCase(
        definition,
        history.map((h) => ({ event: h.event, toState: h.to_state, fromState: h.from_state, sequence: h.sequence })),
        { id: row.id, status: row.status, state: row.state, endStatus: snapshot.context?.endStatus ?? null },
      );
      return { testCase, workflowId: row.workflow_id, workflowKey: row.workflow_key, version: row.workflow_version };
    },
  );

  app.post(
    '/:id/events',
    {
      config: { access: 'runs.write' },
      schema: {
        tags,
        summary: 'Send an event to a run',
        description:
          'Applied in one transaction. 200 with applied=true when the run moved; 409 FD_EVENT_NOT_APPLICABLE (reason in the message) ' +
          "when the event is not relevant to the run's current state, in which case nothing changed.",
        params: IdParams,
        body: RunEventBody,
        response: withErrors({
          200: Type.Object({ applied: Type.Boolean(), reason: Type.Optional(Type.String()), run: RunSchema }, { additionalProperties: false }),
        }),
      },
    },
    async (request) => {
      await visibleRun(request, request.params.id);
      const result = await runtime.sendEvent(request.params.id, request.body);
      if (!result.applied) {
        throw new FlowdeskError(ErrorCodes.eventNotApplicable, 409, result.reason ?? 'the event is not applicable to the run in its current state');
      }
      return { applied: true, ...(result.reason ? { reason: result.reason } : {}), run: await loadRun(result.run.id) };
    },
  );

  app.post(
    '/:id/retry',
    {
      config: { access: 'runs.write' },
      schema: {
        tags,
        summary: 'Retry the failed work of a stuck run',
        description: '409 when the run is not stuck.',
        params: IdParams,
        response: withErrors({ 200: RunResponse }),
      },
    },
    async (request) => {
      await visibleRun(request, request.params.id);
      const { run } = await runtime.retry(request.params.id);
      return { run: await loadRun(run.id) };
    },
  );
};

function withPath(error: FlowdeskError, path: string): FlowdeskError {
  return new FlowdeskError(error.code, error.statusCode, error.message, [{ path, message: `${path}: ${error.message}` }]);
}

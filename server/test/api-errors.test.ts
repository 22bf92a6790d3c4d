// Bad input of every kind gets a 4xx with a stable code and a pointer to the field, and leaves every table
// as it was; unexpected failures are a generic 500 without internals; the OpenAPI document lists every route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/api/app.ts';
import { ROUTE_ACCESS } from './route-access.ts';
import { approvalWorkflow, asPrincipal, json, logger, publishViaApi, startHarness, tableCounts, type Harness } from './api-harness.ts';

let h: Harness;
let runId: string;
let workflowId: string;

beforeAll(async () => {
  h = await startHarness('api_errors');
  const ids = await publishViaApi(h.app, approvalWorkflow('errors-wf'));
  workflowId = ids.workflowId;
  runId = json(await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: ids.versionId } })).run.id;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  url: () => string;
  payload?: unknown;
  /** Raw body instead of JSON. */
  raw?: string | Buffer;
  contentType?: string;
  status: number;
  code: string;
  path?: string;
  message?: RegExp;
}

const ghost = '00000000-0000-4000-8000-000000000000';
const vote = { type: 'approval.vote', nodeId: 'approve', approver: 'ann', decision: 'approve' };

const cases: Case[] = [
  { name: 'malformed JSON', method: 'POST', url: () => '/api/tickets', raw: '{"subject": "x",', contentType: 'application/json', status: 400, code: 'FD_MALFORMED_JSON', path: '/body' },
  { name: 'empty JSON body', method: 'POST', url: () => '/api/tickets', raw: '', contentType: 'application/json', status: 400, code: 'FD_MALFORMED_JSON', path: '/body' },
  { name: 'prototype poisoning', method: 'POST', url: () => '/api/tickets', raw: '{"subject":"x","__proto__":{"admin":true}}', contentType: 'application/json', status: 400, code: 'FD_MALFORMED_JSON' },
  { name: 'body over 1 MiB', method: 'POST', url: () => '/api/workflows/validate', raw: JSON.stringify({ definition: 'x'.repeat(1024 * 1024) }), contentType: 'application/json', status: 413, code: 'FD_BODY_TOO_LARGE', path: '/body' },
  { name: 'text/plain', method: 'POST', url: () => '/api/tickets', raw: 'subject=hello', contentType: 'text/plain', status: 415, code: 'FD_UNSUPPORTED_MEDIA_TYPE', path: '/headers/content-type' },
  { name: 'form-encoded', method: 'POST', url: () => '/api/tickets', raw: 'subject=hello', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'FD_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'no body where one is required', method: 'POST', url: () => '/api/tickets', status: 400, code: 'FD_INVALID_INPUT', path: '/body', message: /must be object/ },
  { name: 'bad uuid in path', method: 'GET', url: () => '/api/runs/not-a-uuid', status: 400, code: 'FD_INVALID_INPUT', path: '/params/id', message: /^\/params\/id: must be a UUID/ },
  { name: 'urn-prefixed uuid in path', method: 'GET', url: () => `/api/tickets/urn:uuid:${ghost}`, status: 400, code: 'FD_INVALID_INPUT', path: '/params/id' },
  { name: 'bad uuid for events', method: 'POST', url: () => '/api/runs/123/events', payload: vote, status: 400, code: 'FD_INVALID_INPUT', path: '/params/id' },
  { name: 'bad version number', method: 'GET', url: () => `/api/workflows/${workflowId}/versions/one`, status: 400, code: 'FD_INVALID_INPUT', path: '/params/version' },
  { name: 'version 0', method: 'GET', url: () => `/api/workflows/${workflowId}/versions/0`, status: 400, code: 'FD_INVALID_INPUT', path: '/params/version' },
  { name: 'limit too small', method: 'GET', url: () => '/api/runs?limit=0', status: 400, code: 'FD_INVALID_INPUT', path: '/querystring/limit', message: />= 1/ },
  { name: 'limit too large', method: 'GET', url: () => '/api/runs?limit=201', status: 400, code: 'FD_INVALID_INPUT', path: '/querystring/limit' },
  { name: 'limit not a number', method: 'GET', url: () => '/api/runs?limit=ten', status: 400, code: 'FD_INVALID_INPUT', path: '/querystring/limit' },
  { name: 'limit twice', method: 'GET', url: () => '/api/runs?limit=1&limit=2', status: 400, code: 'FD_INVALID_INPUT', path: '/querystring/limit' },
  { name: 'unknown status', method: 'GET', url: () => '/api/runs?status=lost', status: 400, code: 'FD_INVALID_INPUT', path: '/querystring/status', message: /must be one of: "running", "waiting", "stuck", "completed"/ },
  { name: 'unknown query parameter', method: 'GET', url: () => '/api/runs?sort=asc', status: 400, code: 'FD_INVALID_INPUT', path: '/querystring/sort' },
  { name: 'forged cursor', method: 'GET', url: () => '/api/runs?cursor=bm90LWEtY3Vyc29y', status: 400, code: 'FD_INVALID_INPUT', path: '/querystring/cursor' },
  { name: 'bad workflowId filter', method: 'GET', url: () => '/api/runs?workflowId=x', status: 400, code: 'FD_INVALID_INPUT', path: '/querystring/workflowId' },
  { name: 'unknown route', method: 'GET', url: () => '/api/nothing-here', status: 404, code: 'FD_ROUTE_NOT_FOUND' },
  { name: 'unknown method on a route', method: 'PUT', url: () => '/api/tickets', payload: { subject: 'x' }, status: 404, code: 'FD_ROUTE_NOT_FOUND' },
  { name: 'unknown ticket', method: 'GET', url: () => `/api/tickets/${ghost}`, status: 404, code: 'FD_NOT_FOUND' },
  { name: 'unknown workflow', method: 'GET', url: () => `/api/workflows/${ghost}`, status: 404, code: 'FD_NOT_FOUND' },
  { name: 'event for an unknown run', method: 'POST', url: () => `/api/runs/${ghost}/events`, payload: vote, status: 404, code: 'FD_NOT_FOUND' },
  { name: 'event of unknown type', method: 'POST', url: () => `/api/runs/${runId}/events`, payload: { type: 'approval.veto', nodeId: 'approve' }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/type', message: /^\/body\/type: must be one of: "effect.result", "task.submit", "approval.vote", "timer.fired", "ticket.event"/ },
  { name: 'event without type', method: 'POST', url: () => `/api/runs/${runId}/events`, payload: { nodeId: 'approve' }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/type' },
  { name: 'event missing a field', method: 'POST', url: () => `/api/runs/${runId}/events`, payload: { type: 'approval.vote', nodeId: 'approve', decision: 'approve' }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/approver', message: /is required/ },
  { name: 'event with a bad decision', method: 'POST', url: () => `/api/runs/${runId}/events`, payload: { ...vote, decision: 'maybe' }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/decision', message: /must be one of: "approve", "reject"/ },
  { name: 'event with an extra field', method: 'POST', url: () => `/api/runs/${runId}/events`, payload: { ...vote, weight: 2 }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/weight' },
  { name: 'event with a bad time', method: 'POST', url: () => `/api/runs/${runId}/events`, payload: { ...vote, at: 'yesterday' }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/at', message: /date-time/ },
  { name: 'event with a string visit', method: 'POST', url: () => `/api/runs/${runId}/events`, payload: { type: 'timer.fired', nodeId: 'approve', visit: '1', timerId: 't' }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/visit' },
  { name: 'event as an array', method: 'POST', url: () => `/api/runs/${runId}/events`, payload: [vote], status: 400, code: 'FD_INVALID_INPUT', path: '/body' },
  { name: 'ticket without subject', method: 'POST', url: () => '/api/tickets', payload: { body: 'x' }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/subject', message: /is required/ },
  { name: 'ticket with empty subject', method: 'POST', url: () => '/api/tickets', payload: { subject: '' }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/subject' },
  { name: 'ticket with a 501-char subject', method: 'POST', url: () => '/api/tickets', payload: { subject: 's'.repeat(501) }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/subject' },
  { name: 'ticket with a bad priority', method: 'POST', url: () => '/api/tickets', payload: { subject: 'x', priority: 'asap' }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/priority', message: /must be one of: "low", "normal", "high", "urgent"/ },
  { name: 'ticket with non-string tags', method: 'POST', url: () => '/api/tickets', payload: { subject: 'x', tags: ['a', 7] }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/tags/1' },
  { name: 'ticket with a numeric subject', method: 'POST', url: () => '/api/tickets', payload: { subject: 12345 }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/subject' },
  { name: 'ticket with fields as array', method: 'POST', url: () => '/api/tickets', payload: { subject: 'x', fields: [1] }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/fields' },
  { name: 'workflow with an unknown node kind', method: 'POST', url: () => '/api/workflows', payload: { definition: withKind('no-such-kind') }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/definition/nodes/1/kind' },
  { name: 'workflow without definition', method: 'POST', url: () => '/api/workflows', payload: { workflow: {} }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/definition' },
  { name: 'publish with an unknown field', method: 'POST', url: () => `/api/workflows/${workflowId}/publish`, payload: { note: 'x', force: true }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/force' },
  { name: 'publish with a numeric note', method: 'POST', url: () => `/api/workflows/${workflowId}/publish`, payload: { note: 5 }, status: 400, code: 'FD_INVALID_INPUT', path: '/body/note' },
];

function withKind(kind: string) {
  const def = approvalWorkflow('bad-kind') as unknown as { nodes: { kind: string }[] };
  def.nodes[1]!.kind = kind;
  return def;
}

describe('bad input', () => {
  it.each(cases)('$name -> $status $code, nothing written', async (c) => {
    const before = await tableCounts(h);
    const runBefore = await h.tdb.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    const res = await h.app.inject({
      method: c.method,
      url: c.url(),
      ...(c.raw !== undefined ? { payload: c.raw, headers: { 'content-type': c.contentType ?? 'application/json' } } : {}),
      ...(c.payload !== undefined ? { payload: c.payload as object } : {}),
    });
    expect(res.statusCode).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = json(res);
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
    expect(body.error.code).toBe(c.code);
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message).not.toMatch(/ at .*\.(ts|js):\d+/);
    if (c.path) expect(body.error.details.map((d: { path: string }) => d.path)).toContain(c.path);
    for (const d of body.error.details) expect(d.message.startsWith(`${d.path}: `)).toBe(true);
    if (c.message) expect(body.error.details.find((d: { path: string }) => d.path === c.path)?.message ?? body.error.message).toMatch(c.message);
    expect(await tableCounts(h)).toEqual(before);
    expect(await h.tdb.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow()).toEqual(runBefore);
  });

  it('reports every problem of a body at once', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: '', priority: 'asap', color: 'red' } });
    expect(res.statusCode).toBe(400);
    const paths = json(res).error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['/body/color', '/body/priority', '/body/subject']);
    expect(json(res).error.message).toMatch(/and 2 more problems/);
  });

  it('does not coerce body types (a JSON "1" is not 1) but does coerce query strings', async () => {
    const ok = await h.app.inject({ method: 'GET', url: '/api/runs?limit=1' });
    expect(ok.statusCode).toBe(200);
    expect(json(ok).runs.length).toBe(1);
    const res = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'x', tags: 'single' } });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.details[0].path).toBe('/body/tags');
  });
});

describe('unexpected failures', () => {
  it('become a generic 500 FD_INTERNAL without the stack or the cause', async () => {
    const lines: string[] = [];
    const failing = asPrincipal(await buildApp({
      db: h.tdb.db,
      logger,
      runtime: {
        startRun: h.runtime.startRun.bind(h.runtime),
        startRunsForTicket: h.runtime.startRunsForTicket.bind(h.runtime),
        sendEvent: h.runtime.sendEvent.bind(h.runtime),
        queueTicketEvents: h.runtime.queueTicketEvents.bind(h.runtime),
        deliverTicketEvents: h.runtime.deliverTicketEvents.bind(h.runtime),
        boss: h.runtime.boss,
        now: () => h.runtime.now(),
        retry: async () => {
          throw new Error('connection to 10.0.0.7 failed: password authentication failed for user "flowdesk"');
        },
      },
    }), h.admin);
    failing.addHook('onError', async (_request, _reply, error) => {
      lines.push(error.message);
    });
    const res = await failing.inject({ method: 'POST', url: `/api/runs/${runId}/retry` });
    await failing.close();
    expect(res.statusCode).toBe(500);
    expect(json(res)).toEqual({ error: { code: 'FD_INTERNAL', message: expect.any(String), details: [] } });
    expect(res.body).not.toMatch(/password|10\.0\.0\.7|\.ts:\d+/);
    expect(lines).toEqual([expect.stringMatching(/password authentication failed/)]);
  });
});

describe('OpenAPI', () => {
  it('lists every route with its schemas at /docs/json', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = json(res);
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(doc.info.title).toBe('Flowdesk API');
    const operations = Object.entries(doc.paths as Record<string, Record<string, { responses: object; tags: string[]; summary: string }>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // The hand-written access table (route-access.ts) must name exactly the routes the server has.
    expect(operations.sort()).toEqual(Object.keys(ROUTE_ACCESS).sort());
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown>; tags: string[]; summary: string }>>)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(op.summary, `${method} ${path}`).toEqual(expect.any(String));
        expect(op.tags.length, `${method} ${path}`).toBe(1);
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['4XX', '5XX']));
      }
    }
    const events = doc.paths['/api/runs/{id}/events'].post.requestBody.content['application/json'].schema;
    // @fastify/swagger renders `const` as a one-value `enum`.
    expect(events.oneOf.map((s: { properties: { type: { const?: string; enum?: string[] } } }) => s.properties.type.const ?? s.properties.type.enum?.[0])).toEqual([
      'effect.result',
      'task.submit',
      'approval.vote',
      'timer.fired',
      'ticket.event',
    ]);
    expect(doc.components.schemas.WorkflowDefinition.properties.nodes).toBeDefined();
    expect(JSON.stringify(doc.components.schemas.WorkflowDefinition)).not.toMatch(/"\$ref":"#\/definitions\//);

    const ui = await h.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBeLessThan(400);
  });

  it('GET /api/health answers with the database state', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ status: 'ok', database: 'ok' });
  });
});

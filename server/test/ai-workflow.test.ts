// AI nodes end to end: real Postgres, real pg-boss workers with createAiExecutor. A workflow
// trigger -> ai.sentiment -> ai.classify -> ai.recommend -> ai.draft -> ai.assign -> task -> end runs on a
// ticket, with a classifier trained from the packages/ai BANKING77 fixture and stored in ai_models, KB
// articles and two agents in the database. The run history shows every AI node's output with confidence
// and explanation; the ticket gets the predicted category, the assignee and the draft as an internal
// note. No model -> the node's error outcome with a clear message; low confidence -> low_confidence.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabelledCsv } from '@flowdesk/ai';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { aiTrainCommand } from '../src/ai/commands.ts';
import { aiTriageWorkflow } from '../src/ai/demo.ts';
import { examplesFromTickets, trainAndStore } from '../src/ai/models.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import type { TestDatabase } from '../src/testing/index.ts';
import { json, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../packages/ai/test/fixtures/${name}`, import.meta.url));

let h: Harness;
let tdb: TestDatabase;
let app: FastifyInstance;
let agentIds: { cards: string; fx: string };

function aiWorkflow(key: string, classify: Record<string, unknown>): WorkflowDefinition {
  // Only tickets tagged with the key start it, so the tests' workflows do not run on each other's tickets.
  return aiTriageWorkflow({ key, classify, trigger: { conditions: { all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: key }] } } });
}

beforeAll(async () => {
  // The AI encoder can be slow on a loaded machine: give effects more time than the test default.
  h = await startHarness('ai_workflow', { ai: true, tuning: { effectTimeoutMs: 20_000 } });
  tdb = h.tdb;
  app = h.app;

  await tdb.db
    .insertInto('kb_articles')
    .values([
      { organisation_id: DEFAULT_ORGANISATION_ID, title: 'Lost or stolen card', body_markdown: 'If your card was lost or stolen, freeze the card in the app right away under Cards > Freeze.\n\nThen order a replacement card; it arrives within 5 working days.', status: 'published' },
      { organisation_id: DEFAULT_ORGANISATION_ID, title: 'Exchange rates', body_markdown: 'We use the interbank exchange rate plus a 0.5% fee on weekends.', status: 'published' },
      { organisation_id: DEFAULT_ORGANISATION_ID, title: 'Draft only: stolen wallet', body_markdown: 'Unpublished text about a stolen card.', status: 'draft' },
    ])
    .execute();
  const agents = await tdb.db
    .insertInto('agents')
    .values([
      { organisation_id: DEFAULT_ORGANISATION_ID, name: 'Carla Cards', email: 'carla@example.com', skills: ['lost_or_stolen_card', 'pin_blocked'], capacity: 5 },
      { organisation_id: DEFAULT_ORGANISATION_ID, name: 'Felix FX', email: 'felix@example.com', skills: ['exchange_rate'], capacity: 5 },
    ])
    .returning(['id', 'email'])
    .execute();
  agentIds = { cards: agents.find((a) => a.email.startsWith('carla'))!.id, fx: agents.find((a) => a.email.startsWith('felix'))!.id };
}, 60_000);

afterAll(async () => h?.close());

async function runOf(ticketSubject: string, body: string, key: string) {
  const created = await app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: ticketSubject, body, tags: [key] } });
  expect(created.statusCode).toBe(201);
  const { ticket, runs } = json(created);
  expect(runs.map((r: { workflowKey: string }) => r.workflowKey)).toEqual([key]);
  const run = runs[0];
  return { ticketId: ticket.id as string, runId: run.id as string };
}

async function settledAt(runId: string, nodes: string[]) {
  return waitFor(`run at ${nodes.join('|')}`, async () => {
    const res = await app.inject({ method: 'GET', url: `/api/runs/${runId}` });
    const run = json(res).run;
    return nodes.includes(run.state) ? run : null;
  }, 30_000);
}

async function historyOf(runId: string) {
  const res = await app.inject({ method: 'GET', url: `/api/runs/${runId}/history?limit=200` });
  expect(res.statusCode).toBe(200);
  const body = json(res);
  return body.history as { event: { type: string; nodeId?: string; outcome?: string; output?: any; error?: string } }[];
}

const resultOf = (history: Awaited<ReturnType<typeof historyOf>>, nodeId: string) => history.find((h) => h.event.type === 'effect.result' && h.event.nodeId === nodeId)?.event;

describe('AI nodes through the workers', () => {
  it('no trained model: classify answers its error outcome with a message saying how to train one', async () => {
    await publishViaApi(app, aiWorkflow('ai-nomodel', {}));
    const { runId } = await runOf('Card gone', 'I lost my card yesterday, what should I do?', 'ai-nomodel');
    await settledAt(runId, ['triage']);
    const history = await historyOf(runId);
    const classify = resultOf(history, 'classify');
    expect(classify).toMatchObject({ outcome: 'error' });
    expect(classify!.error).toContain('no trained model for field category: run `flowdesk ai train --field category --from-tickets`');
    // Sentiment needs no model (lexicon).
    const mood = resultOf(history, 'mood');
    expect(mood!.output).toMatchObject({ provider: 'local', model: 'afinn-165', output: { label: expect.any(String) } });
    expect(mood!.output.explanation).toEqual(expect.any(String));
  }, 60_000);

  it('`flowdesk ai train --field category --csv` stores a model the workers use; the whole AI chain runs and the history explains every node', async () => {
    const lines: string[] = [];
    const code = await aiTrainCommand(['train', '--field', 'category', '--csv', fixture('banking-mini-train.csv')], { out: (l) => lines.push(l), err: (l) => lines.push(l) }, tdb.connectionString);
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.some((l) => l.startsWith('[train] lr'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^stored classify model .* for field "category"/);

    await publishViaApi(app, aiWorkflow('ai-triage', { threshold: 0.05 }));
    const { runId, ticketId } = await runOf('Card stolen', 'My card was stolen last night. How do I freeze the card and order a replacement?', 'ai-triage');
    const run = await settledAt(runId, ['review', 'triage']);
    expect(run.state).toBe('review');

    const history = await historyOf(runId);
    for (const node of ['mood', 'classify', 'kb', 'draft', 'assign']) {
      const r = resultOf(history, node);
      expect(r, node).toBeDefined();
      expect(r!.output, node).toMatchObject({ provider: 'local', confidence: expect.any(Number), explanation: expect.any(String), latencyMs: expect.any(Number) });
      expect(r!.output.explanation.length, node).toBeGreaterThan(5);
    }
    expect(resultOf(history, 'classify')).toMatchObject({ outcome: 'done', output: { output: { field: 'category', label: 'lost_or_stolen_card' } } });
    expect(resultOf(history, 'kb')).toMatchObject({ outcome: 'found', output: { output: { articles: [expect.objectContaining({ title: 'Lost or stolen card' })] } } });
    const draft = resultOf(history, 'draft')!;
    expect(draft).toMatchObject({ outcome: 'drafted', output: { send: false, output: { handoff: false, citations: [expect.objectContaining({ title: 'Lost or stolen card' })] } } });
    expect(draft.output.output.body).toContain('freeze the card');
    expect(resultOf(history, 'assign')).toMatchObject({ outcome: 'assigned', output: { output: { agentId: agentIds.cards } } });

    const ticket = await tdb.db.selectFrom('tickets').select(['fields', 'assignee_agent_id']).where('id', '=', ticketId).executeTakeFirstOrThrow();
    expect(ticket.fields).toMatchObject({ category: 'lost_or_stolen_card' });
    expect(ticket.assignee_agent_id).toBe(agentIds.cards);
    const notes = await tdb.db.selectFrom('messages').select(['body_text', 'visibility']).where('ticket_id', '=', ticketId).where('visibility', '=', 'internal').execute();
    expect(notes).toEqual([expect.objectContaining({ visibility: 'internal', body_text: expect.stringContaining('freeze the card') })]);
    const cursor = await tdb.db.selectFrom('ai_assign_cursors').selectAll().executeTakeFirstOrThrow();
    expect(cursor).toMatchObject({ organisation_id: DEFAULT_ORGANISATION_ID, scope: '', last_agent_id: agentIds.cards });
  }, 90_000);

  it('a confidence below the node threshold takes the low_confidence path and leaves the field unset', async () => {
    const rows = await readLabelledCsv(fixture('banking-mini-train.csv'));
    await trainAndStore(tdb.db, { organisationId: DEFAULT_ORGANISATION_ID, task: 'classify', field: 'queue', examples: rows, source: 'test' });
    await publishViaApi(app, aiWorkflow('ai-strict', { field: 'queue', threshold: 0.999 }));
    const { runId, ticketId } = await runOf('Question', 'What exchange rate do you use for euros?', 'ai-strict');
    await settledAt(runId, ['triage']);
    const classify = resultOf(await historyOf(runId), 'classify')!;
    expect(classify.outcome).toBe('low_confidence');
    expect(classify.output.confidence).toBeLessThan(0.999);
    expect(classify.output.explanation).toContain('calibrated probability');
    const ticket = await tdb.db.selectFrom('tickets').select('fields').where('id', '=', ticketId).executeTakeFirstOrThrow();
    expect(ticket.fields).not.toHaveProperty('queue');
  }, 60_000);

  it('`ai train --from-tickets` learns from tickets\' fields.<field>; an agent\'s correction in ai_feedback overrides the label', async () => {
    const rows = (await readLabelledCsv(fixture('banking-mini-train.csv'))).filter((r) => ['exchange_rate', 'pin_blocked'].includes(r.label));
    const inserted = await tdb.db
      .insertInto('tickets')
      .values(rows.map((r) => ({ subject: 'q', body: r.text, fields: JSON.stringify({ area: r.label }) })))
      .returning(['id', 'body'])
      .execute();
    await tdb.db.insertInto('ai_feedback').values({ organisation_id: DEFAULT_ORGANISATION_ID, ticket_id: inserted[0]!.id, field: 'area', predicted: 'x', corrected: 'pin_blocked' }).execute();
    const examples = await examplesFromTickets(tdb.db, DEFAULT_ORGANISATION_ID, 'area');
    expect(examples).toHaveLength(rows.length);
    expect(examples.find((e) => e.text === `q\n${inserted[0]!.body}`)?.label).toBe('pin_blocked');
    const lines: string[] = [];
    const code = await aiTrainCommand(['train', '--field', 'area', '--from-tickets'], { out: (l) => lines.push(l), err: (l) => lines.push(l) }, tdb.connectionString);
    expect(code, lines.join('\n')).toBe(0);
    expect(lines[0]).toMatch(new RegExp(`^\\[train\\] ${rows.length} labelled tickets \\(fields.area\\), 2 labels`));
    const model = await tdb.db.selectFrom('ai_models').select(['task', 'field', 'mode', 'format_version', 'metrics']).where('field', '=', 'area').executeTakeFirstOrThrow();
    expect(model).toMatchObject({ task: 'classify', field: 'area', mode: 'fast', format_version: 1, metrics: { source: 'tickets', labelNames: ['exchange_rate', 'pin_blocked'] } });
    expect(await aiTrainCommand(['train', '--field', 'nothing', '--from-tickets'], { out: () => {}, err: (l) => lines.push(l) }, tdb.connectionString)).toBe(2);
    expect(lines.at(-1)).toContain('need examples of at least 2 labels');
  }, 60_000);
});

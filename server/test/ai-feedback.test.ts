// Issue 7, server side: agents' corrections of AI labels become ai_feedback (REST PATCH and macros, not
// workflow changes, not unrelated fields), POST /api/ai/retrain (a background training) learns them into a new model and GET
// /api/ai/models lists it, the nightly retrain job is scheduled and works, recommend returns similar
// resolved tickets of the organisation (never the ticket itself), and the demo workflow maps a critical
// urgency into priority urgent. Real Postgres, real pg-boss workers with createAiExecutor; the category
// model is trained from the 120-row BANKING77 fixture of packages/ai.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClassifier, readLabelledCsv } from '@flowdesk/ai';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { aiTriageWorkflow, loadAiDemo } from '../src/ai/demo.ts';
import { recordPrediction } from '../src/ai/feedback.ts';
import { trainAndStore } from '../src/ai/models.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { AI_RETRAIN_CRON, AI_RETRAIN_QUEUE } from '../src/runtime/queues.ts';
import { json, logger, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../packages/ai/test/fixtures/${name}`, import.meta.url));

let h: Harness;
let app: FastifyInstance;
const db = () => h.tdb.db;

const tagged = (key: string) => ({ event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: key }] } });

/** trigger -> ai.classify(category, threshold 0) [-> action steps] -> end. */
function classifyWorkflow(key: string, steps?: unknown[]): WorkflowDefinition {
  const nodes: unknown[] = [
    { id: 'start', kind: 'trigger', name: 'Created', position: { x: 0, y: 0 }, params: tagged(key) },
    { id: 'classify', kind: 'ai.classify', name: 'Category', position: { x: 0, y: 100 }, params: { field: 'category', threshold: 0 } },
    { id: 'end', kind: 'end', name: 'End', position: { x: 0, y: 300 }, params: { status: 'resolved' } },
  ];
  const after = steps ? 'act' : 'end';
  const edges: unknown[] = [
    { id: 'e1', source: 'start', target: 'classify', outcome: 'next' },
    { id: 'e2', source: 'classify', target: after, outcome: 'done' },
    { id: 'e3', source: 'classify', target: 'end', outcome: 'low_confidence' },
    { id: 'e4', source: 'classify', target: 'end', outcome: 'error' },
  ];
  if (steps) {
    nodes.push({ id: 'act', kind: 'action', name: 'Workflow change', position: { x: 0, y: 200 }, params: { steps } });
    edges.push({ id: 'e5', source: 'act', target: 'end', outcome: 'done' }, { id: 'e6', source: 'act', target: 'end', outcome: 'error' });
  }
  return { schemaVersion: 1, key, name: key, nodes, edges } as unknown as WorkflowDefinition;
}

async function createTicket(subject: string, body: string, tags: string[], extra: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/api/tickets', payload: { subject, body, tags, ...extra } });
  expect(res.statusCode).toBe(201);
  return json(res) as { ticket: { id: string }; runs: { id: string; workflowKey: string }[] };
}

async function settled(runId: string) {
  return waitFor(`run ${runId} completes`, async () => {
    const run = await db().selectFrom('runs').select(['status']).where('id', '=', runId).executeTakeFirst();
    return run?.status === 'completed' ? run : null;
  }, 30_000);
}

async function ticketRow(id: string) {
  return db().selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Polls GET /api/ai/trainings/:id until the training finished. */
async function trainingDone(id: string) {
  return waitFor(`training ${id} finishes`, async () => {
    const t = json(await app.inject({ method: 'GET', url: `/api/ai/trainings/${id}` })).training;
    return t.status === 'succeeded' || t.status === 'failed' ? t : null;
  }, 30_000);
}

const feedbackOf = (ticketId: string) => db().selectFrom('ai_feedback').select(['field', 'predicted', 'corrected']).where('ticket_id', '=', ticketId).orderBy('created_at').execute();

/** A label of the model other than `label`. */
const otherThan = (label: string) => (label === 'card_arrival' ? 'pin_blocked' : 'card_arrival');

beforeAll(async () => {
  h = await startHarness('ai_feedback', { ai: true, tuning: { effectTimeoutMs: 20_000 } });
  app = h.app;
  const examples = await readLabelledCsv(fixture('banking-mini-train.csv'));
  await trainAndStore(db(), { organisationId: DEFAULT_ORGANISATION_ID, task: 'classify', field: 'category', examples, source: 'csv:banking-mini-train.csv' });
  await publishViaApi(app, classifyWorkflow('fb-plain'));
  await publishViaApi(app, classifyWorkflow('fb-workflow', [{ type: 'setFields', fields: { category: 'card_arrival' } }]));
}, 60_000);
afterAll(async () => h?.close());

const STOLEN = { subject: 'Stolen card', body: 'My card was stolen yesterday, please block it so nobody can use it.' };

describe('feedback', () => {
  let correctedTicket: string;
  let correctedTo: string;

  it('an agent changing the AI-set category through PATCH records one correction; unrelated and repeated changes do not', async () => {
    const { ticket, runs } = await createTicket(STOLEN.subject, STOLEN.body, ['fb-plain']);
    await settled(runs[0]!.id);
    const predicted = (await ticketRow(ticket.id)).fields.category as string;
    expect(typeof predicted).toBe('string');
    const provenance = await db().selectFrom('ai_field_provenance').selectAll().where('ticket_id', '=', ticket.id).execute();
    expect(provenance).toMatchObject([{ field: 'category', value: predicted, run_id: runs[0]!.id }]);

    // Unrelated changes: tags, another custom field, priority without a priority model.
    const unrelated = await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { addTags: ['vip'], fields: { note: 'x' }, priority: 'high' } });
    expect(unrelated.statusCode).toBe(200);
    expect(await feedbackOf(ticket.id)).toEqual([]);

    correctedTo = otherThan(predicted);
    const res = await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { fields: { category: correctedTo } } });
    expect(res.statusCode).toBe(200);
    expect(await feedbackOf(ticket.id)).toEqual([{ field: 'category', predicted, corrected: correctedTo }]);
    // The provenance is consumed: the agent changing their own value again is not a correction of the AI.
    expect(await db().selectFrom('ai_field_provenance').selectAll().where('ticket_id', '=', ticket.id).execute()).toEqual([]);
    await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { fields: { category: 'exchange_rate' } } });
    await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { fields: { category: correctedTo } } });
    expect(await feedbackOf(ticket.id)).toHaveLength(1);
    correctedTicket = ticket.id;
  }, 60_000);

  it('a macro changing the AI-set category is a correction too', async () => {
    const { ticket, runs } = await createTicket('Card not here', 'How much longer until my new card arrives? It has been two weeks.', ['fb-plain']);
    await settled(runs[0]!.id);
    const predicted = (await ticketRow(ticket.id)).fields.category as string;
    const target = otherThan(predicted);
    const macro = json(await app.inject({ method: 'POST', url: '/api/macros', payload: { name: 'Recategorise', body: '', actions: [{ type: 'setFields', fields: { category: target } }] } })).macro;
    const applied = await app.inject({ method: 'POST', url: `/api/tickets/${ticket.id}/macros/${macro.id}`, payload: {} });
    expect(applied.statusCode).toBe(200);
    expect(await feedbackOf(ticket.id)).toEqual([{ field: 'category', predicted, corrected: target }]);
  }, 60_000);

  it('a workflow changing the AI-set category is not a correction, and a later agent change is not either', async () => {
    const { ticket, runs } = await createTicket(STOLEN.subject, 'Someone stole my card, block it please.', ['fb-workflow']);
    await settled(runs[0]!.id);
    expect((await ticketRow(ticket.id)).fields.category).toBe('card_arrival');
    expect(await feedbackOf(ticket.id)).toEqual([]);
    // The field no longer holds the AI's label: the agent corrects the workflow, not the model.
    await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { fields: { category: 'pin_blocked' } } });
    expect(await feedbackOf(ticket.id)).toEqual([]);
  }, 60_000);

  it('priority corrections count only when the organisation has a classify model for priority', async () => {
    const { ticket } = await createTicket('Priority test', 'Please look at this.', []);
    await recordPrediction(db(), { ticketId: ticket.id, organisationId: DEFAULT_ORGANISATION_ID, field: 'priority', value: 'normal', modelId: null, runId: null, confidence: 0.9 });
    await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { priority: 'high' } });
    expect(await feedbackOf(ticket.id)).toEqual([]);

    const { ticket: second } = await createTicket('Priority test 2', 'Please look at this soon.', []);
    await trainAndStore(db(), { organisationId: DEFAULT_ORGANISATION_ID, task: 'classify', field: 'priority', examples: ['low', 'normal', 'high', 'urgent'].flatMap((p) => [0, 1, 2].map((i) => ({ text: `${p} request number ${i}`, label: p }))), source: 'test' });
    await recordPrediction(db(), { ticketId: second.id, organisationId: DEFAULT_ORGANISATION_ID, field: 'priority', value: 'normal', modelId: null, runId: null, confidence: 0.9 });
    await app.inject({ method: 'PATCH', url: `/api/tickets/${second.id}`, payload: { priority: 'urgent' } });
    expect(await feedbackOf(second.id)).toEqual([{ field: 'priority', predicted: 'normal', corrected: 'urgent' }]);
  }, 60_000);

  it('POST /api/ai/retrain learns the corrections into a new model; GET /api/ai/models shows it', async () => {
    const before = json(await app.inject({ method: 'GET', url: '/api/ai/models' })).models as { id: string; task: string; field: string; feedbackSince: number; previousVersions: number }[];
    const category = before.find((m) => m.task === 'classify' && m.field === 'category')!;
    expect(category.feedbackSince).toBeGreaterThanOrEqual(2);

    const res = await app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'category' } });
    expect(res.statusCode).toBe(202);
    expect(json(res).training).toMatchObject({ field: 'category', status: 'queued', baseModelId: category.id });
    const body = await trainingDone(json(res).training.id);
    expect(body).toMatchObject({ field: 'category', status: 'succeeded', progress: 1, retrained: true, baseModelId: category.id, newFeedback: category.feedbackSince });
    expect(body.metrics.retrain).toMatchObject({ strategy: 'incremental', from: category.id });
    expect(body.metrics.retrain.corrections).toBeGreaterThanOrEqual(2);

    // The stored model predicts the corrected label for the corrected ticket's text — from its weights too.
    const row = await db().selectFrom('ai_models').select(['blob']).where('id', '=', body.modelId).executeTakeFirstOrThrow();
    const model = LocalClassifier.deserialize(new Uint8Array(row.blob));
    const text = `${STOLEN.subject}\n${STOLEN.body}`;
    expect((await model.predict(text)).label).toBe(correctedTo);
    expect((await model.predictWeights(text)).label).toBe(correctedTo);
    expect(await db().selectFrom('ai_models').select('id').where('field', '=', 'category').execute()).toHaveLength(2);

    const after = json(await app.inject({ method: 'GET', url: '/api/ai/models' })).models as typeof before;
    expect(after.find((m) => m.field === 'category')).toMatchObject({ id: body.modelId, feedbackSince: 0, previousVersions: 1 });
    expect(after.find((m) => m.field === 'priority')).toMatchObject({ feedbackSince: 1 });

    const again = await trainingDone(json(await app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'category' } })).training.id);
    expect(again).toMatchObject({ status: 'succeeded', retrained: false, modelId: null, newFeedback: 0 });
    expect(again.reason).toMatch(/no new feedback/);
    const missing = await app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'queue' } });
    expect(missing.statusCode).toBe(404);
    expect(json(missing).error.details[0].path).toBe('/body/field');

    // The workers answer with the new model: the corrected text now classifies as the agent said.
    const { ticket, runs } = await createTicket(STOLEN.subject, STOLEN.body, ['fb-plain']);
    await settled(runs[0]!.id);
    expect((await ticketRow(ticket.id)).fields.category).toBe(correctedTo);
    void correctedTicket;
  }, 60_000);

  it('the nightly retrain job is scheduled and retrains fields with new feedback', async () => {
    const schedules = await h.boss.getSchedules();
    expect(schedules.find((s) => s.name === AI_RETRAIN_QUEUE)).toMatchObject({ cron: AI_RETRAIN_CRON });
    const latestPriority = () => db().selectFrom('ai_models').select('id').where('field', '=', 'priority').orderBy('trained_at', 'desc').limit(1).executeTakeFirstOrThrow();
    const base = await latestPriority();
    await h.boss.send(AI_RETRAIN_QUEUE, {});
    await waitFor('the job stores a new priority model', async () => ((await latestPriority()).id !== base.id ? true : null), 30_000);
  }, 60_000);
});

describe('similar resolved tickets', () => {
  it('recommend returns similar resolved tickets of the organisation with their resolution, never the ticket itself or another organisation\u2019s', async () => {
    const other = await db().insertInto('organisations').values({ slug: 'sim-other', name: 'Other' }).returning('id').executeTakeFirstOrThrow();
    const resolved = async (organisationId: string, subject: string, body: string, resolution: string) => {
      const t = await db().insertInto('tickets').values({ organisation_id: organisationId, subject, body, channel: 'api', status: 'resolved', fields: '{}', tags: [] }).returning('id').executeTakeFirstOrThrow();
      await db().insertInto('messages').values([
        { organisation_id: organisationId, ticket_id: t.id, visibility: 'public', author_type: 'system', channel: 'api', body_text: body, references: [] },
        { organisation_id: organisationId, ticket_id: t.id, visibility: 'public', author_type: 'agent', channel: 'api', body_text: resolution, references: [] },
        { organisation_id: organisationId, ticket_id: t.id, visibility: 'internal', author_type: 'agent', channel: 'api', body_text: 'internal note: not the resolution', references: [] },
      ]).execute();
      return t.id;
    };
    const frozen = await resolved(DEFAULT_ORGANISATION_ID, 'Card stolen at the station', 'My card was stolen at the train station.', 'We froze your card and ordered a replacement; it arrives within 5 working days.');
    await resolved(DEFAULT_ORGANISATION_ID, 'Exchange rate question', 'Which exchange rate do you apply on weekends?', 'We add 0.5% on weekends.');
    const foreign = await resolved(other.id, 'Card stolen at the station', 'My card was stolen at the train station.', 'Foreign organisation answer.');

    await publishViaApi(app, {
      schemaVersion: 1,
      key: 'sim',
      name: 'sim',
      nodes: [
        { id: 'start', kind: 'trigger', name: 'Updated', position: { x: 0, y: 0 }, params: { event: 'ticket.updated', conditions: { all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: 'sim' }] } } },
        { id: 'kb', kind: 'ai.recommend', name: 'Recommend', position: { x: 0, y: 100 }, params: { topK: 3 } },
        { id: 'end', kind: 'end', name: 'End', position: { x: 0, y: 200 }, params: { status: 'resolved' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'kb', outcome: 'next' },
        { id: 'e2', source: 'kb', target: 'end', outcome: 'found' },
        { id: 'e3', source: 'kb', target: 'end', outcome: 'none' },
        { id: 'e4', source: 'kb', target: 'end', outcome: 'error' },
      ],
    } as unknown as WorkflowDefinition);

    const similarFor = async (ticketId: string, patch: Record<string, unknown>) => {
      const res = await app.inject({ method: 'PATCH', url: `/api/tickets/${ticketId}`, payload: { addTags: ['sim'], ...patch } });
      const run = (json(res).runs as { id: string; workflowKey: string }[]).find((r) => r.workflowKey === 'sim')!;
      await settled(run.id);
      const history = json(await app.inject({ method: 'GET', url: `/api/runs/${run.id}/history` })).history as { event: { nodeId?: string; output?: any } }[];
      return history.find((e) => e.event.nodeId === 'kb')!.event.output;
    };

    const { ticket } = await createTicket('My card got stolen', 'My card was stolen at the station this morning, what now?', []);
    const output = await similarFor(ticket.id, {});
    const similar = output.output.similarTickets as { id: string; subject: string; resolution: string; score: number }[];
    expect(similar[0]).toMatchObject({ id: frozen, subject: 'Card stolen at the station', resolution: expect.stringMatching(/^We froze your card/) });
    expect(similar[0]!.score).toBeGreaterThan(0);
    expect(similar.map((s) => s.id)).not.toContain(foreign);
    expect(similar.map((s) => s.id)).not.toContain(ticket.id);
    expect(output.explanation).toMatch(/similar resolved ticket/);

    // A resolved ticket (in the index itself) never gets itself back; the cache notices the new resolved ticket.
    await app.inject({ method: 'POST', url: `/api/tickets/${ticket.id}/messages`, payload: { body: 'Your card is frozen and a new one is on its way.', visibility: 'public' } });
    expect((await ticketRow(ticket.id)).status).toBe('resolved'); // by the run's end node
    const self = await similarFor(ticket.id, { priority: 'high' });
    const ids = (self.output.similarTickets as { id: string }[]).map((s) => s.id);
    expect(ids).toContain(frozen);
    expect(ids).not.toContain(ticket.id);
    expect(ids).not.toContain(foreign);
  }, 60_000);
});

describe('urgency -> priority in the demo workflow', () => {
  it('a critical-urgency ticket ends with priority urgent; a calm one keeps its priority', async () => {
    await publishViaApi(app, aiTriageWorkflow({ key: 'urgency-demo', trigger: tagged('urgency-demo') }));
    const critical = await createTicket('URGENT: card stolen, money gone', 'Someone stole my card and is taking money from my account right now! This is an emergency, block it immediately!!', ['urgency-demo']);
    const calm = await createTicket('Exchange rate', 'What exchange rate do you use?', ['urgency-demo']);
    for (const t of [critical, calm]) {
      const runId = t.runs.find((r) => r.workflowKey === 'urgency-demo')!.id;
      await waitFor('demo run reaches a human task', async () => {
        const run = json(await app.inject({ method: 'GET', url: `/api/runs/${runId}` })).run;
        return run.state === 'review' || run.state === 'triage' ? run : null;
      }, 30_000);
    }
    expect((await ticketRow(critical.ticket.id)).priority).toBe('urgent');
    expect((await ticketRow(calm.ticket.id)).priority).toBe('normal');
    const runId = critical.runs.find((r) => r.workflowKey === 'urgency-demo')!.id;
    const history = json(await app.inject({ method: 'GET', url: `/api/runs/${runId}/history` })).history as { event: { type: string; nodeId?: string; outcome?: string; output?: any } }[];
    const outcomes = Object.fromEntries(history.filter((e) => e.event.type === 'effect.result').map((e) => [e.event.nodeId, e.event.outcome]));
    expect(outcomes).toMatchObject({ mood: 'done', urgency: 'critical', 'to-urgent': 'done' });
    expect(history.find((e) => e.event.nodeId === 'urgency')!.event.output).toEqual({ matchedRule: 'Critical urgency' });
  }, 60_000);
});

describe('demo upgrade', () => {
  it('an older, unchanged demo definition gets the urgency rule as a new version, once', async () => {
    const old = aiTriageWorkflow();
    old.nodes = old.nodes.filter((n) => !['urgency', 'to-urgent', 'to-high'].includes(n.id));
    old.edges = old.edges.filter((e) => !e.id.startsWith('u')).map((e) => (e.target === 'urgency' ? { ...e, target: 'classify' } : e));
    const json1 = JSON.stringify(old);
    const wf = await db().insertInto('workflows').values({ key: old.key, name: old.name, draft: json1 }).returning('id').executeTakeFirstOrThrow();
    await db().insertInto('workflow_versions').values({ workflow_id: wf.id, version: 1, definition: json1, note: 'AI demo workflow' }).execute();
    const first = await loadAiDemo(db(), logger);
    expect(first).toMatchObject({ workflowId: wf.id, version: 2 });
    const v2 = await db().selectFrom('workflow_versions').select('definition').where('workflow_id', '=', wf.id).where('version', '=', 2).executeTakeFirstOrThrow();
    expect((v2.definition as WorkflowDefinition).nodes.map((n) => n.id)).toContain('urgency');
    const draft = await db().selectFrom('workflows').select('draft').where('id', '=', wf.id).executeTakeFirstOrThrow();
    expect((draft.draft as WorkflowDefinition).nodes.map((n) => n.id)).toContain('urgency');
    expect(await loadAiDemo(db(), logger)).toMatchObject({ version: 2 });
  }, 60_000);
});

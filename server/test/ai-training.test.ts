// Issue 7: retraining runs in the background. POST /api/ai/retrain queues a pg-boss job and answers 202;
// the worker (startWorkers) retrains in a worker thread, writes progress to ai_trainings at most every
// ~500 ms, and finishes the row as succeeded (with the new model and its validation metrics) or failed
// (with the error); GET /api/ai/trainings/:id reports it; one training per organisation and field at a
// time (409). Real Postgres and pg-boss; models are trained from the 120-row BANKING77 fixture.
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { readLabelledCsv, type Example } from '@flowdesk/ai';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainAndStore } from '../src/ai/models.ts';
import type { RetrainCompute } from '../src/ai/retrain-compute.ts';
import { computeRetrain } from '../src/ai/retrain-compute.ts';
import { runTraining } from '../src/ai/trainings.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { json, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

let h: Harness;
const db = () => h.tdb.db;
let examples: Example[];

async function trainingDone(id: string) {
  return waitFor(`training ${id} finishes`, async () => {
    const t = json(await h.app.inject({ method: 'GET', url: `/api/ai/trainings/${id}` })).training;
    return t.status === 'succeeded' || t.status === 'failed' ? t : null;
  }, 60_000);
}

/** Tickets labelled from the fixture (fields.<field>), so a model "trained from tickets" can retrain fully. */
async function labelledTickets(field: string, rows: Example[]) {
  const values = rows.map((e) => {
    const [subject, ...rest] = e.text.split(/(?<=[.?!])\s+/);
    return { subject: subject!, body: rest.join(' '), fields: JSON.stringify({ [field]: e.label }) };
  });
  return db().insertInto('tickets').values(values).returning('id').execute();
}

/** Records every progress write of ai_trainings (a trigger: what a poller could have seen, with the time). */
async function recordProgressWrites() {
  await sql`CREATE TABLE training_progress_log (training_id uuid, status text, progress double precision, stage text, at timestamptz DEFAULT clock_timestamp())`.execute(db());
  await sql`CREATE FUNCTION log_training_progress() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO training_progress_log (training_id, status, progress, stage) VALUES (NEW.id, NEW.status, NEW.progress, NEW.stage); RETURN NEW; END $$`.execute(db());
  await sql`CREATE TRIGGER training_progress AFTER UPDATE ON ai_trainings FOR EACH ROW EXECUTE FUNCTION log_training_progress()`.execute(db());
}
const progressWrites = (id: string) =>
  sql<{ status: string; progress: number; stage: string; at: Date }>`SELECT status, progress, stage, at FROM training_progress_log WHERE training_id = ${id} ORDER BY at`.execute(db()).then((r) => r.rows);

/** trigger -> ai.classify(topic) -> end. */
const topicFlow = {
  schemaVersion: 1,
  key: 'training-topic',
  name: 'training-topic',
  nodes: [
    { id: 'start', kind: 'trigger', name: 'Created', position: { x: 0, y: 0 }, params: { event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: 'topic' }] } } },
    { id: 'classify', kind: 'ai.classify', name: 'Topic', position: { x: 0, y: 100 }, params: { field: 'topic', threshold: 0 } },
    { id: 'end', kind: 'end', name: 'End', position: { x: 0, y: 200 }, params: { status: 'resolved' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'classify', outcome: 'next' },
    { id: 'e2', source: 'classify', target: 'end', outcome: 'done' },
    { id: 'e3', source: 'classify', target: 'end', outcome: 'low_confidence' },
    { id: 'e4', source: 'classify', target: 'end', outcome: 'error' },
  ],
} as unknown as WorkflowDefinition;

const NEW_TOPIC_TEXT = { subject: 'Crypto wallet transfer', body: 'How do I move my bitcoin from the wallet to my bank account?' };

beforeAll(async () => {
  h = await startHarness('ai_training', { ai: true, tuning: { effectTimeoutMs: 20_000 } });
  examples = await readLabelledCsv(fileURLToPath(new URL('../../packages/ai/test/fixtures/banking-mini-train.csv', import.meta.url)));
  await recordProgressWrites();
  await publishViaApi(h.app, topicFlow);
}, 60_000);
afterAll(async () => h?.close());

describe('POST /api/ai/retrain (background training)', () => {
  it('queues a job (202), reports progress while running, succeeds with validation metrics, and the new model answers afterwards', async () => {
    await labelledTickets('topic', examples);
    const base = await trainAndStore(db(), { organisationId: DEFAULT_ORGANISATION_ID, task: 'classify', field: 'topic', examples: examples.map((e) => ({ ...e })), source: 'tickets' });
    // A correction with a label the model has never seen: a full retrain on the tickets (the trainer reports progress).
    const corrected = await db().insertInto('tickets').values({ subject: NEW_TOPIC_TEXT.subject, body: NEW_TOPIC_TEXT.body, fields: JSON.stringify({ topic: 'crypto' }) }).returning('id').executeTakeFirstOrThrow();
    await db().insertInto('ai_feedback').values({ organisation_id: DEFAULT_ORGANISATION_ID, ticket_id: corrected.id, field: 'topic', predicted: 'transfer_timing', corrected: 'crypto' }).execute();

    const res = await h.app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'topic' } });
    expect(res.statusCode, res.body).toBe(202);
    const queued = json(res).training;
    expect(queued).toMatchObject({ field: 'topic', status: 'queued', progress: 0, baseModelId: base.id, modelId: null, error: null });

    const done = await trainingDone(queued.id);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, stage: 'done', retrained: true, baseModelId: base.id, newFeedback: 1, error: null });
    expect(done.modelId).toMatch(/^[0-9a-f-]{36}$/);
    expect(done.metrics.retrain).toMatchObject({ strategy: 'full', corrections: 1 });
    expect(done.metrics.validationAccuracy).toBeGreaterThan(0);
    expect(done.metrics.labelNames).toBeUndefined();
    expect(new Date(done.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(done.startedAt).getTime());

    // Progress was written while running (what a poller sees), never backwards, and ended at 1.
    const writes = await progressWrites(queued.id);
    const running = writes.filter((w) => w.status === 'running');
    // Besides the claim (stage "starting"), the worker wrote the training's progress.
    expect(running.filter((w) => w.stage !== 'starting').length).toBeGreaterThan(0);
    expect(running.map((w) => w.progress)).toEqual([...running.map((w) => w.progress)].sort((a, b) => a - b));
    expect(writes.at(-1)).toMatchObject({ status: 'succeeded', progress: 1 });
    // At most one progress write per ~500 ms (the claim and the final update aside).
    const progressOnly = running.slice(1);
    for (let i = 1; i < progressOnly.length; i++) expect(progressOnly[i]!.at.getTime() - progressOnly[i - 1]!.at.getTime()).toBeGreaterThanOrEqual(450);

    // The new model answers the next AI node: the corrected text is now "crypto".
    const ticket = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { ...NEW_TOPIC_TEXT, tags: ['topic'] } }));
    await waitFor('classified', async () => {
      const t = await db().selectFrom('tickets').select('fields').where('id', '=', ticket.ticket.id).executeTakeFirstOrThrow();
      return (t.fields as Record<string, unknown>).topic ?? null;
    }, 30_000).then((topic) => expect(topic).toBe('crypto'));

    // GET /api/ai/models lists the versions, the active (newest) one first.
    const topic = json(await h.app.inject({ method: 'GET', url: '/api/ai/models' })).models.find((m: { field: string }) => m.field === 'topic');
    expect(topic).toMatchObject({ id: done.modelId, previousVersions: 1, feedbackSince: 0 });
    expect(topic.versions.map((v: { id: string; origin: string }) => [v.id, v.origin])).toEqual([
      [done.modelId, 'retrain:full'],
      [base.id, 'trained'],
    ]);
    expect(topic.versions[0].validationAccuracy).toBe(done.metrics.validationAccuracy);

    const list = json(await h.app.inject({ method: 'GET', url: '/api/ai/trainings?field=topic' })).trainings;
    expect(list[0]).toMatchObject({ id: queued.id, status: 'succeeded' });
    const audit = await db().selectFrom('audit_log').select('action').where('action', 'in', ['ai.training.requested', 'ai.model.retrained']).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['ai.model.retrained', 'ai.training.requested']);
  }, 120_000);

  it('one training per field at a time: 409 naming the active one; an abandoned one does not block the field', async () => {
    const active = await db()
      .insertInto('ai_trainings')
      .values({ organisation_id: DEFAULT_ORGANISATION_ID, field: 'topic', status: 'running', stage: 'training:lr' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await h.app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'topic' } });
    expect(res.statusCode).toBe(409);
    expect(json(res).error.message).toBe(`a training of field "topic" is already running (${active.id}): wait for it to finish`);
    expect(json(res).error.details[0].path).toBe('/body/field');
    expect(await db().selectFrom('ai_trainings').select('id').where('field', '=', 'topic').where('status', 'in', ['queued', 'running']).execute()).toHaveLength(1);

    // Abandoned (no progress for 15 minutes): the next request marks it failed and goes ahead.
    await db().updateTable('ai_trainings').set({ updated_at: new Date(Date.now() - 16 * 60_000) }).where('id', '=', active.id).execute();
    const next = await h.app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'topic', force: true } });
    expect(next.statusCode, next.body).toBe(202);
    expect(await db().selectFrom('ai_trainings').select(['status', 'error']).where('id', '=', active.id).executeTakeFirstOrThrow()).toMatchObject({ status: 'failed', error: expect.stringMatching(/abandoned/) });
    await trainingDone(json(next).training.id);

    const missing = await h.app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'nothing_here' } });
    expect(missing.statusCode).toBe(404);
    expect(json(missing).error.details[0].path).toBe('/body/field');
    const bad = await h.app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'topic', extra: 1 } });
    expect(bad.statusCode).toBe(400);
    expect((await h.app.inject({ method: 'GET', url: '/api/ai/trainings/00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/api/ai/trainings/not-a-uuid' })).statusCode).toBe(400);
  }, 120_000);

  it('a failing training is reported as failed with the error, and the field can be trained again', async () => {
    await db().insertInto('ai_models').values({ organisation_id: DEFAULT_ORGANISATION_ID, task: 'classify', field: 'broken', mode: 'fast', format_version: 1, blob: Buffer.from('not a model'), metrics: JSON.stringify({ source: 'csv:x' }) }).execute();
    const t = await db().insertInto('tickets').values({ subject: 'PIN blocked', body: 'Too many tries', fields: JSON.stringify({ broken: 'pin_blocked' }) }).returning('id').executeTakeFirstOrThrow();
    await db().insertInto('ai_feedback').values({ organisation_id: DEFAULT_ORGANISATION_ID, ticket_id: t.id, field: 'broken', predicted: 'x', corrected: 'pin_blocked' }).execute();
    const res = await h.app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'broken' } });
    expect(res.statusCode).toBe(202);
    const failed = await trainingDone(json(res).training.id);
    expect(failed).toMatchObject({ status: 'failed', stage: 'failed', modelId: null, retrained: null });
    expect(failed.error).toBeTruthy();
    expect(failed.finishedAt).not.toBeNull();
    // Not active any more: a new request is accepted.
    const again = await h.app.inject({ method: 'POST', url: '/api/ai/retrain', payload: { field: 'broken' } });
    expect(again.statusCode).toBe(202);
    expect((await trainingDone(json(again).training.id)).status).toBe('failed');
  }, 60_000);
});

describe('runTraining progress', () => {
  it('writes the trainer progress at most every interval, strictly increasing; a redelivered finished job does nothing', async () => {
    await db().insertInto('ai_trainings').values({ organisation_id: DEFAULT_ORGANISATION_ID, field: 'slow', status: 'queued' }).execute();
    await trainAndStore(db(), { organisationId: DEFAULT_ORGANISATION_ID, task: 'classify', field: 'slow', examples, source: 'csv:fixture' });
    const t = await db().insertInto('tickets').values({ subject: 'Card', body: 'My card did not arrive', fields: '{}' }).returning('id').executeTakeFirstOrThrow();
    await db().insertInto('ai_feedback').values({ organisation_id: DEFAULT_ORGANISATION_ID, ticket_id: t.id, field: 'slow', predicted: 'x', corrected: 'card_arrival' }).execute();
    const row = await db().selectFrom('ai_trainings').select('id').where('field', '=', 'slow').executeTakeFirstOrThrow();
    // A trainer that reports 20 steps over ~2 s, then computes for real.
    const slow: RetrainCompute = async (input, onProgress) => {
      for (let step = 1; step <= 20; step++) {
        onProgress?.({ stage: 'lr', refit: false, step, total: 20, elapsedMs: step * 100 });
        await new Promise((r) => setTimeout(r, 100));
      }
      return computeRetrain(input);
    };
    const done = await runTraining(db(), row.id, { compute: slow, progressIntervalMs: 500 });
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, retrained: true });
    const writes = (await progressWrites(row.id)).filter((w) => w.status === 'running' && w.stage.startsWith('training'));
    // ~2 s of progress at one write per 500 ms: 3 to 5 writes, not 20.
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(writes.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < writes.length; i++) {
      expect(writes[i]!.progress).toBeGreaterThan(writes[i - 1]!.progress);
      expect(writes[i]!.at.getTime() - writes[i - 1]!.at.getTime()).toBeGreaterThanOrEqual(450);
    }
    expect(writes.every((w) => w.progress > 0 && w.progress < 1)).toBe(true);
    // A redelivered job of a finished training does nothing.
    expect(await runTraining(db(), row.id)).toBeNull();
  }, 60_000);
});

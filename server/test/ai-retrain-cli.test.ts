// `flowdesk ai retrain`: retrains a field's model from agents' corrections now, through the same code as the
// nightly job and POST /api/ai/retrain.
import { fileURLToPath } from 'node:url';
import { readLabelledCsv } from '@flowdesk/ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiRetrainCommand } from '../src/ai/commands.ts';
import { trainAndStore } from '../src/ai/models.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase('ai_retrain_cli');
}, 60_000);
afterAll(async () => {
  await tdb?.drop();
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) }, out, err };
}

describe('flowdesk ai retrain', () => {
  it('says when there is nothing to do, retrains a field with new corrections, and refuses an unknown organisation', async () => {
    const idle = capture();
    expect(await aiRetrainCommand(['retrain'], idle.io, tdb.connectionString)).toBe(0);
    expect(idle.out).toEqual(['nothing to retrain: no field has new corrections since its model was trained']);

    const examples = await readLabelledCsv(fileURLToPath(new URL('../../packages/ai/test/fixtures/banking-mini-train.csv', import.meta.url)));
    await trainAndStore(tdb.db, { organisationId: DEFAULT_ORGANISATION_ID, task: 'classify', field: 'category', examples, source: 'csv:banking-mini-train.csv' });
    const ticket = await tdb.db.insertInto('tickets').values({ subject: 'My card never came', body: 'Still waiting for the card', fields: JSON.stringify({ category: 'card_arrival' }) }).returning('id').executeTakeFirstOrThrow();
    await tdb.db.insertInto('ai_feedback').values({ organisation_id: DEFAULT_ORGANISATION_ID, ticket_id: ticket.id, field: 'category', predicted: 'pin_blocked', corrected: 'card_arrival' }).execute();

    const run = capture();
    expect(await aiRetrainCommand(['retrain', '--field', 'category'], run.io, tdb.connectionString)).toBe(0);
    expect(run.out[0]).toMatch(/^category: retrained from 1 correction\(s\) -> model [0-9a-f-]{36}$/);
    // Synchronous, with progress on stderr: one line per stage, ending at 100%.
    expect(run.err[0]).toBe('[retrain] category loading 0%');
    expect(run.err).toContain('[retrain] category storing 96%');
    expect(run.err.at(-1)).toBe('[retrain] category done 100%');
    expect(await tdb.db.selectFrom('ai_models').select('id').where('field', '=', 'category').execute()).toHaveLength(2);

    const bad = capture();
    expect(await aiRetrainCommand(['retrain', '--field', 'category', '--organisation', 'nope'], bad.io, tdb.connectionString)).toBe(2);
    expect(bad.err[0]).toMatch(/no organisation with slug "nope"/);
  });
});

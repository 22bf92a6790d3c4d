// An organisation's own Anthropic key, stored encrypted as the organisation secret ai.anthropic_api_key,
// is what the AI executor uses for that organisation's tickets (over FLOWDESK_ANTHROPIC_API_KEY). The
// Anthropic API is the scripted fake on 127.0.0.1 from packages/ai; nothing touches the internet.
import { randomBytes } from 'node:crypto';
import type { AiTaskEffect } from '@flowdesk/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic, toolReply } from '../../packages/ai/test/fake-anthropic.ts';
import { createAiExecutor } from '../src/ai/executor.ts';
import { EffectError } from '../src/runtime/effects/action.ts';
import { SecretBox } from '../src/secrets/index.ts';
import { approvalWorkflow, buildAdminApp, json, logger, publishViaApi, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
const fake = new FakeAnthropic();
const box = new SecretBox(randomBytes(32));
let runId: string;
const savedBaseUrl = process.env.FLOWDESK_ANTHROPIC_BASE_URL;

beforeAll(async () => {
  await fake.start();
  process.env.FLOWDESK_ANTHROPIC_BASE_URL = fake.baseURL;
  h = await startHarness('ai_org_key');
  await publishViaApi(h.app, approvalWorkflow('org-key-flow'));
  const created = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'My card has not arrived', body: 'Ordered two weeks ago' } }));
  runId = created.runs[0].id;
}, 60_000);
afterAll(async () => {
  if (savedBaseUrl === undefined) delete process.env.FLOWDESK_ANTHROPIC_BASE_URL;
  else process.env.FLOWDESK_ANTHROPIC_BASE_URL = savedBaseUrl;
  await h?.close();
  await fake.stop();
});

const classify: AiTaskEffect = { type: 'ai.run', nodeId: 'classify', visit: 1, task: 'classify', params: { provider: 'anthropic', field: 'category', labels: ['card_arrival', 'pin_blocked'] } } as AiTaskEffect;

describe('organisation Anthropic key', () => {
  it('without a key anywhere, an anthropic node is a clear configuration error', async () => {
    const execute = createAiExecutor({ db: h.tdb.db, logger, secrets: box, anthropic: null });
    const error = await execute(classify, new AbortController().signal, { runId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EffectError);
    expect((error as Error).message).toMatch(/not configured.*ai\.anthropic_api_key/);
  });

  it('set through the settings API (stored encrypted), it is sent to Anthropic for that organisation', async () => {
    const app = await buildAdminApp(h, { secrets: box });
    const put = await app.inject({ method: 'PUT', url: '/api/settings/secrets/ai.anthropic_api_key', payload: { value: 'sk-org-own-key-1234' } });
    expect(put.statusCode, put.body).toBeLessThan(300);
    await app.close();
    const stored = await h.tdb.db.selectFrom('organisation_secrets').select('value').executeTakeFirstOrThrow();
    expect(stored.value).not.toContain('sk-org-own-key');

    fake.reply(toolReply('record_classification', { label: 'card_arrival', confidence: 0.91, reason: 'The card did not arrive.' }, { input_tokens: 300, output_tokens: 40 }));
    const execute = createAiExecutor({ db: h.tdb.db, logger, secrets: box, anthropic: null });
    const result = await execute(classify, new AbortController().signal, { runId });
    const sent = fake.requests.at(-1)!.headers;
    expect(sent['x-api-key'] ?? sent.authorization).toContain('sk-org-own-key-1234');
    expect(JSON.stringify(result)).toContain('card_arrival');
    expect(JSON.stringify(result)).toContain('anthropic');
  });
});

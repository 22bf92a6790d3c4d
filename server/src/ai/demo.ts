// The AI demo that `flowdesk start --demo` adds next to escalating-approval: the `ai-triage` workflow
// (trigger -> ai.sentiment -> urgency rule [-> set priority] -> ai.classify -> ai.recommend -> ai.draft ->
// ai.assign -> task -> end), a
// small published knowledge base, two agents with skills, and a category classifier trained at startup
// from the packages/ai BANKING77 fixture when the organisation has none. Idempotent across restarts
// and concurrent starts (keys, emails and titles are checked first; a lost race only duplicates nothing
// that matters: the latest model wins).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { readLabelledCsv } from '@flowdesk/ai';
import { validateDefinition, type WorkflowDefinition } from '@flowdesk/schema';
import type { Database } from '../db/types.ts';
import { DEFAULT_ORGANISATION_ID } from '../db/tables/ticketing.ts';
import { ModelStore, trainAndStore } from './models.ts';

export const AI_DEMO_WORKFLOW_KEY = 'ai-triage';

const at = (x: number, y: number) => ({ position: { x, y } });
const task = (title: string) => ({ title, assignee: { type: 'role', role: 'agent' }, actions: [{ id: 'done', label: 'Done' }] });

/** The sentiment node's urgency level, as a rule condition reads it from the run's results. */
const urgencyIs = (level: string) => ({ fact: 'results', path: '$.mood.output.urgency.level', operator: 'equal', value: level });

/**
 * The five AI nodes in a row; low confidence, errors and "no agent" go to a human triage task. Between
 * sentiment and classify, a rule node maps the urgency into priority: critical -> urgent, high -> high
 * (never lowering a priority already higher), by action nodes with a setFields step.
 */
export function aiTriageWorkflow(options: { key?: string; trigger?: Record<string, unknown>; classify?: Record<string, unknown> } = {}): WorkflowDefinition {
  const key = options.key ?? AI_DEMO_WORKFLOW_KEY;
  return {
    schemaVersion: 1,
    key,
    name: 'AI triage',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Ticket created', ...at(0, 0), params: { event: 'ticket.created', ...options.trigger } },
      { id: 'mood', kind: 'ai.sentiment', name: 'Sentiment', ...at(0, 120), params: {} },
      {
        id: 'urgency',
        kind: 'rule',
        name: 'Urgency to priority',
        ...at(0, 180),
        params: {
          rules: [
            { name: 'Critical urgency', outcome: 'critical', conditions: { all: [urgencyIs('critical'), { fact: 'ticket', path: '$.priority', operator: 'notEqual', value: 'urgent' }] } },
            { name: 'High urgency', outcome: 'high', conditions: { all: [urgencyIs('high'), { fact: 'ticket', path: '$.priority', operator: 'in', value: ['low', 'normal'] }] } },
          ],
          defaultOutcome: 'unchanged',
        },
      },
      { id: 'to-urgent', kind: 'action', name: 'Priority urgent', ...at(-300, 210), params: { steps: [{ type: 'setFields', fields: { priority: 'urgent' } }] } },
      { id: 'to-high', kind: 'action', name: 'Priority high', ...at(300, 210), params: { steps: [{ type: 'setFields', fields: { priority: 'high' } }] } },
      { id: 'classify', kind: 'ai.classify', name: 'Category', ...at(0, 240), params: { field: 'category', threshold: 0.3, ...options.classify } },
      { id: 'kb', kind: 'ai.recommend', name: 'KB articles', ...at(0, 360), params: { topK: 3 } },
      { id: 'draft', kind: 'ai.draft', name: 'Draft reply', ...at(0, 480), params: {} },
      { id: 'assign', kind: 'ai.assign', name: 'Assign agent', ...at(0, 600), params: {} },
      { id: 'review', kind: 'task', name: 'Review the draft', ...at(0, 720), params: task('Review the AI draft and send it') },
      { id: 'triage', kind: 'task', name: 'Manual triage', ...at(300, 480), params: task('Triage by hand') },
      { id: 'end', kind: 'end', name: 'Resolved', ...at(0, 840), params: { status: 'resolved' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'mood', outcome: 'next' },
      // Urgency comes from cues in the (injection-cleaned) text whatever the sentiment confidence.
      { id: 'e2', source: 'mood', target: 'urgency', outcome: 'done' },
      { id: 'e3', source: 'mood', target: 'urgency', outcome: 'low_confidence' },
      { id: 'e3b', source: 'mood', target: 'classify', outcome: 'error' },
      { id: 'u1', source: 'urgency', target: 'to-urgent', outcome: 'critical' },
      { id: 'u2', source: 'urgency', target: 'to-high', outcome: 'high' },
      { id: 'u3', source: 'urgency', target: 'classify', outcome: 'unchanged' },
      { id: 'u4', source: 'urgency', target: 'classify', outcome: 'error' },
      { id: 'u5', source: 'to-urgent', target: 'classify', outcome: 'done' },
      { id: 'u6', source: 'to-urgent', target: 'classify', outcome: 'error' },
      { id: 'u7', source: 'to-high', target: 'classify', outcome: 'done' },
      { id: 'u8', source: 'to-high', target: 'classify', outcome: 'error' },
      { id: 'e4', source: 'classify', target: 'kb', outcome: 'done' },
      { id: 'e5', source: 'classify', target: 'triage', outcome: 'low_confidence' },
      { id: 'e6', source: 'classify', target: 'triage', outcome: 'error' },
      { id: 'e7', source: 'kb', target: 'draft', outcome: 'found' },
      { id: 'e8', source: 'kb', target: 'draft', outcome: 'none' },
      { id: 'e8b', source: 'kb', target: 'draft', outcome: 'error' },
      { id: 'e9', source: 'draft', target: 'assign', outcome: 'drafted' },
      { id: 'e10', source: 'draft', target: 'assign', outcome: 'handoff' },
      { id: 'e10b', source: 'draft', target: 'assign', outcome: 'error' },
      { id: 'e11', source: 'assign', target: 'review', outcome: 'assigned' },
      { id: 'e12', source: 'assign', target: 'triage', outcome: 'no_agent' },
      { id: 'e12b', source: 'assign', target: 'triage', outcome: 'error' },
      { id: 'e13', source: 'review', target: 'end', outcome: 'done' },
      { id: 'e14', source: 'triage', target: 'end', outcome: 'done' },
    ],
  } as unknown as WorkflowDefinition;
}

const DEMO_KB = [
  { title: 'Lost or stolen card', category: 'lost_or_stolen_card', body: 'If your card was lost or stolen, freeze the card in the app right away under Cards > Freeze.\n\nThen order a replacement card; it arrives within 5 working days.' },
  { title: 'Blocked PIN', category: 'pin_blocked', body: 'After three wrong PIN entries the PIN is blocked. Unblock it in the app under Cards > PIN, or at any of our ATMs with the correct PIN.' },
  { title: 'Exchange rates', category: 'exchange_rate', body: 'We use the interbank exchange rate. On weekends a 0.5% fee is added to foreign currency payments.' },
  { title: 'Failed top-up', category: 'top_up_failed', body: 'A failed top-up is refunded to your card within 3 working days. Check that your card supports 3-D Secure and try again.' },
];
const DEMO_AGENTS = [
  { name: 'Carla Cards', email: 'carla.cards@demo.flowdesk.invalid', skills: ['lost_or_stolen_card', 'pin_blocked', 'card_arrival'] },
  { name: 'Felix Exchange', email: 'felix.exchange@demo.flowdesk.invalid', skills: ['exchange_rate', 'top_up_failed', 'cash_withdrawal_charge'] },
];

/** The committed BANKING77 sample of packages/ai (absent in a build without test fixtures). */
export function demoTrainingFile(): string {
  const entry = createRequire(import.meta.url).resolve('@flowdesk/ai');
  return path.join(path.dirname(entry), '..', 'test', 'fixtures', 'banking-mini-train.csv');
}

const DEMO_NOTE = 'AI demo workflow';

/** JSON with object keys sorted (jsonb does not keep key order). */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
  };
  return JSON.stringify(sort(typeof value === 'string' ? (JSON.parse(value) as unknown) : value));
}

function sameJson(stored: unknown, definition: WorkflowDefinition): boolean {
  return canonical(stored) === canonical(JSON.parse(JSON.stringify(definition)));
}

export interface AiDemo {
  workflowId: string;
  version: number;
  model: 'trained' | 'present' | 'missing';
}

export async function loadAiDemo(db: Kysely<Database>, logger: Logger): Promise<AiDemo> {
  const definition = aiTriageWorkflow();
  const result = validateDefinition(definition);
  if (!result.valid) throw new Error(`the AI demo workflow is invalid: ${result.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`);
  const json = JSON.stringify(definition);
  const published = await db.transaction().execute(async (trx) => {
    await trx.insertInto('workflows').values({ key: definition.key, name: definition.name, draft: json }).onConflict((oc) => oc.column('key').doNothing()).execute();
    const workflow = await trx.selectFrom('workflows').select('id').where('key', '=', definition.key).executeTakeFirstOrThrow();
    await trx
      .insertInto('workflow_versions')
      .values({ workflow_id: workflow.id, version: 1, definition: json, note: DEMO_NOTE })
      .onConflict((oc) => oc.columns(['workflow_id', 'version']).doNothing())
      .execute();
    let latest = await trx.selectFrom('workflow_versions').select(['version', 'definition', 'note']).where('workflow_id', '=', workflow.id).orderBy('version', 'desc').limit(1).forUpdate().executeTakeFirstOrThrow();
    // An older demo definition nobody has replaced (e.g. before the urgency rule) gets the current one as a new version.
    if (latest.note?.startsWith(DEMO_NOTE) && !sameJson(latest.definition, definition)) {
      const version = latest.version + 1;
      await trx.insertInto('workflow_versions').values({ workflow_id: workflow.id, version, definition: json, note: `${DEMO_NOTE} (updated)` }).onConflict((oc) => oc.columns(['workflow_id', 'version']).doNothing()).execute();
      const draft = await trx.selectFrom('workflows').select('draft').where('id', '=', workflow.id).executeTakeFirstOrThrow();
      if (canonical(draft.draft) === canonical(latest.definition)) await trx.updateTable('workflows').set({ draft: json, updated_at: new Date() }).where('id', '=', workflow.id).execute();
      latest = { ...latest, version };
    }
    return { workflowId: workflow.id, version: latest.version };
  });

  const org = DEFAULT_ORGANISATION_ID;
  const titles = new Set((await db.selectFrom('kb_articles').select('title').where('organisation_id', '=', org).execute()).map((r) => r.title));
  const articles = DEMO_KB.filter((a) => !titles.has(a.title));
  if (articles.length) await db.insertInto('kb_articles').values(articles.map((a) => ({ organisation_id: org, title: a.title, body_markdown: a.body, category: a.category, status: 'published' as const }))).execute();
  const emails = new Set((await db.selectFrom('agents').select('email').where('organisation_id', '=', org).execute()).map((r) => r.email));
  const agents = DEMO_AGENTS.filter((a) => !emails.has(a.email));
  if (agents.length) await db.insertInto('agents').values(agents.map((a) => ({ organisation_id: org, ...a, capacity: 10 }))).execute();

  let model: AiDemo['model'] = 'present';
  if (!(await new ModelStore(db).latest(org, 'classify', 'category'))) {
    const file = demoTrainingFile();
    if (existsSync(file)) {
      const examples = await readLabelledCsv(file);
      await trainAndStore(db, { organisationId: org, task: 'classify', field: 'category', examples, source: 'demo:banking-mini-train.csv' });
      model = 'trained';
    } else {
      logger.warn({ file }, 'AI demo: no training fixture; the classify node answers "error" until `flowdesk ai train --field category` ran');
      model = 'missing';
    }
  }
  logger.info({ workflow: definition.key, version: published.version, model, articles: articles.length, agents: agents.length }, 'AI demo ready');
  return { ...published, model };
}

// The server side of the AI nodes: for an `ai.run` effect, load the run's ticket (subject, latest
// customer message, language), the organisation's trained models, published knowledge base and agents,
// run the task through packages/ai (runAiTask + LocalProvider) and map the result onto the node's
// outcome. The whole AiResult (output, confidence, explanation, provider, latency) is the node's output,
// so the run history shows why the node went where it went. Ticket changes a confident result implies
// (the predicted field, the chosen assignee, the draft as an internal note or, with autoSend, a reply)
// go back as ticketSteps, applied by the worker in the same transaction as the result.
//
// Provider selection: a node's `provider` param picks 'local' or 'anthropic' (empty = the default,
// FLOWDESK_AI_PROVIDER or 'local'); `model` picks the Claude model. The Anthropic provider exists when a
// key is configured (options.anthropic, else FLOWDESK_ANTHROPIC_API_KEY / _BASE_URL / _MODEL /
// _TIMEOUT_MS / _MAX_RETRIES) and always falls back to this execution's LocalProvider.
import { readOrganisationSecret, type SecretBox } from '../secrets/index.ts';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import {
  AnthropicError,
  AnthropicProvider,
  anthropicOptionsFromEnv,
  KnowledgeBase,
  LocalProvider,
  ProviderRegistry,
  ResolvedTicketIndex,
  SentimentAnalyzer,
  runAiTask,
  type AgentProfile,
  type AnthropicProviderOptions,
  type AnthropicUsage,
  type AiTicketInput,
  type RecommendedArticle,
} from '@flowdesk/ai';
import type { AiTaskEffect } from '@flowdesk/engine';
import type { ActionStep } from '@flowdesk/schema';
import type { Database } from '../db/types.ts';
import { EffectError } from '../runtime/effects/action.ts';
import type { AiExecutor, AiResult, AiRunContext } from '../runtime/effects/ai.ts';
import { ERASED } from '../gdpr/scrub.ts';
import { ALWAYS_OPEN, isOpen } from '../sla/business-hours.ts';
import { calendarOf, calendarSelection } from '../sla/service.ts';
import { recordPrediction } from './feedback.ts';
import { ModelStore } from './models.ts';
import { BudgetFallbackProvider, budgetReason, budgetStatus, recordUsage, type UsageRecord } from './usage.ts';

export interface AiExecutorOptions {
  db: Kysely<Database>;
  logger: Logger;
  /** Clock for agent availability (business hours); tests pin it. */
  now?: () => Date;
  /** Anthropic configuration; default from FLOWDESK_ANTHROPIC_* (null/absent key = not configured). */
  anthropic?: AnthropicProviderOptions | null;
  /** Provider of nodes without a `provider` param; default FLOWDESK_AI_PROVIDER, else 'local'. */
  defaultProvider?: string;
  /**
   * Opens organisation secrets: an organisation's own `ai.anthropic_api_key` (PUT /api/settings/secrets/…,
   * encrypted at rest) takes precedence over FLOWDESK_ANTHROPIC_API_KEY for its tickets.
   */
  secrets?: SecretBox;
}

/** The organisation secret that holds an organisation's Anthropic API key. */
export const ANTHROPIC_KEY_SECRET = 'ai.anthropic_api_key';

const CLOSED_STATUSES = ['resolved', 'closed', 'cancelled'];
/** Statuses whose tickets are "similar resolved tickets" for recommend. */
const RESOLVED_STATUSES = ['resolved', 'closed'] as const;
/** The most recently updated resolved tickets indexed per organisation (bounds memory and rebuild time). */
export const SIMILAR_TICKETS_INDEXED = 2000;

export function trainCommandHint(field: string): string {
  return `flowdesk ai train --field ${field} --from-tickets`;
}

interface TicketFacts {
  id: string;
  organisationId: string;
  subject: string;
  text: string;
  language: string | undefined;
  customerName: string | undefined;
  fields: Record<string, unknown>;
  results: Record<string, unknown>;
}

export function createAiExecutor(options: AiExecutorOptions): AiExecutor {
  const { db } = options;
  const log = options.logger.child({ component: 'ai' });
  const now = options.now ?? (() => new Date());
  const models = new ModelStore(db);
  const anthropic = options.anthropic === undefined ? anthropicOptionsFromEnv(process.env) : options.anthropic;
  const defaultProvider = options.defaultProvider ?? (process.env.FLOWDESK_AI_PROVIDER?.trim() || 'local');
  const serverAvailable = anthropic ? ['anthropic', 'local'] : ['local'];
  if (!serverAvailable.includes(defaultProvider) && !options.secrets) throw new Error(`FLOWDESK_AI_PROVIDER "${defaultProvider}" is not configured (available: ${serverAvailable.join(', ')})`);

  /** The organisation's own key (organisation secret) over the server's environment. */
  async function anthropicFor(organisationId: string): Promise<AnthropicProviderOptions | null> {
    const own = options.secrets ? await readOrganisationSecret(db, options.secrets, organisationId, ANTHROPIC_KEY_SECRET) : null;
    if (!own) return anthropic;
    return { ...(anthropic ?? anthropicOptionsFromEnv({ ...process.env, FLOWDESK_ANTHROPIC_API_KEY: own })!), apiKey: own };
  }
  const kbCache = new Map<string, { stamp: string; kb: KnowledgeBase }>();

  async function knowledgeBase(organisationId: string): Promise<KnowledgeBase> {
    const head = await db
      .selectFrom('kb_articles')
      .select([sql<string>`count(*)::text || ':' || coalesce(max(updated_at)::text, '')`.as('stamp')])
      .where('organisation_id', '=', organisationId)
      .where('status', '=', 'published')
      .executeTakeFirstOrThrow();
    const cached = kbCache.get(organisationId);
    if (cached?.stamp === head.stamp) return cached.kb;
    const rows = await db
      .selectFrom('kb_articles')
      .select(['id', 'title', 'body_markdown', 'language'])
      .where('organisation_id', '=', organisationId)
      .where('status', '=', 'published')
      .orderBy('id')
      .execute();
    const kb = new KnowledgeBase(rows.map((r) => ({ id: r.id, title: r.title, body: r.body_markdown, language: r.language })));
    kbCache.set(organisationId, { stamp: head.stamp, kb });
    return kb;
  }

  const resolvedCache = new Map<string, { stamp: string; index: ResolvedTicketIndex }>();

  /**
   * The organisation's resolved/closed tickets with a resolution (their last public agent or system
   * message), indexed for "similar tickets"; rebuilt when the count or latest updated_at of those tickets
   * changes (a new reply bumps the ticket's updated_at).
   */
  async function resolvedTickets(organisationId: string): Promise<ResolvedTicketIndex> {
    const head = await db
      .selectFrom('tickets')
      .select([sql<string>`count(*)::text || ':' || coalesce(max(updated_at)::text, '')`.as('stamp')])
      .where('organisation_id', '=', organisationId)
      .where('status', 'in', RESOLVED_STATUSES)
      .executeTakeFirstOrThrow();
    const cached = resolvedCache.get(organisationId);
    if (cached?.stamp === head.stamp) return cached.index;
    const rows = await sql<{ id: string; number: string | number | null; subject: string; body: string; resolution: string }>`
      SELECT t.id, t.number, t.subject, t.body, m.body_text AS resolution
      FROM tickets t
      JOIN LATERAL (
        SELECT body_text FROM messages
        WHERE ticket_id = t.id AND visibility = 'public' AND author_type <> 'customer' AND body_text <> ''
        ORDER BY created_at DESC LIMIT 1
      ) m ON true
      WHERE t.organisation_id = ${organisationId} AND t.status IN ('resolved', 'closed') AND t.subject <> ${ERASED}
      ORDER BY t.updated_at DESC, t.id
      LIMIT ${SIMILAR_TICKETS_INDEXED}`.execute(db);
    const index = new ResolvedTicketIndex(
      rows.rows.map((r) => ({ id: r.id, number: r.number === null ? null : Number(r.number), subject: r.subject, problem: r.body, resolution: r.resolution })),
    );
    resolvedCache.set(organisationId, { stamp: head.stamp, index });
    return index;
  }

  async function loadTicket(runId: string): Promise<TicketFacts> {
    const run = await db.selectFrom('runs').select(['ticket_id', 'snapshot']).where('id', '=', runId).executeTakeFirst();
    if (!run) throw new EffectError(`run ${runId} does not exist`, true);
    if (!run.ticket_id) throw new EffectError('AI nodes need a ticket: this run was started without one', true);
    const ticket = await db
      .selectFrom('tickets')
      .select(['id', 'organisation_id', 'subject', 'body', 'fields', 'customer_facts'])
      .where('id', '=', run.ticket_id)
      .executeTakeFirst();
    if (!ticket) throw new EffectError(`ticket ${run.ticket_id} of this run no longer exists`, true);
    const latest = await db
      .selectFrom('messages')
      .select('body_text')
      .where('ticket_id', '=', ticket.id)
      .where('author_type', '=', 'customer')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const snapshot = run.snapshot as { context?: { results?: Record<string, unknown> } } | null;
    return {
      id: ticket.id,
      organisationId: ticket.organisation_id,
      subject: ticket.subject,
      text: latest?.body_text?.trim() ? latest.body_text : ticket.body,
      language: ticket.customer_facts?.language ?? undefined,
      customerName: ticket.customer_facts?.name ?? undefined,
      fields: ticket.fields ?? {},
      results: snapshot?.context?.results ?? {},
    };
  }

  /** Active agents (of `team` when given) with their open load, availability now and history on `category`. */
  async function agentProfiles(organisationId: string, team: string | null, category: string | null): Promise<AgentProfile[]> {
    let query = db.selectFrom('agents').select(['agents.id', 'agents.name', 'agents.skills', 'agents.capacity', 'agents.calendar_id']).where('agents.organisation_id', '=', organisationId).where('agents.active', '=', true);
    if (team) query = query.innerJoin('team_members', 'team_members.agent_id', 'agents.id').where('team_members.team_id', '=', team);
    const agents = await query.orderBy('agents.id').execute();
    if (agents.length === 0) return [];
    const ids = agents.map((a) => a.id);
    const load = await db
      .selectFrom('tickets')
      .select(['assignee_agent_id', sql<string>`count(*)::text`.as('n')])
      .where('assignee_agent_id', 'in', ids)
      .where('status', 'not in', CLOSED_STATUSES)
      .groupBy('assignee_agent_id')
      .execute();
    const openBy = new Map(load.map((r) => [r.assignee_agent_id, Number(r.n)]));
    const history = category
      ? await db
          .selectFrom('tickets')
          .select([
            'assignee_agent_id',
            sql<string>`count(*)::text`.as('total'),
            sql<string>`count(resolved_at)::text`.as('resolved'),
            sql<string | null>`(avg(extract(epoch from resolved_at - created_at)) / 3600)::text`.as('hours'),
          ])
          .where('assignee_agent_id', 'in', ids)
          .where(sql`fields ->> 'category'`, '=', category)
          .groupBy('assignee_agent_id')
          .execute()
      : [];
    const historyBy = new Map(history.map((h) => [h.assignee_agent_id, h]));
    const calendarIds = [...new Set(agents.map((a) => a.calendar_id).filter((c): c is string => c !== null))];
    const calendars = calendarIds.length ? await db.selectFrom('calendars').select(calendarSelection()).where('id', 'in', calendarIds).execute() : [];
    const calendarBy = new Map(calendars.map((c) => [c.id, calendarOf(c)]));
    const at = now();
    return agents.map((a) => {
      const h = historyBy.get(a.id);
      return {
        id: a.id,
        name: a.name,
        skills: a.skills,
        capacity: a.capacity,
        openTickets: openBy.get(a.id) ?? 0,
        available: isOpen(a.calendar_id ? (calendarBy.get(a.calendar_id) ?? ALWAYS_OPEN) : ALWAYS_OPEN, at),
        ...(h && category && { history: { [category]: { total: Number(h.total), resolved: Number(h.resolved), avgHours: h.hours === null ? 0 : Number(h.hours) } } }),
      };
    });
  }

  return async function executeAi(effect: AiTaskEffect, signal: AbortSignal, context: AiRunContext): Promise<AiResult> {
    const ticket = await loadTicket(context.runId);
    const params = effect.params ?? {};
    const org = ticket.organisationId;
    const started = performance.now();
    // What an LLM provider spent on this execution (reported even when it throws).
    let llmSpend: AnthropicUsage | null = null;
    // One ai_usage row per effect (usage.ts): the effect's key, else run + node + visit (equally stable across retries).
    const usageKey = context.key ?? `${context.runId}:${effect.nodeId}:${effect.visit}`;
    const usage = (fields: Pick<UsageRecord, 'provider' | 'answeredBy' | 'model' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'latencyMs' | 'outcome' | 'detail'>) =>
      recordUsage(db, { organisationId: org, idempotencyKey: usageKey, runId: context.runId, ticketId: ticket.id, nodeId: effect.nodeId, task: effect.task, ...fields });
    const provider = new LocalProvider();
    const input: AiTicketInput = { text: ticket.text, subject: ticket.subject, language: ticket.language, customerName: ticket.customerName };
    const field = typeof params.field === 'string' && params.field ? params.field : 'category';
    let classifyModelId: string | null = null;
    const chosen = typeof params.provider === 'string' && params.provider ? params.provider : defaultProvider;
    const anthropicOptions = await anthropicFor(org);
    const available = anthropicOptions ? ['anthropic', 'local'] : ['local'];
    const fail = async (error: unknown): Promise<never> => {
      await usage({
        provider: chosen,
        answeredBy: null,
        model: llmSpend?.model ?? null,
        inputTokens: llmSpend?.tokens.input ?? 0,
        outputTokens: llmSpend?.tokens.output ?? 0,
        costUsd: llmSpend ? llmSpend.costUsd : 0,
        latencyMs: performance.now() - started,
        outcome: 'error',
        detail: (error as Error).message,
      }).catch((e: unknown) => log.warn({ err: e, runId: context.runId }, 'could not record AI usage'));
      throw error;
    };
    if (!available.includes(chosen)) {
      return fail(new EffectError(`AI provider "${chosen}" is not configured on this server (available: ${available.join(', ')}${chosen === 'anthropic' ? '; set FLOWDESK_ANTHROPIC_API_KEY or the organisation secret ai.anthropic_api_key' : ''})`, true));
    }

    switch (effect.task) {
      case 'classify': {
        const stored = await models.latest(org, 'classify', field);
        classifyModelId = stored?.id ?? null;
        // Claude needs only the node's labels; the local model is then just its fallback.
        const llmLabels = chosen === 'anthropic' && Array.isArray(params.labels) && params.labels.length > 0;
        if (!stored && !llmLabels) return fail(new EffectError(`no trained model for field ${field}: run \`${trainCommandHint(field)}\` (or --csv file.csv) first`, true));
        if (stored) provider.setClassifier(field, stored.model);
        break;
      }
      case 'sentiment': {
        const stored = await models.latest(org, 'sentiment', '');
        if (stored) provider.setSentiment(new SentimentAnalyzer(stored.model));
        break;
      }
      case 'recommend':
        provider.setKnowledgeBase(await knowledgeBase(org));
        provider.setSimilarTickets({ index: await resolvedTickets(org), exclude: [ticket.id] });
        break;
      case 'draft': {
        // The auto-send policy is per category.
        input.category = stringOr(ticket.fields.category) ?? predictedLabel(ticket.results, 'category');
        const articles = latestArticles(ticket.results);
        if (articles) input.articles = articles;
        else provider.setKnowledgeBase(await knowledgeBase(org));
        break;
      }
      case 'assign': {
        const category = stringOr(ticket.fields.category) ?? predictedLabel(ticket.results, 'category');
        const scope = typeof params.team === 'string' ? params.team : '';
        input.category = category;
        input.agents = await agentProfiles(org, scope || null, category);
        const cursor = await db.selectFrom('ai_assign_cursors').select('last_agent_id').where('organisation_id', '=', org).where('scope', '=', scope).executeTakeFirst();
        input.cursor = cursor?.last_agent_id ?? null;
        break;
      }
    }

    const registry = new ProviderRegistry().register(provider);
    if (anthropicOptions) {
      // Over the monthly budget, the LLM is not called: the local provider answers and says why.
      const budget = chosen === 'anthropic' ? await budgetStatus(db, org, now()) : null;
      if (budget?.exceeded) registry.register(new BudgetFallbackProvider('anthropic', provider, budgetReason(budget)));
      else registry.register(new AnthropicProvider({ ...anthropicOptions, fallback: provider, onUsage: (u) => void (llmSpend = u) }));
    }
    registry.setDefault(available.includes(defaultProvider) ? defaultProvider : 'local');
    let result: Awaited<ReturnType<typeof runAiTask>>;
    try {
      result = await runAiTask(registry, { task: effect.task, params }, input, signal);
    } catch (error) {
      if (error instanceof AnthropicError) return fail(new EffectError(error.message, !error.retryable));
      return fail(error);
    }
    const answered = result.output;
    await usage({
      provider: answered.fallback?.from ?? answered.provider,
      answeredBy: answered.provider,
      model: answered.fallback ? answered.fallback.model : answered.model,
      inputTokens: answered.tokens?.input ?? 0,
      outputTokens: answered.tokens?.output ?? 0,
      costUsd: answered.tokens ? answered.costUsd : (answered.costUsd ?? 0),
      latencyMs: answered.latencyMs,
      outcome: answered.fallback ? 'fallback' : 'ok',
      detail: answered.fallback?.reason ?? null,
    });
    const ticketSteps: ActionStep[] = [];
    const out = result.output.output as Record<string, unknown>;
    if (effect.task === 'classify' && result.outcome === 'done') {
      ticketSteps.push({ type: 'setFields', fields: { [field]: out.label } });
      // Provenance for agents' corrections (feedback.ts): the field now holds the AI's label.
      if (typeof out.label === 'string') {
        await recordPrediction(db, { ticketId: ticket.id, organisationId: org, field, value: out.label, modelId: result.output.provider === 'local' ? classifyModelId : null, runId: context.runId, confidence: result.output.confidence });
      }
    }
    if (effect.task === 'assign' && result.outcome === 'assigned' && typeof out.agentId === 'string') {
      ticketSteps.push({ type: 'assign', agentId: out.agentId });
      const scope = typeof params.team === 'string' ? params.team : '';
      await db
        .insertInto('ai_assign_cursors')
        .values({ organisation_id: org, scope, last_agent_id: out.agentId })
        .onConflict((oc) => oc.columns(['organisation_id', 'scope']).doUpdateSet({ last_agent_id: out.agentId as string, updated_at: sql`now()` }))
        .execute();
    }
    if (effect.task === 'draft' && result.outcome === 'drafted' && typeof out.body === 'string') {
      ticketSteps.push({ type: 'reply', body: out.body, visibility: result.output.send ? 'public' : 'internal' });
    }
    log.debug({ runId: context.runId, nodeId: effect.nodeId, task: effect.task, outcome: result.outcome, confidence: result.output.confidence }, 'AI task done');
    return { outcome: result.outcome, output: result.output, ...(ticketSteps.length > 0 && { ticketSteps }) };
  };
}

function stringOr(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function isAiOutput(value: unknown): value is { output: Record<string, unknown>; provider: string } {
  return typeof value === 'object' && value !== null && typeof (value as { provider?: unknown }).provider === 'string' && typeof (value as { output?: unknown }).output === 'object';
}

/** Articles of the run's recommend node (the latest one recorded), if the run had one. */
function latestArticles(results: Record<string, unknown>): RecommendedArticle[] | null {
  let found: RecommendedArticle[] | null = null;
  for (const value of Object.values(results)) {
    if (isAiOutput(value) && Array.isArray(value.output.articles)) found = value.output.articles as RecommendedArticle[];
  }
  return found;
}

function predictedLabel(results: Record<string, unknown>, field: string): string | null {
  let found: string | null = null;
  for (const value of Object.values(results)) {
    if (isAiOutput(value) && value.output.field === field && typeof value.output.label === 'string') found = value.output.label;
  }
  return found;
}

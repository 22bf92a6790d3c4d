// The workflow definition format. These types are the documentation of the data; the JSON Schema in
// definition-schema.ts is the contract at the edges and must describe exactly the same shape.

/** Every node kind the engine understands. Kinds are versioned by the definition's schemaVersion. */
export type NodeKind =
  | 'trigger'
  | 'rule'
  | 'ai.classify'
  | 'ai.sentiment'
  | 'ai.assign'
  | 'ai.recommend'
  | 'ai.draft'
  | 'task'
  | 'approval'
  | 'action'
  | 'wait'
  | 'end'
  | 'group';

export interface Position {
  x: number;
  y: number;
}

/** An ISO 8601 duration such as "PT30S", "PT4H" or "P2DT3H". */
export type IsoDuration = string;

/** An SLA / escalation timer on a waiting node (task, approval, wait): when it fires, the node is left by `outcome`. */
export interface Escalation {
  /** Outcome name, unique within the node; an edge with this outcome must leave the node. */
  outcome: string;
  after: IsoDuration;
  /** Count `after` in business hours (the calendar below, else the ticket's SLA policy's; neither: 24/7). */
  businessHours?: boolean;
  /** Name of the organisation's calendar for `businessHours`. */
  calendar?: string;
}

// ---- json-rules-engine conditions (the subset we accept; see definition-schema.ts) ----
export interface ConditionLeaf {
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
}
export type Condition = ConditionLeaf | AllConditions | AnyConditions | NotCondition;
export interface AllConditions {
  all: Condition[];
}
export interface AnyConditions {
  any: Condition[];
}
export interface NotCondition {
  not: Condition;
}
export type TopLevelCondition = AllConditions | AnyConditions | NotCondition;

export interface RuleDefinition {
  name: string;
  /** Outcome taken when this rule matches. Rules are evaluated in order; the first match wins. */
  outcome: string;
  conditions: TopLevelCondition;
}

// ---- params per node kind ----
export type TriggerEvent = 'ticket.created' | 'ticket.updated' | 'manual';

export interface TriggerParams {
  event: TriggerEvent;
  /** Optional conditions over the ticket that must hold for the workflow to start. */
  conditions?: TopLevelCondition;
}

export interface RuleParams {
  rules: RuleDefinition[];
  defaultOutcome: string;
}

export interface AiParamsBase {
  provider?: string;
  model?: string;
  /** Below this confidence the node leaves by `low_confidence` so a human decides. */
  threshold?: number;
}
export interface AiClassifyParams extends AiParamsBase {
  field: string;
  labels?: string[];
}
export type AiSentimentParams = AiParamsBase;
export interface AiAssignParams extends AiParamsBase {
  team?: string;
}
export interface AiRecommendParams extends AiParamsBase {
  topK?: number;
}
/** When a drafted reply may go out without a human: ticket category listed ("*" = any) and confidence high enough. */
export interface AutoSendPolicy {
  minConfidence: number;
  categories: string[];
}
export interface AiDraftParams extends AiParamsBase {
  /** Whether a confident draft may be sent without a human: false (default, never), a policy, or true (any category above the threshold). */
  autoSend?: boolean | AutoSendPolicy;
}

export type AssigneeRef =
  | { type: 'role'; role: string }
  | { type: 'team'; team: string }
  | { type: 'user'; user: string }
  | { type: 'ai' };

export interface FormAction {
  /** Outcome name taken when the form is submitted with this action. */
  id: string;
  label: string;
}

export interface TaskParams {
  title: string;
  assignee: AssigneeRef;
  /** Key into definition.forms. */
  form?: string;
  actions: FormAction[];
  escalations?: Escalation[];
}

export interface ApprovalParams {
  title: string;
  approvers: AssigneeRef[];
  /** Approvals needed (n of m). Default 1. */
  required?: number;
  /** Rejections that end the approval as rejected. Default 1. */
  rejectionsToReject?: number;
  escalations?: Escalation[];
}

/** The statuses a ticket can have. */
export const TICKET_STATUSES = ['open', 'pending', 'waiting_customer', 'on_hold', 'resolved', 'closed', 'cancelled'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export type ActionStep =
  | { type: 'setFields'; fields: Record<string, unknown> }
  | { type: 'addTags'; tags: string[] }
  | { type: 'removeTags'; tags: string[] }
  /** Adds a message to the ticket's thread; `body` may use {{ticket.*}} and {{customer.name}} placeholders. */
  | { type: 'reply'; body: string; visibility?: 'public' | 'internal' }
  /** Assigns the ticket to an agent and/or a team (at least one). */
  | { type: 'assign'; agentId?: string; teamId?: string }
  | { type: 'setStatus'; status: TicketStatus }
  /**
   * Notifies people outside the ticket: every outbound webhook / Slack / Teams endpoint subscribed to
   * `workflow.notification` receives `message` (placeholders filled in) with the ticket's facts.
   */
  | { type: 'notify'; message: string }
  | { type: 'http'; method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number };

export interface ActionParams {
  steps: ActionStep[];
}

export interface WaitParams {
  /** Leave by `elapsed` after this duration. */
  duration?: IsoDuration;
  /** Count `duration` in business hours (the calendar below, else the ticket's SLA policy's; neither: 24/7). */
  businessHours?: boolean;
  /** Name of the organisation's calendar for `businessHours`. */
  calendar?: string;
  /** Leave by `resumed` when one of these ticket events arrives (e.g. "customer.replied"). */
  resumeOn?: string[];
  escalations?: Escalation[];
}

export interface EndParams {
  status: 'resolved' | 'closed' | 'cancelled';
}

/**
 * A compound state (group): its members are the nodes whose `parentId` is the group's id. While the run is at
 * any member, the group's outcomes apply as boundary transitions (`timeout`, `cancelled`).
 */
export interface GroupParams {
  /** Member entered when an edge targets the group itself. */
  initial?: string;
  /** Leave by `timeout` when the run is still in the group this long after entering it. */
  timeout?: IsoDuration;
  /** Leave by `cancelled` when one of these ticket events arrives while the run is in the group. */
  cancelOn?: string[];
}

export interface NodeParamsByKind {
  trigger: TriggerParams;
  rule: RuleParams;
  'ai.classify': AiClassifyParams;
  'ai.sentiment': AiSentimentParams;
  'ai.assign': AiAssignParams;
  'ai.recommend': AiRecommendParams;
  'ai.draft': AiDraftParams;
  task: TaskParams;
  approval: ApprovalParams;
  action: ActionParams;
  wait: WaitParams;
  end: EndParams;
  group: GroupParams;
}

export interface WorkflowNodeOf<K extends NodeKind> {
  /** Unique within the definition; becomes the XState state id. Pattern ^[A-Za-z][A-Za-z0-9_-]*$. */
  id: string;
  kind: K;
  name?: string;
  /**
   * Id of the group (a node of kind "group") this node belongs to; its position is then relative to the
   * group's. Groups do not nest.
   */
  parentId?: string;
  position: Position;
  params: NodeParamsByKind[K];
}
export type WorkflowNode = { [K in NodeKind]: WorkflowNodeOf<K> }[NodeKind];

export interface WorkflowEdge {
  id: string;
  source: string;
  target: string;
  /** The source node's outcome this edge follows. */
  outcome: string;
}

/** A form shown to a human at a task/approval: a JSON Schema for the data plus an optional UI hint object. */
export interface FormDefinition {
  title?: string;
  schema: Record<string, unknown>;
  uiSchema?: Record<string, unknown>;
}

export interface WorkflowDefinition {
  schemaVersion: 1;
  /** Stable key of the workflow, e.g. "refund-approval". */
  key: string;
  name: string;
  description?: string;
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
  forms?: Record<string, FormDefinition>;
  /** Saved simulation cases: run by the designer and `flowdesk workflow test` (so CI runs them). */
  tests?: WorkflowTestCase[];
}

/**
 * A test of the workflow: given this ticket and these steps, expect this path and end state. Steps are
 * applied in order to the run as the engine moves it; rule nodes are evaluated for real, so guards and
 * rules are exercised.
 */
export interface WorkflowTestCase {
  name: string;
  ticket: Record<string, unknown>;
  steps: WorkflowTestStep[];
  expect: {
    /** Node ids entered, in order, from the first node after the trigger (a prefix check is not done: the whole path). */
    path?: string[];
    /** The node the run is at after the last step. */
    node?: string;
    status?: 'completed' | 'waiting' | 'running' | 'stuck';
    /** The end status when the run completed. */
    endStatus?: 'resolved' | 'closed' | 'cancelled';
  };
}

export type WorkflowTestStep =
  /** Answers the pending work (AI, action) of `node` with an outcome (and output). */
  | { answer: string; outcome: string; output?: unknown }
  /** Submits the form of task `node` with one of its actions. */
  | { submit: string; action: string; data?: Record<string, unknown> }
  /** A vote on approval `node`. */
  | { vote: string; decision: 'approve' | 'reject'; approver?: string }
  /** Fires the pending timer of `node` (its outcome name, e.g. "elapsed" or an escalation outcome; default: the first pending). */
  | { fire: string; timer?: string }
  /** A ticket event (customer.replied, priority.changed...), optionally with changed ticket facts. */
  | { ticketEvent: string; ticket?: Record<string, unknown> };

/** One problem found in a definition. `path` is a JSON pointer into the document. */
export interface ValidationIssue {
  path: string;
  message: string;
  severity: 'error' | 'warning';
  /** Stable machine-readable code, e.g. "schema", "edge.unknown-target", "graph.unreachable". */
  code: string;
}

export interface ValidationResult {
  valid: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

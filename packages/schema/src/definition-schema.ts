// JSON Schema of a whole workflow definition. One builder makes two variants so they cannot drift:
// the complete standalone schema (published for OpenAPI and the designer) and the envelope the
// validator checks first, which leaves params open so each node's params can be checked against
// its kind alone and errors stay about that kind, not a wall of alternatives.
import { nodeCatalog, nodeKinds } from './catalog.ts';
import type { JSONSchema } from './json-schema.ts';
import { conditionDefinitions, id, KEY_PATTERN, ID_PATTERN, list, object, text } from './schema-parts.ts';

export const MAX_NODES = 500;
export const MAX_EDGES = 2000;
export const MAX_FORMS = 100;
export const WORKFLOW_SCHEMA_ID = 'https://flowdesk.dev/schemas/workflow-definition/v1.json';

const coordinate = (description: string): JSONSchema => ({ type: 'number', description, minimum: -1e7, maximum: 1e7 });

const paramsRef = (kind: string): string => `#/definitions/params.${kind}`;

function nodeProperties(kind: JSONSchema, params: JSONSchema): Record<string, JSONSchema> {
  return {
    id: id('Unique within the definition; becomes the state id.'),
    kind,
    name: text('Name shown on the canvas.'),
    parentId: id('Id of the group node this node is a member of (a compound state); the position is then relative to the group.'),
    position: object('Canvas position.', { x: coordinate('Horizontal position.'), y: coordinate('Vertical position.') }, ['x', 'y']),
    params,
  };
}
const NODE_REQUIRED = ['id', 'kind', 'position', 'params'];

/** A node of one kind, with its params schema: one branch of the node union. */
function nodeOfKind(kind: string): JSONSchema {
  const spec = nodeCatalog[kind as keyof typeof nodeCatalog];
  return object(
    `${spec.label} node.`,
    nodeProperties(
      { const: kind, description: `Node kind "${kind}".` },
      { $ref: paramsRef(kind), description: `Parameters of a ${spec.label} node.` },
    ),
    NODE_REQUIRED,
    { title: kind },
  );
}

function buildSchema(complete: boolean): JSONSchema {
  const definitions: Record<string, JSONSchema> = {
    edge: object(
      'A transition from a source node to a target node, followed when the source leaves by `outcome`.',
      {
        id: id('Unique within the definition.'),
        source: id('Id of the node the edge leaves.'),
        target: id('Id of the node the edge enters.'),
        outcome: id('The source node\'s outcome this edge follows.'),
      },
      ['id', 'source', 'target', 'outcome'],
    ),
    form: object(
      'A form shown to a human at a task.',
      {
        title: text('Form title.'),
        schema: { type: 'object', description: 'JSON Schema (draft-07) of the data the form collects.' },
        uiSchema: { type: 'object', description: 'Optional layout hints for the form renderer.' },
      },
      ['schema'],
    ),
  };
  let node: JSONSchema;
  if (complete) {
    Object.assign(definitions, conditionDefinitions);
    for (const kind of nodeKinds) {
      const { definitions: _hoisted, ...params } = nodeCatalog[kind].paramsSchema;
      definitions[`params.${kind}`] = params;
    }
    node = {
      type: 'object',
      description: 'A node; `kind` selects the shape of `params`.',
      discriminator: { propertyName: 'kind' },
      required: ['kind'],
      oneOf: nodeKinds.map(nodeOfKind),
    };
  } else {
    node = object(
      'A node; its params are checked against its kind separately.',
      nodeProperties(
        { type: 'string', maxLength: 64, description: 'Node kind.' },
        { type: 'object', description: 'Kind-specific parameters.' },
      ),
      NODE_REQUIRED,
    );
  }
  definitions.node = node;

  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(complete ? { $id: WORKFLOW_SCHEMA_ID } : {}),
    title: 'Flowdesk workflow definition',
    ...object(
      'A workflow: nodes joined by edges that follow node outcomes, plus the forms its tasks show.',
      {
        schemaVersion: { const: 1, description: 'Version of this format.' },
        key: { type: 'string', pattern: KEY_PATTERN, maxLength: 64, description: 'Stable key, e.g. "refund-approval".' },
        name: text('Display name.'),
        description: text('What the workflow is for.', 2000),
        nodes: list('The nodes.', { $ref: '#/definitions/node' }, MAX_NODES),
        edges: list('The edges.', { $ref: '#/definitions/edge' }, MAX_EDGES),
        forms: {
          type: 'object',
          description: 'Forms by key; tasks reference them by key.',
          maxProperties: MAX_FORMS,
          propertyNames: { pattern: ID_PATTERN, maxLength: 64 },
          additionalProperties: { $ref: '#/definitions/form', description: 'A form, by its key.' },
        },
        tests: list('Saved simulation cases (given a ticket and steps, expect a path and end state).', testCaseSchema(), 100),
      },
      ['schemaVersion', 'key', 'name', 'nodes', 'edges'],
    ),
    definitions,
  };
}

/** The complete, standalone schema of a definition (draft-07 + OpenAPI `discriminator`). Compile it with createAjv(). */
export const workflowDefinitionSchema: JSONSchema = buildSchema(true);

/** The definition with params left open; validate.ts checks params per kind after it. */
export const definitionEnvelopeSchema: JSONSchema = buildSchema(false);

function testCaseSchema(): JSONSchema {
  const nodeRef = (description: string): JSONSchema => ({ type: 'string', pattern: ID_PATTERN, maxLength: 64, description });
  // Ticket facts and form data are free-form JSON by nature (the ticket's own fields), bounded in size.
  const facts = (description: string): JSONSchema => ({
    type: 'object',
    description,
    maxProperties: 200,
    propertyNames: { maxLength: 64 },
    additionalProperties: { description: 'A value (any JSON).' },
  });
  const step: JSONSchema = {
    description: 'One step, applied to the run where it is.',
    oneOf: [
      object('Answer the pending work of a node.', { answer: nodeRef('The node whose work is answered.'), outcome: text('The outcome.', 64), output: { description: 'The output (any JSON).' } }, ['answer', 'outcome']),
      object('Submit a task form.', { submit: nodeRef('The task node.'), action: text('The form action.', 64), data: facts('Form data.') }, ['submit', 'action']),
      object('Vote on an approval.', { vote: nodeRef('The approval node.'), decision: { type: 'string', enum: ['approve', 'reject'], description: 'The decision.' }, approver: text('Who votes.', 200) }, ['vote', 'decision']),
      object('Fire a pending timer.', { fire: nodeRef('The node whose timer fires.'), timer: text('Timer outcome, e.g. "elapsed".', 64) }, ['fire']),
      object('A ticket event.', { ticketEvent: text('Event name, e.g. "customer.replied".', 64), ticket: facts('Changed ticket facts.') }, ['ticketEvent']),
    ],
  };
  return object(
    'A saved simulation case.',
    {
      name: text('What the case checks.', 200),
      ticket: facts('The sample ticket the run starts with.'),
      steps: list('Steps in order.', step, 200),
      expect: object(
        'What must hold after the last step.',
        {
          path: list('Node ids entered, in order (after the trigger).', nodeRef('A node id.'), 500),
          node: nodeRef('The node the run is at.'),
          status: { type: 'string', enum: ['completed', 'waiting', 'running', 'stuck'], description: 'The run status.' },
          endStatus: { type: 'string', enum: ['resolved', 'closed', 'cancelled'], description: 'The end status.' },
        },
        [],
      ),
    },
    ['name', 'ticket', 'steps', 'expect'],
  );
}

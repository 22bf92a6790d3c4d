// Public API of @flowdesk/schema: the definition format, the node catalog, the JSON Schemas and the validator.
export type * from './types.ts';
export { TICKET_STATUSES } from './types.ts';
export type { JSONSchema, JSONSchemaType } from './json-schema.ts';
export type { NodeBehaviour, NodeCategory, NodeSpec, OutcomeSpec } from './node-spec.ts';
export type { NodeCatalog } from './catalog.ts';
export { getNodeSpec, isNodeKind, nodeCatalog, nodeKinds, outcomesOf } from './catalog.ts';
export { formatDuration, MAX_DURATION_LENGTH, parseIsoDuration, toIsoDuration } from './duration.ts';
export { MAX_EDGES, MAX_FORMS, MAX_NODES, WORKFLOW_SCHEMA_ID, workflowDefinitionSchema } from './definition-schema.ts';
export { assertValidDefinition, DefinitionError, MAX_DEPTH, MAX_ERRORS, validateDefinition } from './validate.ts';
export { createAjv } from './ajv.ts';
export { OPERATORS } from './schema-parts.ts';
export { escapePointerSegment, parsePointer, pointer, resolvePointer } from './json-pointer.ts';

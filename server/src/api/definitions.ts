// The edge check for workflow definitions: the shared validator from @flowdesk/schema (the same code the
// designer and template installer run), its issues turned into API error details under a request pointer.
import { validateDefinition, type ValidationIssue, type WorkflowDefinition } from '@flowdesk/schema';
import { FlowdeskError, invalidInput, type ErrorDetail } from '../errors.ts';

export { validateDefinition };

export function issueDetails(issues: readonly ValidationIssue[], prefix: string): ErrorDetail[] {
  return issues.map((issue) => {
    const path = `${prefix}${issue.path}`;
    return { path, message: `${path}: ${issue.message}` };
  });
}

function summary(details: ErrorDetail[], what: string): string {
  const first = details[0]?.message ?? 'is invalid';
  return details.length > 1 ? `${what} has ${details.length} errors; first: ${first}` : `${what} is invalid: ${first}`;
}

/** Returns the definition when valid (warnings allowed); throws 400 FD_INVALID_INPUT listing every error otherwise. */
export function requireValidDefinition(doc: unknown, prefix = '/body/definition'): WorkflowDefinition {
  const result = validateDefinition(doc);
  if (!result.valid) {
    const details = issueDetails(result.errors, prefix);
    throw invalidInput(summary(details, 'the workflow definition'), details);
  }
  return doc as WorkflowDefinition;
}

/** Publishing re-checks the stored draft (the validator may have grown stricter since it was saved). */
export function requirePublishableDraft(draft: unknown): WorkflowDefinition {
  const result = validateDefinition(draft);
  if (!result.valid) {
    const details = issueDetails(result.errors, '/draft');
    throw new FlowdeskError('FD_DRAFT_INVALID', 409, summary(details, 'the draft'), details);
  }
  return draft as WorkflowDefinition;
}

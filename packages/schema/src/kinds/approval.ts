import { escalationOutcomes } from '../node-spec.ts';
import type { NodeSpec } from '../node-spec.ts';
import { assigneeSchema, escalationsSchema, list, object, text } from '../schema-parts.ts';

export const approvalSpec: NodeSpec<'approval'> = {
  kind: 'approval',
  version: 1,
  label: 'Approval',
  description: 'Waits until enough approvers approve (n of m) or enough reject.',
  category: 'human',
  behaviour: 'waiting',
  paramsSchema: object(
    'Approval parameters.',
    {
      title: text('What is being approved, shown to the approvers.'),
      approvers: list('Who may approve.', assigneeSchema, 20, { minItems: 1 }),
      required: { type: 'integer', minimum: 1, maximum: 100, description: 'Approvals needed (n of m). Default 1.' },
      rejectionsToReject: { type: 'integer', minimum: 1, maximum: 100, description: 'Rejections that end the approval as rejected. Default 1.' },
      escalations: escalationsSchema,
    },
    ['title', 'approvers'],
  ),
  defaults: { title: 'Approve the request', approvers: [{ type: 'role', role: 'manager' }], required: 1 },
  outcomes: (params) => [
    { name: 'approved', label: 'Approved' },
    { name: 'rejected', label: 'Rejected' },
    ...escalationOutcomes(params.escalations),
  ],
};

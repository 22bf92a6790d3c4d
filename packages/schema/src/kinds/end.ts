import type { NodeSpec } from '../node-spec.ts';
import { object } from '../schema-parts.ts';

export const endSpec: NodeSpec<'end'> = {
  kind: 'end',
  version: 1,
  label: 'End',
  description: 'Ends the run and sets the ticket status.',
  category: 'flow',
  behaviour: 'final',
  paramsSchema: object(
    'End parameters.',
    { status: { type: 'string', enum: ['resolved', 'closed', 'cancelled'], description: 'Ticket status when the run ends here.' } },
    ['status'],
  ),
  defaults: { status: 'resolved' },
  outcomes: () => [],
};

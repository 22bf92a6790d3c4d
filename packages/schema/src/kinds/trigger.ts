import type { NodeSpec } from '../node-spec.ts';
import { object, topLevelConditionRef, withConditions } from '../schema-parts.ts';

export const triggerSpec: NodeSpec<'trigger'> = {
  kind: 'trigger',
  version: 1,
  label: 'Trigger',
  description: 'Starts the workflow when a ticket event happens and the optional conditions hold.',
  category: 'flow',
  behaviour: 'start',
  paramsSchema: withConditions(
    object(
      'Trigger parameters.',
      {
        event: {
          type: 'string',
          enum: ['ticket.created', 'ticket.updated', 'manual'],
          description: 'Ticket event that starts a run.',
        },
        conditions: topLevelConditionRef('Conditions over the ticket that must hold for the run to start.'),
      },
      ['event'],
    ),
  ),
  defaults: { event: 'ticket.created' },
  outcomes: () => [{ name: 'next', label: 'Next' }],
};

import { escalationOutcomes } from '../node-spec.ts';
import type { NodeSpec, OutcomeSpec } from '../node-spec.ts';
import { businessHoursProperties, duration, escalationsSchema, list, name, object } from '../schema-parts.ts';

export const waitSpec: NodeSpec<'wait'> = {
  kind: 'wait',
  version: 1,
  label: 'Wait',
  description: 'Waits for a duration to elapse and/or a ticket event; needs at least one of the two.',
  category: 'time',
  behaviour: 'waiting',
  paramsSchema: object(
    'Wait parameters.',
    {
      duration: duration('Leave by "elapsed" after this long (ISO 8601, e.g. "PT30M").'),
      // businessHours / calendar qualify `duration` (escalations carry their own).
      ...businessHoursProperties,
      resumeOn: list('Leave by "resumed" when one of these ticket events arrives, e.g. "customer.replied".', name('Event name.'), 20, {
        minItems: 1,
        uniqueItems: true,
      }),
      escalations: escalationsSchema,
    },
    [],
    // Without a duration or an event the node could only leave by escalation: a wait needs a way out.
    { anyOf: [{ required: ['duration'] }, { required: ['resumeOn'] }] },
  ),
  defaults: { duration: 'PT1H' },
  outcomes(params) {
    const out: OutcomeSpec[] = [];
    if (params.duration !== undefined) out.push({ name: 'elapsed', label: 'Elapsed', declaredAt: '/duration' });
    if (params.resumeOn?.length) out.push({ name: 'resumed', label: 'Resumed', declaredAt: '/resumeOn' });
    return [...out, ...escalationOutcomes(params.escalations)];
  },
};

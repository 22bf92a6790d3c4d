import { escalationOutcomes } from '../node-spec.ts';
import type { NodeSpec } from '../node-spec.ts';
import { assigneeSchema, escalationsSchema, id, list, object, text } from '../schema-parts.ts';

export const taskSpec: NodeSpec<'task'> = {
  kind: 'task',
  version: 1,
  label: 'Human task',
  description: 'Waits for a person to submit the form with one of its actions; each action is an outcome.',
  category: 'human',
  behaviour: 'waiting',
  paramsSchema: object(
    'Task parameters.',
    {
      title: text('Task title shown in the agent inbox.'),
      assignee: assigneeSchema,
      form: id('Key of the form (in the definition\'s forms) the assignee fills in.'),
      actions: list(
        'Buttons that submit the form; each action id is an outcome.',
        object('One form action.', { id: id('Outcome name taken when submitted with this action.'), label: text('Button label.', 100) }, ['id', 'label']),
        20,
        { minItems: 1 },
      ),
      escalations: escalationsSchema,
    },
    ['title', 'assignee', 'actions'],
  ),
  defaults: { title: 'New task', assignee: { type: 'role', role: 'agent' }, actions: [{ id: 'done', label: 'Done' }] },
  outcomes: (params) => [
    ...params.actions.map((a, i) => ({ name: a.id, label: a.label, declaredAt: `/actions/${i}/id` })),
    ...escalationOutcomes(params.escalations),
  ],
};

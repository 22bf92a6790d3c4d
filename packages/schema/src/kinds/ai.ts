// The five AI kinds share the base params (provider, model, threshold) and the shape of their
// outcomes: a confident result, a hand-off to a human, and an optional error.
import { errorOutcome } from '../node-spec.ts';
import type { NodeSpec, OutcomeSpec } from '../node-spec.ts';
import { aiBaseProperties, id, list, name, object, text } from '../schema-parts.ts';

const outcomes = (ok: [string, string], handoff: [string, string]): (() => OutcomeSpec[]) => {
  const list: OutcomeSpec[] = [
    { name: ok[0], label: ok[1] },
    { name: handoff[0], label: handoff[1] },
    errorOutcome,
  ];
  return () => list.map((o) => ({ ...o }));
};

export const aiClassifySpec: NodeSpec<'ai.classify'> = {
  kind: 'ai.classify',
  version: 1,
  label: 'AI classify',
  description: 'Predicts a label for a ticket field (e.g. category) from the ticket text.',
  category: 'ai',
  behaviour: 'work',
  paramsSchema: object(
    'Classification parameters.',
    {
      ...aiBaseProperties,
      field: name('Ticket field the predicted label is written to, e.g. "category".'),
      labels: list('Allowed labels; empty means the labels learned from past tickets.', text('A label.', 100), 200, { uniqueItems: true }),
    },
    ['field'],
  ),
  defaults: { field: 'category' },
  outcomes: outcomes(['done', 'Classified'], ['low_confidence', 'Low confidence']),
};

export const aiSentimentSpec: NodeSpec<'ai.sentiment'> = {
  kind: 'ai.sentiment',
  version: 1,
  label: 'AI sentiment',
  description: 'Scores the customer sentiment of the ticket.',
  category: 'ai',
  behaviour: 'work',
  paramsSchema: object('Sentiment parameters.', { ...aiBaseProperties }),
  defaults: {},
  outcomes: outcomes(['done', 'Scored'], ['low_confidence', 'Low confidence']),
};

export const aiAssignSpec: NodeSpec<'ai.assign'> = {
  kind: 'ai.assign',
  version: 1,
  label: 'AI assign',
  description: 'Picks an agent by skills, load, availability and history.',
  category: 'ai',
  behaviour: 'work',
  paramsSchema: object('Assignment parameters.', {
    ...aiBaseProperties,
    team: id('Only pick agents of this team.'),
  }),
  defaults: {},
  outcomes: outcomes(['assigned', 'Assigned'], ['no_agent', 'No agent']),
};

export const aiRecommendSpec: NodeSpec<'ai.recommend'> = {
  kind: 'ai.recommend',
  version: 1,
  label: 'AI recommend',
  description: 'Finds knowledge-base articles relevant to the ticket.',
  category: 'ai',
  behaviour: 'work',
  paramsSchema: object('Recommendation parameters.', {
    ...aiBaseProperties,
    topK: { type: 'integer', minimum: 1, maximum: 20, description: 'How many articles to return at most.' },
  }),
  defaults: { topK: 3 },
  outcomes: outcomes(['found', 'Found'], ['none', 'None found']),
};

export const aiDraftSpec: NodeSpec<'ai.draft'> = {
  kind: 'ai.draft',
  version: 1,
  label: 'AI draft',
  description: 'Drafts a reply from the knowledge base; hands off to a human when unsure.',
  category: 'ai',
  behaviour: 'work',
  paramsSchema: object('Draft parameters.', {
    ...aiBaseProperties,
    autoSend: {
      description:
        'When a draft may be sent without a human. Default false: never (the draft becomes an internal note for an agent). ' +
        'A policy { minConfidence, categories } sends a draft whose confidence reaches minConfidence (and the node threshold) for a ticket ' +
        'whose category is listed ("*" = any). true sends every draft above the node threshold (kept for older workflows). ' +
        'A ticket suspected of prompt injection, or a draft that replaced a rejected LLM answer, is never sent.',
      oneOf: [
        { type: 'boolean', title: 'on/off', description: 'false: never; true: any category above the node threshold.' },
        object(
          'Auto-send policy.',
          {
            minConfidence: { type: 'number', minimum: 0, maximum: 1, description: 'Lowest draft confidence that may be sent.' },
            categories: list('Ticket categories whose drafts may be sent; "*" means any.', text('A category.', 100), 200, { minItems: 1, uniqueItems: true }),
          },
          ['minConfidence', 'categories'],
          { title: 'policy' },
        ),
      ],
    },
  }),
  defaults: { autoSend: false },
  outcomes: outcomes(['drafted', 'Drafted'], ['handoff', 'Hand off']),
};

// Agent assignment as a pure function. Absent agents and agents at capacity are never chosen. The others
// are scored on skill match with the predicted category (0.45), spare capacity (0.25) and history on the
// category (0.30: smoothed resolution rate and speed; neutral without history). Ties (equal scores to
// 4 decimals) go round-robin: the first tied agent after the `cursor` (last assigned) in the list order.
import type { AgentProfile, AssignOutput } from '../provider.ts';

export const ASSIGN_WEIGHTS = { skill: 0.45, load: 0.25, history: 0.3 } as const;

export interface AssignResult {
  output: AssignOutput;
  confidence: number;
  explanation: string;
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export function scoreAgent(agent: AgentProfile, category: string | null): { score: number; parts: Record<string, number> } {
  const skill = category === null ? 0.5 : agent.skills.some((s) => same(s, category)) ? 1 : 0;
  const load = agent.capacity > 0 ? Math.max(0, 1 - agent.openTickets / agent.capacity) : 0;
  const h = category === null ? undefined : Object.entries(agent.history ?? {}).find(([k]) => same(k, category))?.[1];
  // Resolution rate with a Beta(1,1) prior; speed 1 at 0 h, 0.5 at 24 h.
  const rate = h ? (h.resolved + 1) / (h.total + 2) : 0.5;
  const speed = h && h.total > 0 ? 1 / (1 + Math.max(0, h.avgHours) / 24) : 0.5;
  const history = 0.6 * rate + 0.4 * speed;
  const score = ASSIGN_WEIGHTS.skill * skill + ASSIGN_WEIGHTS.load * load + ASSIGN_WEIGHTS.history * history;
  const r = (x: number) => Math.round(x * 10000) / 10000;
  return { score: r(score), parts: { skill: r(skill), load: r(load), history: r(history) } };
}

export function assignAgent(agents: readonly AgentProfile[], category: string | null, cursor?: string | null): AssignResult {
  const excluded: AssignOutput['excluded'] = [];
  const eligible: { agent: AgentProfile; index: number; score: number; parts: Record<string, number> }[] = [];
  agents.forEach((agent, index) => {
    if (!agent.available) excluded.push({ agentId: agent.id, reason: 'not available' });
    else if (agent.openTickets >= agent.capacity) excluded.push({ agentId: agent.id, reason: `at capacity (${agent.openTickets}/${agent.capacity})` });
    else eligible.push({ agent, index, ...scoreAgent(agent, category) });
  });
  if (eligible.length === 0) {
    return {
      output: { agentId: null, ranking: [], excluded },
      confidence: 0,
      explanation: agents.length === 0 ? 'No agents to choose from.' : 'No agent is available with spare capacity.',
    };
  }
  const top = Math.max(...eligible.map((e) => e.score));
  const tied = eligible.filter((e) => e.score === top);
  const cursorIndex = cursor ? agents.findIndex((a) => a.id === cursor) : -1;
  const winner = tied.find((e) => e.index > cursorIndex) ?? (tied[0] as (typeof tied)[number]);
  const ranking = [...eligible]
    .sort((a, b) => b.score - a.score || (a === winner ? -1 : b === winner ? 1 : a.index - b.index))
    .map((e) => ({ agentId: e.agent.id, score: e.score, parts: e.parts }));
  const p = winner.parts;
  const who = winner.agent.name ?? winner.agent.id;
  const reasons = [
    category === null ? 'no category predicted' : p.skill === 1 ? `has the "${category}" skill` : `lacks the "${category}" skill`,
    `load ${winner.agent.openTickets}/${winner.agent.capacity}`,
    (() => {
      const h = category ? Object.entries(winner.agent.history ?? {}).find(([k]) => same(k, category))?.[1] : undefined;
      return h ? `resolved ${h.resolved}/${h.total} "${category}" tickets, avg ${h.avgHours} h` : 'no history on this category';
    })(),
  ];
  const tieNote = tied.length > 1 ? `; tie between ${tied.length} agents broken round-robin` : '';
  return {
    output: { agentId: winner.agent.id, ranking, excluded },
    // Confidence: the winner's score (a perfect skill/load/history fit is 1).
    confidence: winner.score,
    explanation: `Assigned to ${who} (score ${winner.score.toFixed(3)}): ${reasons.join(', ')}${tieNote}.`,
  };
}

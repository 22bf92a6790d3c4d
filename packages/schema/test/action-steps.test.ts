// The ticket-changing action steps added with the ticketing core: reply, assign, setStatus.
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../src/validate.ts';
import { definition, edge, node } from './helpers.ts';

function withSteps(steps: unknown[]) {
  return definition(
    [node('start', 'trigger', { event: 'ticket.created' }), node('act', 'action', { steps }), node('end', 'end', { status: 'resolved' })],
    [edge('start', 'next', 'act'), edge('act', 'done', 'end')],
  );
}
const errors = (steps: unknown[]) => validateDefinition(withSteps(steps)).errors.map((e) => ({ path: e.path, message: e.message }));

describe('action steps reply / assign / setStatus', () => {
  it('accepts well-formed steps', () => {
    const result = validateDefinition(
      withSteps([
        { type: 'reply', body: 'Hello {{customer.name}}, about #{{ticket.number}}' },
        { type: 'reply', body: 'note', visibility: 'internal' },
        { type: 'assign', agentId: '8a0e4a1c-5b1f-4a47-9f61-2c4b8a9d0e11' },
        { type: 'assign', teamId: '8a0e4a1c-5b1f-4a47-9f61-2c4b8a9d0e12' },
        { type: 'setStatus', status: 'waiting_customer' },
      ]),
    );
    expect(result.errors).toEqual([]);
  });

  it('points at the bad field of each step', () => {
    const found = errors([
      { type: 'reply', body: '' },
      { type: 'reply', body: 'x', visibility: 'secret' },
      { type: 'assign', agentId: 'bob' },
      { type: 'assign' },
      { type: 'setStatus', status: 'done' },
      { type: 'setStatus' },
    ]);
    const paths = found.map((e) => e.path);
    expect(paths).toContain('/nodes/1/params/steps/0/body');
    expect(paths).toContain('/nodes/1/params/steps/1/visibility');
    expect(paths).toContain('/nodes/1/params/steps/2/agentId');
    expect(paths.some((p) => p.startsWith('/nodes/1/params/steps/3'))).toBe(true);
    expect(paths).toContain('/nodes/1/params/steps/4/status');
    expect(paths).toContain('/nodes/1/params/steps/5/status');
    expect(found.find((e) => e.path === '/nodes/1/params/steps/2/agentId')?.message).toMatch(/UUID/);
  });
});

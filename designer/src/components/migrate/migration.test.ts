import type { WorkflowDefinition } from '@flowdesk/schema';
import { describe, expect, it } from 'vitest';
import { defaultMapping, mappingBody, problemsByState, runsText, targetOptions } from './migration.ts';

const at = { x: 0, y: 0 };
const target = {
  schemaVersion: 1, key: 'k', name: 'K',
  nodes: [
    { id: 'start', kind: 'trigger', position: at, params: { event: 'manual' } },
    { id: 'work', kind: 'group', name: 'Work', position: at, params: { initial: 'review' } },
    { id: 'review', kind: 'task', name: 'Review', parentId: 'work', position: at, params: { title: 'R', assignee: { type: 'ai' }, actions: [{ id: 'ok', label: 'OK' }] } },
    { id: 'done', kind: 'end', position: at, params: { status: 'resolved' } },
  ],
  edges: [],
} as unknown as WorkflowDefinition;

describe('the migrate page model', () => {
  it('offers every node a run can be re-entered at: not the trigger, not a group', () => {
    expect(targetOptions(target)).toEqual([
      { id: 'review', kind: 'task', label: 'Review (review)' },
      { id: 'done', kind: 'end', label: 'done' },
    ]);
  });

  it('pre-fills identical ids only where the target has such a node', () => {
    expect(defaultMapping(['review', 'approve', 'start', 'work'], target)).toEqual({ review: 'review' });
    expect(mappingBody({ review: 'review', approve: '' })).toEqual({ review: 'review' });
  });

  it('sorts the server\'s problems by the state in their pointer (RFC 6901 escapes decoded); others under ""', () => {
    const byState = problemsByState([
      { path: '/body/mapping/a~1b', message: '/body/mapping/a~1b: 2 runs are at node "a/b", which version 2 does not have' },
      { path: '/body/mapping/x~0y', message: 'plain message' },
      { path: '/body/confirm', message: '/body/confirm: must be 3' },
    ]);
    expect([...byState]).toEqual([
      ['a/b', ['2 runs are at node "a/b", which version 2 does not have']],
      ['x~y', ['plain message']],
      ['', ['/body/confirm: must be 3']],
    ]);
    expect(runsText(1)).toBe('1 run');
    expect(runsText(0)).toBe('0 runs');
  });
});

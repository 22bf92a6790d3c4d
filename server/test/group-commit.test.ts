// combine(): how a group of events' statements becomes one pipelined batch. Run writes keep their order;
// pg-boss inserts marked mergeable become one insert per statement name with the JSON arrays concatenated;
// anything unusual is left alone rather than merged.
import { describe, expect, it } from 'vitest';
import { combine } from '../src/runtime/group-commit.ts';
import type { BatchStatement } from '../src/runtime/pg-batch.ts';

const write = (run: string): BatchStatement => ({ name: 'write_steps', text: 'UPDATE runs …', values: [run] });
const jobs = (queue: string, rows: unknown[]): BatchStatement => ({ name: `jobs_${queue}`, text: `INSERT INTO ${queue} …`, values: [JSON.stringify(rows)], merge: 'json-array' });

describe('combine', () => {
  it('keeps each run write, in member order, and merges the job inserts per queue', () => {
    const { statements, positions } = combine([
      { statements: [write('r1'), jobs('work', [{ id: 1 }]), jobs('timer', [{ id: 2 }])] },
      { statements: [write('r2'), jobs('work', [{ id: 3 }, { id: 4 }])] },
      { statements: [write('r3')] },
    ]);
    expect(statements.map((s) => s.name)).toEqual(['write_steps', 'write_steps', 'write_steps', 'jobs_work', 'jobs_timer']);
    expect(statements.slice(0, 3).map((s) => s.values[0])).toEqual(['r1', 'r2', 'r3']);
    expect(JSON.parse(statements[3]!.values[0] as string)).toEqual([{ id: 1 }, { id: 3 }, { id: 4 }]);
    expect(JSON.parse(statements[4]!.values[0] as string)).toEqual([{ id: 2 }]);
    // Each member's statement i points at the combined statement carrying it.
    expect(positions).toEqual([[0, 3, 4], [1, 3], [2]]);
  });

  it('leaves a single member unchanged and never merges what is not a JSON array', () => {
    const alone = [write('r1'), jobs('work', [{ id: 1 }])];
    expect(combine([{ statements: alone }]).statements).toEqual(alone);
    const odd: BatchStatement = { name: 'jobs_work', text: 'INSERT INTO work …', values: ['not an array'], merge: 'json-array' };
    const { statements } = combine([{ statements: [odd] }, { statements: [jobs('work', [{ id: 5 }])] }]);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toBe(odd);
  });

  it('refuses one prepared-statement name with two texts', () => {
    const other: BatchStatement = { ...jobs('work', [{ id: 9 }]), text: 'INSERT INTO elsewhere …' };
    expect(() => combine([{ statements: [jobs('work', [{ id: 1 }])] }, { statements: [other] }])).toThrow(/used for a different text/);
  });
});

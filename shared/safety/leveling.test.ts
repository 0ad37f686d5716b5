import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { levelLoads, type LevelUnit } from './leveling.js';

interface Unit extends LevelUnit {
  name: string;
  allowed: number[];
}

const unit = (name: string, bin: number, allowed: number[], group = name.charCodeAt(0)): Unit => ({ name, bin, group, allowed });

function level(loads: number[], units: Unit[]): { loads: number[]; moves: string[] } {
  const moves: string[] = [];
  levelLoads(
    loads,
    units,
    (u, bin) => u.allowed.includes(bin),
    (u, from, to) => moves.push(`${u.name}:${from}->${to}`),
  );
  return { loads, moves };
}

describe('levelLoads', () => {
  it('moves a unit straight from a heavy bin to a light one', () => {
    assert.deepEqual(level([3, 1], [unit('a', 0, [0, 1])]), { loads: [2, 2], moves: ['a:0->1'] });
  });

  it('uses a chain when no unit can go straight to the light bin', () => {
    // a (bin 0) may only go to bin 1, b (bin 1) only to bin 2: 0 -> 1 -> 2.
    const result = level([3, 2, 1], [unit('a', 0, [0, 1]), unit('b', 1, [1, 2])]);
    assert.deepEqual(result.loads, [2, 2, 2]);
    assert.deepEqual(result.moves.sort(), ['a:0->1', 'b:1->2']);
  });

  it('raises the lightest bin when the heaviest cannot shed load', () => {
    // Bin 0 is heavy with fixed load; bin 1 can give to bin 2.
    const result = level([9, 4, 1], [unit('a', 1, [1, 2]), unit('b', 1, [1, 2]), unit('c', 1, [1, 2])]);
    assert.deepEqual(result.loads, [9, 3, 2]);
  });

  it('stops when nothing can move', () => {
    assert.deepEqual(level([5, 0], [unit('a', 0, [0])]), { loads: [5, 0], moves: [] });
  });

  it('never uses two units of one group in a single chain', () => {
    // The only chain 0 -> 1 -> 2 needs a and b, which share a group.
    const result = level([3, 2, 1], [unit('a', 0, [0, 1], 7), unit('b', 1, [1, 2], 7)]);
    assert.deepEqual(result.moves, []);
  });

  it('handles no bins and one bin', () => {
    assert.equal(levelLoads([], [], () => true, () => undefined), 0);
    assert.equal(levelLoads([4], [unit('a', 0, [0])], () => true, () => undefined), 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitUnits, type FitGroup, type FitInput, type FitUnit } from './disk-fit.js';

/** Each unit its own partition, every bin its own rack: only bytes constrain. */
function input(limits: number[], placed: number[][], base = limits.map(() => 0), workBudget?: number): FitInput {
  const units: FitUnit[] = [];
  const groups: FitGroup[] = [];
  placed.forEach((sizes, bin) => {
    for (const size of sizes) {
      groups.push({ keptBins: [], keptRacks: [], units: [units.length], requiredRacks: 1 });
      units.push({ bin, size, group: groups.length - 1 });
    }
  });
  return { binRacks: limits.map((_, i) => i), base, allowed: limits, units, groups, ...(workBudget === undefined ? {} : { workBudget }) };
}

const binsOf = (fit: FitInput): number[][] =>
  fit.allowed.map((_, bin) => fit.units.filter((u) => u.bin === bin).map((u) => u.size).sort((a, b) => b - a));

describe('fitUnits', () => {
  const cases: Array<{ name: string; limits: number[]; placed: number[][]; base?: number[]; budget?: number; fits: boolean; why?: string; after?: number[][] }> = [
    { name: 'leaves a placement that fits alone', limits: [10, 10], placed: [[5], [5]], fits: true, after: [[5], [5]] },
    { name: 'moves the smallest replica that ends the overflow', limits: [10, 10], placed: [[6, 3, 2], []], fits: true, after: [[6, 3], [2]] },
    { name: 'swaps when no single move fits', limits: [10, 10], placed: [[6, 5], [5, 4]], fits: true, after: [[5, 5], [6, 4]] },
    { name: 'a bin already past its limit takes nothing more', limits: [10, 10], placed: [[], [9]], base: [11, 0], fits: true, after: [[], [9]] },
    { name: 'no limit on a bin of unknown capacity', limits: [10, Infinity], placed: [[8, 8], []], fits: true, after: [[8], [8]] },
    { name: 'refuses when the total exceeds all the room: proven', limits: [10, 10], placed: [[8, 8], [5]], fits: false, why: 'total' },
    { name: 'refuses when one replica fits nowhere: proven', limits: [10, 10], placed: [[11], []], fits: false, why: 'unit' },
    { name: 'refuses after trying every placement: proven', limits: [10, 10], placed: [[6, 6], [6]], fits: false, why: 'search' },
    { name: 'says when the search stopped early: not proven', limits: [10, 10], placed: [[6, 6], [6]], budget: 1, fits: false, why: 'budget' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const fit = input(c.limits, c.placed, c.base, c.budget);
      const outcome = fitUnits(fit);
      assert.equal(outcome.fits, c.fits);
      if (!outcome.fits) assert.equal(outcome.why, c.why);
      if (c.after !== undefined) assert.deepEqual(binsOf(fit), c.after);
    });
  }

  it('finds a packing that only the exhaustive search sees', () => {
    // {8,8} is 6 over; the room is on bin 2 (6), and bin 1 is full. Relocating fails,
    // one swap (8 for 6) still leaves bin 0 over; only {8,2} {8,2} {6,6} fits.
    const fit = input([10, 10, 12], [[8, 8], [2, 2, 6], [6]]);
    assert.equal(fitUnits(fit).fits, true);
    assert.deepEqual(binsOf(fit).map((sizes) => sizes.reduce((a, b) => a + b, 0)), [10, 10, 12]);
  });

  it('never puts two replicas of a partition on one bin, nor one where the partition stays', () => {
    // Partition A keeps a replica on bin 1 and places two units; bin 0 is full.
    const units: FitUnit[] = [
      { bin: 0, size: 5, group: 0 },
      { bin: 2, size: 5, group: 0 },
    ];
    const groups: FitGroup[] = [{ keptBins: [1], keptRacks: [1], units: [0, 1], requiredRacks: 1 }];
    const fit: FitInput = { binRacks: [0, 1, 2, 3], base: [8, 0, 0, 0], allowed: [10, 100, 100, 100], units, groups };
    assert.equal(fitUnits(fit).fits, true);
    assert.deepEqual(units.map((u) => u.bin).sort(), [2, 3]);
  });

  it('keeps the racks a partition spans', () => {
    // Bins 0,1 in rack 0, bin 2 in rack 1. The partition keeps a replica in rack 0 and must span 2 racks:
    // its unit may only go to bin 2, which is full, so nothing fits although bin 1 has room.
    const units: FitUnit[] = [{ bin: 2, size: 5, group: 0 }];
    const groups: FitGroup[] = [{ keptBins: [0], keptRacks: [0], units: [0], requiredRacks: 2 }];
    const outcome = fitUnits({ binRacks: [0, 0, 1], base: [0, 0, 8], allowed: [100, 100, 10], units, groups });
    assert.equal(outcome.fits, false);
    assert.equal(units[0]?.bin, 2);
  });
});

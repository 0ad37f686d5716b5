/**
 * Fitting moved replicas into the room each broker has: the step the drain
 * planner takes when its balanced placement would fill a broker's disk past
 * the limit (issue 10, "Moves never overfill a disk").
 *
 * The problem, in bins (target brokers) and units (replicas to place):
 * - a bin starts with `base` bytes (what it holds now; replicas that leave it
 *   are counted until they have left) and may end with at most `allowed`
 *   bytes when it receives anything (Infinity: capacity unknown, no limit). A
 *   bin already past its limit may keep what it has but take nothing more;
 * - a unit belongs to a group (its partition): no two replicas of a group on
 *   one bin, none on a bin where the group keeps a replica, and the group
 *   must span at least `requiredRacks` racks (the planner's first placement
 *   spans the most it can, and fitting never trades that away).
 *
 * Three passes, cheapest first, each only when the one before left a bin over:
 * 1. relocate units off bins past their limit onto bins with room (the unit
 *    that alone ends the overflow, else the largest that fits elsewhere);
 * 2. swap a unit on a bin past its limit with a smaller one elsewhere;
 * 3. an exact depth-first search over every placement (largest units first,
 *    bins with most room first).
 * Each pass stops after `workBudget` steps (a step: one bin or unit looked at),
 * so a large drain that does not fit is refused in well under a second. Bin
 * packing is NP-hard, so the search may stop before it has tried every
 * placement: the outcome says whether "does not fit" is proven (a total or a
 * single replica too large, or the search ran to the end) or only not found.
 */

export interface FitUnit {
  /** The bin the unit sits in; updated when the fit moves it. */
  bin: number;
  readonly size: number;
  /** Index into `groups`. */
  readonly group: number;
}

export interface FitGroup {
  /** Bins where the partition keeps a replica: none of its units may go there. */
  readonly keptBins: readonly number[];
  /** Racks of the replicas it keeps, bins or not. */
  readonly keptRacks: readonly number[];
  /** Indexes into the units array. */
  readonly units: readonly number[];
  /** The fewest distinct racks the partition may span once placed. */
  readonly requiredRacks: number;
}

export interface FitInput {
  binRacks: ArrayLike<number>;
  base: readonly number[];
  allowed: readonly number[];
  units: FitUnit[];
  groups: readonly FitGroup[];
  /** Most steps each pass takes (default DEFAULT_WORK_BUDGET). */
  workBudget?: number;
}

export type FitOutcome =
  | { fits: true; /** Units moved from the placement given. */ relocated: number }
  | {
      fits: false;
      /**
       * 'total': the units outweigh all the room there is; 'unit': some unit fits on
       * no bin it may use; 'search': every placement was tried; 'budget': the search
       * stopped first, so a fitting placement may exist that was not found.
       */
      why: 'total' | 'unit' | 'search' | 'budget';
      /** Bytes per bin in the best placement found (the units are left in it). */
      bytes: number[];
      /** How much more room the bins need at least, over all of them: the units' bytes minus all the room there is (0 when unknown). */
      shortfallAtLeast: number;
      placementsTried: number;
    };

export const DEFAULT_WORK_BUDGET = 20_000_000;

/** Moves `units` (their `bin`) until every bin that receives one is within its limit, when it can. */
export function fitUnits(input: FitInput): FitOutcome {
  const { binRacks, allowed, units, groups } = input;
  const binCount = input.base.length;
  const bytes = [...input.base];
  const count = new Array<number>(binCount).fill(0);
  const unitsIn: Set<number>[] = Array.from({ length: binCount }, () => new Set<number>());
  units.forEach((unit, i) => {
    bytes[unit.bin] = (bytes[unit.bin] ?? 0) + unit.size;
    count[unit.bin] = (count[unit.bin] ?? 0) + 1;
    unitsIn[unit.bin]?.add(i);
  });
  const limit = (bin: number): number => allowed[bin] ?? Infinity;
  const overflow = (bin: number): number => ((count[bin] ?? 0) > 0 ? (bytes[bin] ?? 0) - limit(bin) : 0);
  const overBins = (): number[] =>
    [...Array(binCount).keys()].filter((bin) => overflow(bin) > 0).sort((a, b) => overflow(b) - overflow(a) || a - b);
  const room = (bin: number): number => limit(bin) - (bytes[bin] ?? 0);
  const relocate = (unitIndex: number, to: number): void => {
    const unit = units[unitIndex];
    if (unit === undefined) return;
    const from = unit.bin;
    unitsIn[from]?.delete(unitIndex);
    unitsIn[to]?.add(unitIndex);
    bytes[from] = (bytes[from] ?? 0) - unit.size;
    bytes[to] = (bytes[to] ?? 0) + unit.size;
    count[from] = (count[from] ?? 0) - 1;
    count[to] = (count[to] ?? 0) + 1;
    unit.bin = to;
  };
  /** Whether the unit's group stays valid with the unit on `bin` and every other unit where it is. */
  const validAt = (unitIndex: number, bin: number): boolean => {
    const unit = units[unitIndex];
    const group = unit === undefined ? undefined : groups[unit.group];
    if (group === undefined) return false;
    if (group.keptBins.includes(bin)) return false;
    const racks = new Set(group.keptRacks);
    for (const other of group.units) {
      const at = other === unitIndex ? bin : units[other]?.bin ?? -1;
      if (other !== unitIndex && at === bin) return false;
      racks.add(binRacks[at] ?? 0);
    }
    return racks.size >= group.requiredRacks;
  };

  const initialBins = units.map((u) => u.bin);
  let over = overBins();
  if (over.length === 0) return { fits: true, relocated: 0 };
  const budget = input.workBudget ?? DEFAULT_WORK_BUDGET;
  let work = 0;

  // 1. relocations
  for (const bin of over) {
    const here = () => [...(unitsIn[bin] ?? [])].sort((a, b) => (units[b]?.size ?? 0) - (units[a]?.size ?? 0) || a - b);
    while (overflow(bin) > 0 && work < budget) {
      const excess = overflow(bin);
      let chosen = -1;
      let destination = -1;
      // Smallest unit that alone ends the overflow, else the largest: both on the
      // fitting bin with the fewest units (balance), then the most room.
      const candidates = here();
      const enough = candidates.filter((u) => (units[u]?.size ?? 0) >= excess).reverse();
      for (const unitIndex of [...enough, ...candidates.filter((u) => (units[u]?.size ?? 0) < excess)]) {
        const size = units[unitIndex]?.size ?? 0;
        let best = -1;
        work += binCount;
        for (let to = 0; to < binCount; to += 1) {
          if (to === bin || room(to) < size || !validAt(unitIndex, to)) continue;
          if (best === -1 || (count[to] ?? 0) < (count[best] ?? 0) || ((count[to] ?? 0) === (count[best] ?? 0) && room(to) > room(best))) best = to;
        }
        if (best !== -1) {
          chosen = unitIndex;
          destination = best;
          break;
        }
      }
      if (chosen === -1) break;
      relocate(chosen, destination);
    }
  }

  const relocatedFrom = (start: readonly number[]) => units.reduce((n, u, i) => n + (u.bin === start[i] ? 0 : 1), 0);
  over = overBins();
  if (over.length === 0) return { fits: true, relocated: relocatedFrom(initialBins) };

  // Cheap proofs that nothing fits, before the costlier passes.
  const totalUnits = units.reduce((sum, u) => sum + u.size, 0);
  let totalRoom = 0;
  for (let bin = 0; bin < binCount; bin += 1) {
    // A bin's room: what it may still take on top of everything but the units.
    totalRoom += Math.max(0, limit(bin) - (input.base[bin] ?? 0));
  }
  const shortfallAtLeast = Number.isFinite(totalRoom) ? Math.max(0, totalUnits - totalRoom) : 0;
  const bestEffort = (why: 'total' | 'unit' | 'search' | 'budget', placementsTried: number): FitOutcome => ({
    fits: false,
    why,
    bytes: [...bytes],
    shortfallAtLeast,
    placementsTried,
  });
  if (shortfallAtLeast > 0) return bestEffort('total', 0);
  for (const group of groups) {
    for (const unitIndex of group.units) {
      const size = units[unitIndex]?.size ?? 0;
      let anywhere = false;
      for (let bin = 0; bin < binCount && !anywhere; bin += 1) {
        anywhere = !group.keptBins.includes(bin) && limit(bin) - (input.base[bin] ?? 0) >= size;
      }
      if (!anywhere) return bestEffort('unit', 0);
    }
  }
  // 2. swaps: a unit on a bin past its limit for a smaller one on a bin with room for the difference
  over = overBins();
  work = 0;
  for (let guard = 0; over.length > 0 && guard < units.length * 2 && work < budget; guard += 1) {
    let swapped = false;
    for (const a of over) {
      for (const u of unitsIn[a] ?? []) {
        const unit = units[u];
        if (unit === undefined) continue;
        for (let b = 0; b < binCount && !swapped && work < budget; b += 1) {
          if (b === a) continue;
          work += 1 + (unitsIn[b]?.size ?? 0);
          for (const v of unitsIn[b] ?? []) {
            const other = units[v];
            if (other === undefined || other.group === unit.group || other.size >= unit.size) continue;
            if (room(b) < unit.size - other.size) continue;
            // Swap tentatively (the groups differ, so each check sees the other unit's new bin only through its own group).
            unit.bin = b;
            other.bin = a;
            const ok = validAt(u, b) && validAt(v, a);
            unit.bin = a;
            other.bin = b;
            if (!ok) continue;
            relocate(u, b);
            relocate(v, a);
            swapped = true;
            break;
          }
        }
        if (swapped) break;
      }
      if (swapped) break;
    }
    if (!swapped) break;
    over = overBins();
  }
  if (overBins().length === 0) return { fits: true, relocated: relocatedFrom(initialBins) };

  // 3. the exact search
  const search = searchPlacement(input, budget);
  if (search.placement === null) return bestEffort(search.exhausted ? 'search' : 'budget', search.tried);
  search.placement.forEach((bin, i) => {
    const unit = units[i];
    if (unit !== undefined) unit.bin = bin;
  });
  return { fits: true, relocated: relocatedFrom(initialBins) };
}

/**
 * Depth-first search over placements, largest unit first; each unit tries the
 * bins with the most room left first. Iterative (a drain can have thousands of
 * units). Returns the first placement that fits, or null with whether every
 * placement was tried.
 */
function searchPlacement(
  input: FitInput,
  budget: number,
): { placement: number[] | null; exhausted: boolean; tried: number } {
  const { binRacks, allowed, units, groups } = input;
  const binCount = input.base.length;
  const order = units.map((_, i) => i).sort((a, b) => (units[b]?.size ?? 0) - (units[a]?.size ?? 0) || a - b);
  const bytes = [...input.base];
  const placed = new Int32Array(units.length).fill(-1);
  // Units of each group not placed yet, to prune rack diversity early.
  const unplacedInGroup = groups.map((g) => g.units.length);
  const options: number[][] = [];
  const next = new Int32Array(units.length);
  let tried = 0;
  let work = 0;

  const rackCountWith = (group: FitGroup): number => {
    const racks = new Set(group.keptRacks);
    for (const other of group.units) {
      const at = placed[other] ?? -1;
      if (at >= 0) racks.add(binRacks[at] ?? 0);
    }
    return racks.size;
  };
  const candidatesFor = (unitIndex: number): number[] => {
    const unit = units[unitIndex];
    const group = unit === undefined ? undefined : groups[unit.group];
    if (unit === undefined || group === undefined) return [];
    const list: number[] = [];
    work += binCount;
    for (let bin = 0; bin < binCount; bin += 1) {
      if ((allowed[bin] ?? Infinity) - (bytes[bin] ?? 0) < unit.size || group.keptBins.includes(bin)) continue;
      if (group.units.some((other) => other !== unitIndex && placed[other] === bin)) continue;
      list.push(bin);
    }
    const roomOf = (bin: number) => (allowed[bin] ?? Infinity) - (bytes[bin] ?? 0);
    return list.sort((a, b) => roomOf(b) - roomOf(a) || a - b);
  };

  let depth = 0;
  if (order.length === 0) return { placement: [], exhausted: true, tried };
  options[0] = candidatesFor(order[0] ?? 0);
  next[0] = 0;
  for (;;) {
    const unitIndex = order[depth] ?? 0;
    const unit = units[unitIndex];
    const group = unit === undefined ? undefined : groups[unit.group];
    // Undo this depth's previous choice, if any.
    const previous = placed[unitIndex] ?? -1;
    if (previous >= 0 && unit !== undefined && group !== undefined) {
      bytes[previous] = (bytes[previous] ?? 0) - unit.size;
      placed[unitIndex] = -1;
      unplacedInGroup[unit.group] = (unplacedInGroup[unit.group] ?? 0) + 1;
    }
    const list = options[depth] ?? [];
    let advanced = false;
    while ((next[depth] ?? 0) < list.length) {
      const bin = list[next[depth] ?? 0] ?? 0;
      next[depth] = (next[depth] ?? 0) + 1;
      if (unit === undefined || group === undefined) break;
      if (work >= budget) return { placement: null, exhausted: false, tried };
      tried += 1;
      placed[unitIndex] = bin;
      unplacedInGroup[unit.group] = (unplacedInGroup[unit.group] ?? 0) - 1;
      // Rack diversity: even if every unit of the group still to place opened a new rack, enough?
      if (rackCountWith(group) + (unplacedInGroup[unit.group] ?? 0) < group.requiredRacks) {
        placed[unitIndex] = -1;
        unplacedInGroup[unit.group] = (unplacedInGroup[unit.group] ?? 0) + 1;
        continue;
      }
      bytes[bin] = (bytes[bin] ?? 0) + unit.size;
      advanced = true;
      break;
    }
    if (advanced) {
      if (depth === order.length - 1) return { placement: [...placed], exhausted: false, tried };
      depth += 1;
      options[depth] = candidatesFor(order[depth] ?? 0);
      next[depth] = 0;
      continue;
    }
    if (depth === 0) return { placement: null, exhausted: true, tried };
    depth -= 1;
  }
}

/**
 * Evening out loads by relocating movable units along augmenting paths: the
 * step the planner uses after its greedy first pass, for replicas (drain) and
 * for preferred leaders (drain, rebalance).
 *
 * Each unit (a moved replica, a partition's leadership) sits in one bin (a
 * broker) and may move to the bins `canMove` allows. Bins also carry fixed load
 * that cannot move (replicas that stay put). Relocating one unit straight from a
 * heavy to a light bin is not always possible, but a chain of relocations
 * (a -> b, b -> c) moves one unit of load from a to c all the same. When every
 * unit's allowed bins are fixed, a state with no such path from a bin to one
 * that is 2 or more lighter is optimal: the heaviest bin is as light as it can
 * be and the lightest as heavy as it can be (Harvey, Ladner, Lovász, Tamir,
 * "Semi-matchings for bipartite graphs and load balancing", 2006). After a
 * cheap pass of direct moves from above-average to below-average bins, the
 * search below removes such paths, first from the heaviest bins, then into the
 * lightest, until neither exists.
 *
 * `group` ties units whose constraints depend on each other (replicas of one
 * partition): a path uses at most one unit per group, so every hop stays valid
 * when the whole path is applied.
 */

export interface LevelUnit {
  /** Index of the bin the unit sits in; updated as units move. */
  bin: number;
  readonly group: number;
}

/**
 * Moves units between bins until no augmenting path remains; mutates `loads`
 * and each unit's `bin`, calls `onMove` for every relocation. Returns how many
 * units of load were moved (direct moves and paths).
 */
export function levelLoads<Unit extends LevelUnit>(
  loads: number[],
  units: readonly Unit[],
  canMove: (unit: Unit, bin: number) => boolean,
  onMove: (unit: Unit, from: number, to: number) => void,
  /** Optional shortlist of bins worth asking `canMove` about (default: all); only for speed. */
  candidates?: (unit: Unit) => Iterable<number>,
): number {
  const binCount = loads.length;
  const unitsByBin: Set<number>[] = Array.from({ length: binCount }, () => new Set<number>());
  units.forEach((unit, i) => unitsByBin[unit.bin]?.add(i));
  const allBins = Array.from({ length: binCount }, (_, bin) => bin);
  const parent = new Int32Array(binCount);
  const via = new Int32Array(binCount);
  let applied = 0;

  const findPath = (isSource: (bin: number) => boolean, isTarget: (bin: number) => boolean): number => {
    parent.fill(-1);
    via.fill(-1);
    const visited = new Uint8Array(binCount);
    const queue: number[] = [];
    for (let bin = 0; bin < binCount; bin += 1) {
      if (isSource(bin)) {
        visited[bin] = 1;
        queue.push(bin);
      }
    }
    let seen = queue.length;
    for (let head = 0; head < queue.length && seen < binCount; head += 1) {
      const from = queue[head] ?? 0;
      for (const unitIndex of unitsByBin[from] ?? []) {
        const unit = units[unitIndex];
        if (unit === undefined || groupOnPath(from, unit.group)) continue;
        for (const to of candidates?.(unit) ?? allBins) {
          if (visited[to] === 1 || !canMove(unit, to)) continue;
          visited[to] = 1;
          seen += 1;
          parent[to] = from;
          via[to] = unitIndex;
          if (isTarget(to)) return to;
          queue.push(to);
        }
      }
    }
    return -1;
  };

  const groupOnPath = (bin: number, group: number): boolean => {
    for (let at = bin; parent[at] !== -1; at = parent[at] ?? -1) {
      if (units[via[at] ?? -1]?.group === group) return true;
    }
    return false;
  };

  const applyPath = (target: number): void => {
    let at = target;
    while (parent[at] !== -1) {
      const from = parent[at] ?? -1;
      const unitIndex = via[at] ?? -1;
      const unit = units[unitIndex];
      if (unit === undefined) break;
      unitsByBin[from]?.delete(unitIndex);
      unitsByBin[at]?.add(unitIndex);
      unit.bin = at;
      onMove(unit, from, at);
      at = from;
    }
    loads[at] = (loads[at] ?? 0) - 1;
    loads[target] = (loads[target] ?? 0) + 1;
    applied += 1;
  };

  // A cheap first pass for large inputs: each unit in a bin above the average
  // goes straight to its least-loaded allowed bin below the average. Every such
  // move is one the paths below would also make, but finding them one path at a
  // time costs a search each.
  if (binCount >= 2) {
    const total = loads.reduce((sum, load) => sum + load, 0);
    const floorAverage = Math.floor(total / binCount);
    const ceilAverage = Math.ceil(total / binCount);
    units.forEach((unit, unitIndex) => {
      const from = unit.bin;
      if ((loads[from] ?? 0) <= ceilAverage) return;
      let best = -1;
      for (const to of candidates?.(unit) ?? allBins) {
        const load = loads[to] ?? 0;
        if (load >= floorAverage || to === from || !canMove(unit, to)) continue;
        if (best === -1 || load < (loads[best] ?? 0)) best = to;
      }
      if (best === -1) return;
      unitsByBin[from]?.delete(unitIndex);
      unitsByBin[best]?.add(unitIndex);
      unit.bin = best;
      onMove(unit, from, best);
      loads[from] = (loads[from] ?? 0) - 1;
      loads[best] = (loads[best] ?? 0) + 1;
      applied += 1;
    });
  }

  for (;;) {
    if (binCount < 2) return applied;
    let max = -Infinity;
    let min = Infinity;
    for (const load of loads) {
      if (load > max) max = load;
      if (load < min) min = load;
    }
    if (max - min <= 1) return applied;
    let target = findPath(
      (bin) => loads[bin] === max,
      (bin) => (loads[bin] ?? 0) <= max - 2,
    );
    if (target === -1) {
      target = findPath(
        (bin) => (loads[bin] ?? 0) >= min + 2,
        (bin) => loads[bin] === min,
      );
    }
    if (target === -1) return applied;
    applyPath(target);
  }
}

/**
 * Progress of long operations, on stderr (stdout stays for the result, so
 * `-o json` output can be piped). On a terminal one live line is redrawn in
 * place; otherwise (CI, logs, a pipe) plain timestamped lines are written,
 * at most one every few seconds plus one per step, so logs stay readable.
 */
import type { ReassignmentProgress } from '../../shared/plan/reassign.js';
import { formatBytes, formatDuration, formatRate } from '../lib/units.js';

/** Pure: one progress line. */
export function progressLine(label: string, p: ReassignmentProgress): string {
  const parts = [`${label}: batch ${p.batch}/${p.batches}`, `${p.partitionsDone}/${p.partitionsTotal} partitions in sync`];
  if (p.bytesTotal !== null && p.bytesDone !== null) {
    parts.push(`${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`);
    if (p.bytesPerSecond !== null) parts.push(formatRate(p.bytesPerSecond));
  } else {
    parts.push('bytes unknown');
    if (p.partitionsPerSecond !== null) parts.push(`${p.partitionsPerSecond.toFixed(2)} partitions/s`);
  }
  parts.push(p.etaMs === null ? 'time left unknown' : `${formatDuration(p.etaMs)} left`);
  parts.push(`${formatDuration(p.elapsedMs)} elapsed`);
  return parts.join(' · ');
}

export interface Reporter {
  /** A step worth its own line. */
  event(line: string): void;
  progress(label: string, progress: ReassignmentProgress): void;
  /** Ends a live line (before other output). */
  flush(): void;
}

export interface ReporterOptions {
  stream?: NodeJS.WriteStream;
  live?: boolean;
  /** Minimum time between plain progress lines. */
  plainIntervalMs?: number;
  now?: () => Date;
  /** Nothing at all (e.g. -o json piped into a program still gets stderr; --quiet silences it). */
  quiet?: boolean;
}

export function createReporter(options: ReporterOptions = {}): Reporter {
  const stream = options.stream ?? process.stderr;
  const live = options.live ?? stream.isTTY === true;
  const interval = options.plainIntervalMs ?? 5_000;
  const now = options.now ?? (() => new Date());
  let liveShown = false;
  let lastPlain = 0;
  let lastBatch = -1;
  const write = (text: string) => {
    if (options.quiet !== true) stream.write(text);
  };
  const flush = () => {
    if (liveShown) {
      write('\n');
      liveShown = false;
    }
  };
  return {
    event(line) {
      if (live) {
        if (liveShown) write('\r\x1b[2K');
        liveShown = false;
        write(`${line}\n`);
      } else write(`${now().toISOString()} ${line}\n`);
    },
    progress(label, p) {
      const line = progressLine(label, p);
      if (live) {
        const width = stream.columns ?? 120;
        write(`\r\x1b[2K${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
        liveShown = true;
        return;
      }
      const at = now().getTime();
      const finished = p.partitionsDone === p.partitionsTotal;
      if (p.batch !== lastBatch || finished || at - lastPlain >= interval) {
        lastPlain = at;
        lastBatch = p.batch;
        write(`${now().toISOString()} ${line}\n`);
      }
    },
    flush,
  };
}

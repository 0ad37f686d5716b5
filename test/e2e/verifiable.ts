/**
 * "No acknowledged message lost", checked with Kafka's own clients: the
 * VerifiableProducer and VerifiableConsumer of the kafka-tools jar (the
 * sandbox exports its jar directory as KAFKA_LIBS), the Java client Kafka's
 * system tests trust. kafkajs 2.2.4's producer can report an ack for a
 * message a leader change then loses, so it is no reference.
 *
 *   const load = await startVerifiableProducer({ topic });
 *   ... the operation under test ...
 *   const produced = await load.stop();
 *   const check = await readBack(topic, produced);   // check.lost must be []
 *
 * The producer runs with acks=all, enable.idempotence=true and retries; every
 * `producer_send_success` line it prints is an acknowledged message (value,
 * partition, offset). The consumer reads the topic from the start in a fresh
 * group and prints every record (--verbose).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sandboxEnv, uniqueName } from './helpers.js';

const JAVA_OPTS = ['-Xmx192m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

function kafkaLibs(): string {
  const libs = process.env.KAFKA_LIBS;
  if (!libs) throw new Error('KAFKA_LIBS is not set: run end-to-end tests with `npm run test:e2e` (the sandbox exports it)');
  return libs;
}

function javaTool(mainClass: string, args: string[]): ChildProcess {
  return spawn('java', [...JAVA_OPTS, '-cp', join(kafkaLibs(), '*'), mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Calls `onJson` for each JSON line the tool prints on stdout; keeps the last stderr lines for errors. */
function followJson(child: ChildProcess, onJson: (event: Record<string, unknown>) => void): { stderr: string[] } {
  const tail = { stderr: [] as string[] };
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        onJson(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // A partial line from a killed process.
      }
    });
  }
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.stderr.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.stderr.splice(0, Math.max(0, tail.stderr.length - 20));
  });
  return tail;
}

export interface ProducedReport {
  topic: string;
  /** Acknowledged values, each with where Kafka said it was written. */
  acked: Map<string, { partition: number; offset: number }>;
  /** Every acknowledgement in the order the producer printed it, with the producer's clock (ms since the epoch). */
  acks: Ack[];
  /** Send errors the producer reported (not acknowledged, so not required to be read). */
  errors: number;
  durationMs: number;
  /** The longest time a partition took no acknowledged write while the producer ran (see longestWriteGap). */
  writeGap: WriteGap;
}

export interface Ack {
  value: string;
  partition: number;
  timestamp: number;
}

export interface WriteGap {
  ms: number;
  /** The partition of the longest gap (-1 when nothing was acknowledged). */
  partition: number;
}

/**
 * The longest time any partition refused writes, from the producer's ack
 * times: records go to the partitions in turn (RoundRobinPartitioner), so each
 * partition gets one every few milliseconds and a longer silence between two
 * acknowledgements on it is time its leader was gone or its ISR too small. A
 * write refused for a while is retried (idempotently) and acknowledged late,
 * which closes the gap; one never acknowledged is not counted.
 */
export function longestWriteGap(acks: Iterable<{ partition: number; timestamp: number }>): WriteGap {
  const last = new Map<number, number>();
  let gap: WriteGap = { ms: 0, partition: -1 };
  for (const { partition, timestamp } of acks) {
    const previous = last.get(partition);
    if (previous === undefined && gap.partition === -1) gap = { ms: 0, partition };
    if (previous !== undefined && timestamp - previous > gap.ms) gap = { ms: timestamp - previous, partition };
    last.set(partition, Math.max(timestamp, previous ?? timestamp));
  }
  return gap;
}

/** One operation of a run under load: it owns the acknowledgements from its start to the next one's. */
export interface OperationWindow {
  operation: string;
  startedAt: number;
  /** When the next operation started (or the load stopped). */
  endedAt: number;
}

export interface OperationFigures {
  operation: string;
  seconds: number;
  acked: number;
  read: number;
  lost: number;
  duplicates: number;
  writeGap: WriteGap;
}

/**
 * Splits one run's acknowledgements by operation: what each acknowledged, read
 * back, lost and read twice, and its longest write gap. A silence that began
 * before the window counts from the partition's last acknowledgement before
 * it, so a partition the operation silenced at once is measured whole.
 */
export function figuresPerOperation(acks: readonly Ack[], timesRead: ReadonlyMap<string, number>, windows: readonly OperationWindow[]): OperationFigures[] {
  return windows.map((w) => {
    const before = new Map<number, Ack>();
    const inside: Ack[] = [];
    for (const a of acks) {
      if (a.timestamp < w.startedAt) {
        if (a.timestamp >= (before.get(a.partition)?.timestamp ?? -Infinity)) before.set(a.partition, a);
      } else if (a.timestamp < w.endedAt) {
        inside.push(a);
      }
    }
    const values = [...new Set(inside.map((a) => a.value))];
    const read = values.filter((v) => (timesRead.get(v) ?? 0) > 0).length;
    return {
      operation: w.operation,
      seconds: Math.round((w.endedAt - w.startedAt) / 100) / 10,
      acked: values.length,
      read,
      lost: values.length - read,
      duplicates: values.reduce((n, v) => n + Math.max(0, (timesRead.get(v) ?? 0) - 1), 0),
      writeGap: inside.length === 0 ? { ms: 0, partition: -1 } : longestWriteGap([...before.values(), ...inside]),
    };
  });
}

/** The sequence number at the end of a value (`1.417` -> 417, `k-9` -> 9); null when it has none. */
export function sequenceOf(value: string): number | null {
  const m = /(\d+)$/.exec(value);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/** One line for an operation's figures: `N acknowledged, N read, N lost, N duplicates, longest write gap N ms (partition P)`. */
export function zeroLossFigures(produced: ProducedReport, check: ReadBackReport): string {
  return `${check.acked} acknowledged, ${check.read} read, ${check.lost.length} lost, ${check.duplicates} duplicates, ` +
    `longest write gap ${produced.writeGap.ms} ms (partition ${produced.writeGap.partition})`;
}

export interface ProducerRun {
  /** Acknowledged so far. */
  ackedCount(): number;
  /** Stops the producer (SIGTERM: it flushes and reports) and resolves with everything acknowledged. */
  stop(): Promise<ProducedReport>;
}

export interface ProducerOptions {
  topic: string;
  /** Messages per second (default 200). */
  throughput?: number;
}

/** Starts an idempotent acks=all VerifiableProducer; resolves once its first message is acknowledged. */
export async function startVerifiableProducer(options: ProducerOptions): Promise<ProducerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'kg-verifiable-'));
  const config = join(dir, 'producer.properties');
  writeFileSync(config, ['enable.idempotence=true', 'acks=all', 'retries=2147483647', 'delivery.timeout.ms=120000', 'max.in.flight.requests.per.connection=5', 'linger.ms=5',
    // Every partition gets a record every few ms, so a silence on one measures its refused writes (longestWriteGap).
    'partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner'].join('\n') + '\n');
  const started = Date.now();
  const child = javaTool('org.apache.kafka.tools.VerifiableProducer', [
    '--topic', options.topic,
    '--bootstrap-server', sandboxEnv().bootstrap.join(','),
    '--acks', '-1',
    '--throughput', String(options.throughput ?? 200),
    '--max-messages', '-1',
    '--value-prefix', '1',
    '--producer.config', config,
  ]);
  const report: ProducedReport = { topic: options.topic, acked: new Map(), acks: [], errors: 0, durationMs: 0, writeGap: { ms: 0, partition: -1 } };
  const ackTimes = report.acks;
  let first: () => void = () => undefined;
  const firstAck = new Promise<void>((resolve) => (first = resolve));
  const tail = followJson(child, (event) => {
    if (event.name === 'producer_send_success' && typeof event.value === 'string') {
      report.acked.set(event.value, { partition: Number(event.partition), offset: Number(event.offset) });
      if (Number.isFinite(Number(event.timestamp))) ackTimes.push({ value: event.value, partition: Number(event.partition), timestamp: Number(event.timestamp) });
      first();
    } else if (event.name === 'producer_send_error') {
      report.errors += 1;
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const early = await Promise.race([firstAck.then(() => null), exited, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 60_000))]);
  if (early !== null) {
    child.kill('SIGKILL');
    throw new Error(`the VerifiableProducer on ${options.topic} acknowledged nothing (${early === 'timeout' ? 'in 60 s' : `exit ${String(early)}`}): ${tail.stderr.join('\n')}`);
  }
  return {
    ackedCount: () => report.acked.size,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      report.durationMs = Date.now() - started;
      report.writeGap = longestWriteGap(ackTimes);
      return report;
    },
  };
}

export interface ReadBackReport {
  acked: number;
  /** Distinct acknowledged values read back. */
  read: number;
  /** Acknowledged values never read: must be empty. */
  lost: string[];
  /** Records read more than once (idempotence should keep this 0). */
  duplicates: number;
  /** Partitions in which the acknowledged values were read out of order (by offset, or by the producer's sequence). */
  outOfOrder: number[];
  /** How often each value was read. */
  timesRead: Map<string, number>;
}

/** Reads `produced.topic` from the start with a VerifiableConsumer until every acknowledged value is seen, or `timeoutMs` passes. */
export async function readBack(produced: ProducedReport, timeoutMs = 90_000): Promise<ReadBackReport> {
  const wanted = new Set(produced.acked.keys());
  const seen = new Map<string, number>();
  const lastOffset = new Map<number, number>();
  const lastSequence = new Map<number, number>();
  const outOfOrder = new Set<number>();
  const child = javaTool('org.apache.kafka.tools.VerifiableConsumer', [
    '--topic', produced.topic,
    '--group-id', uniqueName('verify'),
    '--bootstrap-server', sandboxEnv().bootstrap.join(','),
    '--reset-policy', 'earliest',
    '--verbose',
  ]);
  let done: () => void = () => undefined;
  const allSeen = new Promise<void>((resolve) => (done = resolve));
  let missing = wanted.size;
  if (missing === 0) done();
  const tail = followJson(child, (event) => {
    if (event.name !== 'record_data' || typeof event.value !== 'string') return;
    const count = (seen.get(event.value) ?? 0) + 1;
    seen.set(event.value, count);
    const partition = Number(event.partition);
    const offset = Number(event.offset);
    if (offset < (lastOffset.get(partition) ?? -1)) outOfOrder.add(partition);
    lastOffset.set(partition, offset);
    // One producer writes increasing sequence numbers; within a partition they must be read in that order.
    const sequence = sequenceOf(event.value);
    if (count === 1 && sequence !== null) {
      if (sequence < (lastSequence.get(partition) ?? -1)) outOfOrder.add(partition);
      lastSequence.set(partition, sequence);
    }
    if (count === 1 && wanted.has(event.value)) {
      missing -= 1;
      if (missing === 0) done();
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await Promise.race([allSeen, exited, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  const lost = [...wanted].filter((v) => !seen.has(v));
  if (lost.length === wanted.size && wanted.size > 0) {
    throw new Error(`the VerifiableConsumer read none of the ${wanted.size} acknowledged messages of ${produced.topic}: ${tail.stderr.join('\n')}`);
  }
  return {
    acked: wanted.size,
    read: wanted.size - lost.length,
    lost,
    duplicates: [...seen.values()].reduce((sum, n) => sum + (n - 1), 0),
    outOfOrder: [...outOfOrder].sort((a, b) => a - b),
    timesRead: seen,
  };
}

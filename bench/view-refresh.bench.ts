/**
 * One background refresh of a policy's Kafka view, as each webhook replica
 * runs it every kafkaViewRefreshMs (webhook/facts/kafka-views.ts): bytes over
 * the Kafka sockets, CPU time of this process, heap, wall time. Printed beside,
 * from the same run, the floor any view pays: one Metadata request for every
 * topic, decoded.
 *
 *   --kafka fake     (default) a protocol-level fake cluster (bench/fake-kafka/)
 *                    of --partitions partitions, in a child process so that its
 *                    CPU is not counted; 200,000 partitions by default;
 *                    --churn N flips the ISR of N partitions before every
 *                    Metadata answer (a cluster where something always changes)
 *   --kafka sandbox  the sandbox's Kafka ($KAFKA_BOOTSTRAP_SERVERS); first
 *                    creates RF 3 topics up to --partitions (10,000 by default),
 *                    stops adding when Kafka refuses, says what fitted, and
 *                    deletes them after
 *
 *   npm run bench -- view-refresh [--kafka fake|sandbox] [--partitions N] [--partitions-per-topic 20] [--refreshes 10] [--churn 0]
 *
 * The target (issue 13): at 200,000 partitions one refresh costs under 25% of
 * one core at the default interval, i.e. CPU per refresh / interval < 0.25.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createKafkaAdmin } from '../shared/kafka/client.js';
import { Metadata } from '../shared/kafka/protocol.js';
import type { KafkaGuardPolicy } from '../shared/policy/types.js';
import { parseConfig } from '../webhook/config.js';
import { makePolicy } from '../webhook/facts/fake.js';
import { KafkaViews } from '../webhook/facts/kafka-views.js';
import { startDeadline } from '../webhook/rules/engine.js';
import { createMetrics } from '../webhook/metrics.js';

const { values } = parseArgs({
  options: {
    kafka: { type: 'string', default: 'fake' },
    partitions: { type: 'string' },
    'partitions-per-topic': { type: 'string', default: '20' },
    refreshes: { type: 'string', default: '10' },
    port: { type: 'string', default: '29092' },
    churn: { type: 'string', default: '0' },
  },
});
const mode = values.kafka;
if (mode !== 'fake' && mode !== 'sandbox') throw new Error(`--kafka ${mode}: expected fake or sandbox`);
const wanted = Number(values.partitions ?? (mode === 'fake' ? 200_000 : 10_000));
const perTopic = Number(values['partitions-per-topic']);
const refreshes = Number(values.refreshes);
for (const [flag, value, min] of [['--partitions', wanted, 1], ['--partitions-per-topic', perTopic, 1], ['--refreshes', refreshes, 2]] as const) {
  if (!Number.isInteger(value) || value < min) throw new Error(`${flag} ${value}: expected a whole number >= ${min}`);
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes read and written by every TCP client socket this process opens (the Kafka connections). */
const sockets = new Set<Socket>();
subscribe('net.client.socket', (message) => {
  const { socket } = message as { socket: Socket };
  sockets.add(socket);
});
let closedBytes = 0;
function socketBytes(): number {
  let total = closedBytes;
  for (const socket of sockets) {
    const bytes = socket.bytesRead + socket.bytesWritten;
    if (socket.destroyed) {
      closedBytes += bytes;
      sockets.delete(socket);
    }
    total += bytes;
  }
  return total;
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  bytes: number;
  /** Heap allocated during the run and not yet collected at its end. */
  heapGrowthMb: number;
  /**
   * The longest the event loop was held at once during the run: in the webhook,
   * how long an admission arriving then (even a non-Kafka pod's) waits behind it.
   */
  longestBlockMs: number;
}

async function measure(run: () => Promise<unknown>): Promise<Sample> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const bytesBefore = socketBytes();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  // A 1 ms ticker: the widest gap between its ticks is the longest synchronous stretch.
  let longestBlockMs = 0;
  let last = started;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestBlockMs = Math.max(longestBlockMs, now - last);
    last = now;
  }, 1);
  try {
    await run();
  } finally {
    clearInterval(ticker);
  }
  const wallMs = performance.now() - started;
  longestBlockMs = Math.max(longestBlockMs, wallMs - (last - started));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    longestBlockMs,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    bytes: socketBytes() - bytesBefore,
    heapGrowthMb: (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20,
  };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

function row(name: string, samples: Sample[], note: string): string {
  const m = (pick: (s: Sample) => number) => median(samples.map(pick));
  return `${name.padEnd(40)}${`${m((s) => s.wallMs).toFixed(0)} ms`.padStart(10)}${`${m((s) => s.cpuMs).toFixed(0)} ms`.padStart(10)}` +
    `${`${(m((s) => s.bytes) / 2 ** 20).toFixed(2)} MiB`.padStart(12)}${`${m((s) => s.heapGrowthMb).toFixed(1)} MiB`.padStart(12)}` +
    `${`${Math.max(...samples.map((s) => s.longestBlockMs)).toFixed(0)} ms`.padStart(11)}   ${note}`;
}

async function startFake(partitions: number): Promise<{ bootstrap: string[]; child: ChildProcess }> {
  const server = fileURLToPath(new URL('./fake-kafka/server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', server, '--partitions', String(partitions), '--partitions-per-topic', String(perTopic), '--port', values.port, '--churn', values.churn], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const bootstrap = await new Promise<string[]>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^ready (\S+)$/m.exec(out);
      if (match?.[1]) resolve(match[1].split(','));
    });
    child.once('exit', (code) => reject(new Error(`the fake Kafka exited with ${code} before it was ready (port ${values.port} taken? pass --port)`)));
  });
  return { bootstrap, child };
}

/** Sandbox: RF 3 topics of perTopic partitions until `target` partitions exist or Kafka refuses more. */
async function fillSandbox(target: number): Promise<{ bootstrap: string[]; topics: string[]; refusal: string | null; cleanup: () => Promise<void> }> {
  const { kafkaClient, sandboxEnv, uniqueName } = await import('../test/e2e/helpers.js');
  const admin = kafkaClient('bench-view-refresh').admin();
  await admin.connect();
  const existing = (await admin.fetchTopicMetadata()).topics.reduce((n, t) => n + t.partitions.length, 0);
  const topics: string[] = [];
  let refusal: string | null = null;
  let have = existing;
  while (have < target) {
    const batch = Array.from({ length: Math.min(50, Math.ceil((target - have) / perTopic)) }, () => uniqueName('bench-view'));
    try {
      // false: kafkajs saw "already exists" for some of them (a retried request); the listing below is what counts.
      await admin.createTopics({ topics: batch.map((topic) => ({ topic, numPartitions: perTopic, replicationFactor: 3 })), waitForLeaders: false, timeout: 60_000 });
    } catch (error) {
      refusal = error instanceof Error ? error.message : String(error);
      break;
    }
    // Counted only once Kafka lists them: a run once counted topics kafkajs reported created that never appeared.
    let listed = new Set<string>();
    let missing = batch;
    try {
      for (const until = Date.now() + 30_000; missing.length > 0 && Date.now() < until; ) {
        listed = new Set(await admin.listTopics());
        missing = batch.filter((topic) => !listed.has(topic));
        if (missing.length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } catch (error) {
      // A broker that runs out of heap (KAFKA_GUARD_SANDBOX_HEAP_MB) closes its connections: that is what fitted.
      refusal = `listing topics failed after ${have} partitions: ${error instanceof Error ? error.message : String(error)} (a broker out of heap? see its stdout.log)`;
      break;
    }
    topics.push(...batch.filter((topic) => listed.has(topic)));
    if (missing.length > 0) {
      refusal = `${missing.length} of ${batch.length} topics of a CreateTopics batch answered without error are not listed (e.g. ${missing[0]})`;
      break;
    }
    have += batch.length * perTopic;
    process.stderr.write(`[view-refresh] ${have} partitions\n`);
  }
  return {
    bootstrap: sandboxEnv().bootstrap,
    topics,
    refusal,
    cleanup: async () => {
      for (let i = 0; i < topics.length; i += 200) await admin.deleteTopics({ topics: topics.slice(i, i + 200), timeout: 120_000 }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

function policyFor(bootstrap: string[]): KafkaGuardPolicy {
  const policy = makePolicy();
  return { ...policy, spec: { ...policy.spec, kafka: { ...policy.spec.kafka, bootstrapServers: bootstrap } } };
}

async function main(): Promise<void> {
  const parsed = parseConfig([], {});
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const intervalMs = parsed.config.kafkaViewRefreshMs;

  let fake: ChildProcess | null = null;
  let cleanup = async () => undefined as void;
  let bootstrap: string[];
  let fitted = '';
  if (mode === 'fake') {
    const started = await startFake(wanted);
    fake = started.child;
    bootstrap = started.bootstrap;
    fitted = `protocol-level fake Kafka (bench/fake-kafka), ${bootstrap.length} brokers, in another process; ` +
      (values.churn === '0' ? 'nothing changes between refreshes' : `${values.churn} partitions change their ISR before every Metadata answer`);
  } else {
    const filled = await fillSandbox(wanted);
    bootstrap = filled.bootstrap;
    cleanup = filled.cleanup;
    fitted = `the sandbox's Kafka; created ${filled.topics.length} topics of ${perTopic} partitions (RF 3)` +
      (filled.refusal ? `, then Kafka refused more: ${filled.refusal}` : '');
  }

  const views = new KafkaViews({} as CoreV1Api, createMetrics({ processMetrics: false }), pino({ level: 'silent' }));
  const policy = policyFor(bootstrap);
  const client = createKafkaAdmin({ bootstrapServers: bootstrap }, { log: () => undefined });
  try {
    // A view fetched after the call, as an admission asks for one: the same fetch a
    // background refresh makes, without refreshAll's CPU bound, which skips a refresh
    // asked for too soon after a costly one (and so never answers it).
    const refresh = async () => {
      const deadline = startDeadline(120_000);
      try {
        const kafka = await views.kafkaIndex(policy, { notBefore: Date.now(), deadline });
        if (!kafka.ok) throw new Error(`the refresh failed: ${kafka.error}`);
        return kafka.index;
      } finally {
        deadline.clear();
      }
    };
    // Warm-up: connections, JIT, and (sandbox) leaders elected for the new topics.
    const first = await refresh();
    await refresh();
    await client.call('any', Metadata, { topics: null });

    const refreshSamples: Sample[] = [];
    const metadataSamples: Sample[] = [];
    for (let i = 0; i < refreshes; i += 1) {
      refreshSamples.push(await measure(refresh));
      metadataSamples.push(await measure(() => client.call('any', Metadata, { topics: null })));
    }
    gc();
    const retainedMb = process.memoryUsage().heapUsed / 2 ** 20;
    const partitions = first.partitions.length;
    const cpu = median(refreshSamples.map((s) => s.cpuMs));

    console.log(`Kafka view refresh, median of ${refreshes}: ${first.brokerIds.length} brokers, ${first.topics.length} topics, ${partitions} partitions`);
    console.log(`  Kafka: ${fitted}`);
    console.log(`${''.padEnd(40)}${'wall'.padStart(10)}${'cpu'.padStart(10)}${'bytes'.padStart(12)}${'heap+'.padStart(12)}${'blocked'.padStart(11)}`);
    console.log(row('one view refresh (KafkaViews, a fresh view)', refreshSamples, 'Metadata, configs, reassignments, quorum, index'));
    console.log(row('baseline: one Metadata of every topic', metadataSamples, 'the floor any view pays'));
    console.log(`  refresh / baseline CPU: ${(cpu / median(metadataSamples.map((s) => s.cpuMs))).toFixed(2)}x`);
    console.log(`  CPU share of one core at the default interval (${intervalMs} ms): ${((100 * cpu) / intervalMs).toFixed(1)}% (target < 25% at 200,000 partitions)`);
    console.log(`  heap after GC with the view held: ${retainedMb.toFixed(0)} MiB; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await views.close();
    await client.disconnect();
    await cleanup();
    fake?.kill('SIGTERM');
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});

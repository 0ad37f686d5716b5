/**
 * Our drain plan against Kafka's own `kafka-reassign-partitions --generate`,
 * on the sandbox cluster, in the same run: 100 topics x 3 partitions (half at
 * RF 1, half at RF 2) spread over brokers 0-2, drain broker 2 onto 0 and 1. Prints the replica
 * moves each proposes (replicas placed on a broker that did not hold them)
 * next to the lower bound (the replicas broker 2 holds).
 *
 *   eval "$(npm run -s sandbox -- --detach)"; node --import tsx bench/drain-vs-kafka.bench.ts
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKafkaAdmin } from '../shared/kafka/client.js';
import { fetchClusterView } from '../shared/kafka/cluster-view.js';
import { indexCluster } from '../shared/safety/cluster-index.js';
import { planDrain } from '../shared/safety/planner.js';
import { eventually } from '../test/e2e/helpers.js';

const run = promisify(execFile);
const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS;
const libs = process.env.KAFKA_LIBS ?? join(process.env.HOME ?? '', '.cache/kafka-guard/kafka-4.1.1/libs');
if (!bootstrap) throw new Error('KAFKA_BOOTSTRAP_SERVERS is not set: start the sandbox first (eval "$(npm run -s sandbox -- --detach)")');

const TOPICS = 100;
const PARTITIONS = 3;
const DRAINED = 2;
const prefix = `bench-drain-${Date.now().toString(36)}`;
const topics = Array.from({ length: TOPICS }, (_, i) => `${prefix}-${i}`);

async function kafkaTool(className: string, args: string[]): Promise<string> {
  const { stdout } = await run('java', ['-Xmx256m', '-cp', `${libs}/*`, className, '--bootstrap-server', bootstrap ?? '', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

const admin = createKafkaAdmin({ bootstrapServers: bootstrap.split(',') }, { log: () => undefined, requestTimeoutMs: 10_000 });
const { Kafka, logLevel } = await import('kafkajs');
const kafkajs = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
await kafkajs.connect();
try {
  // Round-robin assignments over 0-2, as Kafka's own placement would make; even topics RF 1, odd RF 2.
  await kafkajs.createTopics({
    topics: topics.map((topic, t) => ({
      topic,
      replicaAssignment: Array.from({ length: PARTITIONS }, (_, p) => {
        const first = (t * PARTITIONS + p) % 3;
        return { partition: p, replicas: t % 2 === 0 ? [first] : [first, (first + 1) % 3] };
      }),
    })),
    // kafkajs's own wait fails when a broker answers before it has the topic: poll instead.
    waitForLeaders: false,
  });
  await eventually(`leaders for the ${TOPICS * PARTITIONS} partitions`, async () => {
    const meta = await kafkajs.fetchTopicMetadata({ topics });
    return meta.topics.length === TOPICS && meta.topics.every((t) => t.partitions.length === PARTITIONS && t.partitions.every((p) => p.leader >= 0));
  }, 60_000, 500);
  const view = await fetchClusterView(admin);
  const ours = indexCluster({ ...view, topics: view.topics.filter((t) => t.name.startsWith(prefix)) });
  const started = process.hrtime.bigint();
  const plan = planDrain(ours, [DRAINED], { maxMovesPerBroker: 5 });
  const planMs = Number(process.hrtime.bigint() - started) / 1e6;

  const dir = mkdtempSync(join(tmpdir(), 'kg-bench-'));
  const topicsFile = join(dir, 'topics.json');
  writeFileSync(topicsFile, JSON.stringify({ version: 1, topics: topics.map((topic) => ({ topic })) }));
  const out = await kafkaTool('org.apache.kafka.tools.reassign.ReassignPartitionsCommand', ['--generate', '--topics-to-move-json-file', topicsFile, '--broker-list', '0,1']);
  const proposedJson = out.split('Proposed partition reassignment configuration')[1]?.trim() ?? '';
  const proposed = JSON.parse(proposedJson) as { partitions: Array<{ topic: string; partition: number; replicas: number[] }> };
  const current = new Map(view.topics.flatMap((t) => t.partitions.map((p) => [`${p.topic}-${p.partition}`, p.replicas] as const)));
  let kafkaMoves = 0;
  let kafkaLeaderChanges = 0;
  for (const p of proposed.partitions) {
    const before = current.get(`${p.topic}-${p.partition}`) ?? [];
    kafkaMoves += p.replicas.filter((b) => !before.includes(b)).length;
    if (p.replicas[0] !== before[0]) kafkaLeaderChanges += 1;
  }
  const lowerBound = [...current.entries()].filter(([key]) => key.startsWith(prefix)).reduce((n, [, r]) => n + (r.includes(DRAINED) ? 1 : 0), 0);

  console.log(`drain of broker ${DRAINED} on the sandbox: ${TOPICS * PARTITIONS} partitions (half RF 1, half RF 2) over brokers 0-2`);
  console.log(['planner', 'replica moves', 'lower bound', 'partitions changing preferred leader', 'plan time'].join(' | '));
  console.log(['kafka-guard planDrain', plan.summary.movedReplicas, lowerBound, plan.moves.filter((m) => m.to[0] !== m.from[0]).length, `${planMs.toFixed(1)} ms`].join(' | '));
  console.log(['kafka-reassign-partitions --generate', kafkaMoves, lowerBound, kafkaLeaderChanges, 'n/a (JVM tool)'].join(' | '));
  console.log(`kafka-guard moves ${plan.summary.movedReplicas === lowerBound ? 'equal' : 'DIFFER FROM'} the lower bound; Kafka's tool moves ${kafkaMoves - lowerBound} more replicas than needed`);
} finally {
  await kafkajs.deleteTopics({ topics }).catch(() => undefined);
  await kafkajs.disconnect();
  await admin.disconnect();
}

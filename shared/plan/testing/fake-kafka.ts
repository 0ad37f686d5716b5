/**
 * An in-memory Kafka behind the KafkaApi interface, for unit tests of the
 * executors: partitions with replicas and ISR, reassignments that complete
 * after a number of Metadata polls, dynamic configs (throttles) and replica
 * sizes. It answers the requests shared/kafka sends with the shapes its
 * codecs decode. Test support only: product code never imports it.
 */
import type { BrokerTarget, KafkaApi } from '../../kafka/client.js';
import {
  ConfigOperation,
  ConfigSource,
  type AlterConfigsResource,
  type ApiSpec,
  type ConfigResourceResult,
  type DescribeConfigsResource,
} from '../../kafka/protocol.js';

interface FakePartition {
  topic: string;
  partition: number;
  replicas: number[];
  isr: number[];
  leader: number;
}

interface Reassignment {
  target: number[];
  original: number[];
  /** Metadata polls left before it completes. */
  pollsLeft: number;
}

const key = (topic: string, partition: number) => `${topic}-${partition}`;

export class FakeKafka implements KafkaApi {
  readonly requestTimeoutMs = 1000;
  readonly partitions = new Map<string, FakePartition>();
  readonly reassignments = new Map<string, Reassignment>();
  readonly brokerConfigs = new Map<number, Map<string, string>>();
  readonly topicConfigs = new Map<string, Map<string, string>>();
  /** Bytes per partition (every replica holds them all once in sync). */
  readonly sizes = new Map<string, number>();
  /** Request names in order, e.g. `IncrementalAlterConfigs`. */
  readonly calls: string[] = [];
  /** Polls a reassignment takes; Infinity keeps it in flight. */
  pollsPerReassignment = 1;
  /** Throw this from the next AlterPartitionReassignments (then clear it). */
  failNextAlter: Error | null = null;
  /** Called on every Metadata request (tests abort from here). */
  onMetadata: () => void = () => undefined;

  constructor(readonly brokers: number[]) {
    for (const b of brokers) this.brokerConfigs.set(b, new Map());
  }

  addTopic(topic: string, assignments: number[][], bytes = 1000): this {
    assignments.forEach((replicas, partition) => {
      this.partitions.set(key(topic, partition), { topic, partition, replicas: [...replicas], isr: [...replicas], leader: replicas[0] ?? -1 });
      this.sizes.set(key(topic, partition), bytes);
    });
    this.topicConfigs.set(topic, new Map());
    return this;
  }

  replicasOf(topic: string, partition: number): number[] {
    return [...(this.partitions.get(key(topic, partition))?.replicas ?? [])];
  }

  /** Every throttle config still set anywhere. */
  throttlesLeft(): string[] {
    const left: string[] = [];
    for (const [b, c] of this.brokerConfigs) for (const name of c.keys()) if (name.includes('throttled')) left.push(`broker ${b} ${name}`);
    for (const [t, c] of this.topicConfigs) for (const name of c.keys()) if (name.includes('throttled')) left.push(`topic ${t} ${name}`);
    return left;
  }

  async call<Request, Response>(_target: BrokerTarget, spec: ApiSpec<Request, Response>, request: Request): Promise<Response> {
    this.calls.push(spec.name);
    return this.answer(spec.name, request as never) as Response;
  }

  private answer(name: string, request: Record<string, unknown>): unknown {
    switch (name) {
      case 'Metadata':
        this.onMetadata();
        this.progressReassignments();
        return this.metadata(request.topics as string[] | null);
      case 'ListPartitionReassignments':
        return { errorCode: 0, errorMessage: null, items: this.ongoing(request.partitions as Array<{ topic: string; partition: number }> | null) };
      case 'AlterPartitionReassignments':
        return this.alter(request.partitions as Array<{ topic: string; partition: number; replicas: number[] | null }>);
      case 'ElectLeaders':
        return this.elect(request.partitions as Array<{ topic: string; partition: number }> | null);
      case 'DescribeConfigs':
        return (request.resources as DescribeConfigsResource[]).map((r) => this.describe(r));
      case 'IncrementalAlterConfigs':
        return (request.resources as AlterConfigsResource[]).map((r) => this.alterConfigs(r));
      case 'DescribeQuorum':
        return { errorCode: 0, errorMessage: null, leaderId: this.brokers[0] ?? -1, leaderEpoch: 1, voters: this.brokers, observers: [] };
      case 'DescribeLogDirs':
        return this.logDirs();
      default:
        throw new Error(`FakeKafka does not answer ${name}`);
    }
  }

  private progressReassignments(): void {
    for (const [k, r] of this.reassignments) {
      r.pollsLeft -= 1;
      if (r.pollsLeft > 0) continue;
      const p = this.partitions.get(k);
      if (p === undefined) continue;
      p.replicas = [...r.target];
      p.isr = [...r.target];
      if (!r.target.includes(p.leader)) p.leader = r.target[0] ?? -1;
      this.reassignments.delete(k);
    }
  }

  private metadata(topics: string[] | null) {
    const byTopic = new Map<string, FakePartition[]>();
    for (const p of this.partitions.values()) {
      if (topics !== null && !topics.includes(p.topic)) continue;
      byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
    }
    return {
      brokers: this.brokers.map((nodeId) => ({ nodeId, host: 'localhost', port: 9092 + nodeId, rack: null })),
      clusterId: 'fake',
      controllerId: this.brokers[0] ?? -1,
      topics: [...byTopic].map(([name, parts]) => ({
        errorCode: 0,
        name,
        isInternal: false,
        partitions: parts.map((p) => {
          const r = this.reassignments.get(key(p.topic, p.partition));
          const replicas = r === undefined ? p.replicas : [...new Set([...r.target, ...r.original])];
          return { errorCode: 0, partition: p.partition, leader: p.leader, replicas, isr: p.isr, offlineReplicas: [] };
        }),
      })),
    };
  }

  private ongoing(partitions: Array<{ topic: string; partition: number }> | null) {
    const items = [];
    for (const [k, r] of this.reassignments) {
      const p = this.partitions.get(k);
      if (p === undefined) continue;
      if (partitions !== null && !partitions.some((x) => x.topic === p.topic && x.partition === p.partition)) continue;
      items.push({
        topic: p.topic,
        partition: p.partition,
        replicas: [...new Set([...r.target, ...r.original])],
        addingReplicas: r.target.filter((b) => !r.original.includes(b)),
        removingReplicas: r.original.filter((b) => !r.target.includes(b)),
      });
    }
    return items;
  }

  private alter(partitions: Array<{ topic: string; partition: number; replicas: number[] | null }>) {
    if (this.failNextAlter !== null) {
      const error = this.failNextAlter;
      this.failNextAlter = null;
      throw error;
    }
    for (const { topic, partition, replicas } of partitions) {
      const k = key(topic, partition);
      const p = this.partitions.get(k);
      if (p === undefined) continue;
      if (replicas === null) {
        this.reassignments.delete(k);
        continue;
      }
      const sameSet = replicas.length === p.replicas.length && replicas.every((b) => p.replicas.includes(b));
      if (sameSet) p.replicas = [...replicas];
      else this.reassignments.set(k, { target: [...replicas], original: [...p.replicas], pollsLeft: this.pollsPerReassignment });
    }
    return { errorCode: 0, errorMessage: null, items: partitions.map(({ topic, partition }) => ({ topic, partition, errorCode: 0, errorMessage: null })) };
  }

  private elect(partitions: Array<{ topic: string; partition: number }> | null) {
    const items = [];
    for (const p of this.partitions.values()) {
      if (partitions !== null && !partitions.some((x) => x.topic === p.topic && x.partition === p.partition)) continue;
      const preferred = p.replicas[0] ?? -1;
      const needed = p.leader !== preferred;
      if (needed && p.isr.includes(preferred)) p.leader = preferred;
      items.push({ topic: p.topic, partition: p.partition, errorCode: needed ? 0 : 84, errorMessage: null });
    }
    return { errorCode: 0, errorMessage: null, items };
  }

  private describe(resource: DescribeConfigsResource): ConfigResourceResult {
    const isBroker = resource.type === 4;
    const configs = isBroker ? this.brokerConfigs.get(Number(resource.name)) : this.topicConfigs.get(resource.name);
    const source = isBroker ? ConfigSource.DYNAMIC_BROKER_CONFIG : ConfigSource.TOPIC_CONFIG;
    const entries = [...(configs ?? new Map<string, string>())]
      .filter(([name]) => resource.keys === null || resource.keys.includes(name))
      .map(([name, value]) => ({ name, value, source, sensitive: false }));
    return { errorCode: 0, errorMessage: null, type: resource.type, name: resource.name, configs: entries };
  }

  private alterConfigs(resource: AlterConfigsResource) {
    const isBroker = resource.type === 4;
    let configs = isBroker ? this.brokerConfigs.get(Number(resource.name)) : this.topicConfigs.get(resource.name);
    if (configs === undefined) {
      configs = new Map();
      if (isBroker) this.brokerConfigs.set(Number(resource.name), configs);
      else this.topicConfigs.set(resource.name, configs);
    }
    for (const c of resource.configs) {
      if (c.operation === ConfigOperation.DELETE) configs.delete(c.name);
      else if (c.operation === ConfigOperation.SET) configs.set(c.name, c.value ?? '');
      else if (c.operation === ConfigOperation.APPEND) {
        const current = configs.get(c.name);
        const items = new Set([...(current ? current.split(',') : []), ...(c.value ?? '').split(',')]);
        configs.set(c.name, [...items].join(','));
      }
    }
    return { errorCode: 0, errorMessage: null, type: resource.type, name: resource.name };
  }

  private logDirs() {
    // One broker's answer: every replica it holds, at full size (the fake copies instantly).
    const partitions = [...this.partitions.values()].map((p) => ({
      topic: p.topic,
      partition: p.partition,
      sizeBytes: this.sizes.get(key(p.topic, p.partition)) ?? 0,
      future: false,
    }));
    return { errorCode: 0, results: [{ errorCode: 0, logDir: '/data', partitions, totalBytes: -1, usableBytes: -1 }] };
  }
}

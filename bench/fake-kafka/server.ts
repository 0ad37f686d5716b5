/**
 * A protocol-level fake Kafka cluster: one TCP listener per broker, answering
 * the requests of a Kafka view refresh (codec.ts) from a generated cluster.
 * For benchmarks at sizes no sandbox holds (200,000 partitions); it is not a
 * Kafka and stores nothing. Run it in its own process so that its work does
 * not count against the client being measured:
 *
 *   node --import tsx bench/fake-kafka/server.ts --partitions 200000 [--brokers 6] [--partitions-per-topic 20] [--port 29092] [--churn N]
 *
 * prints `ready HOST:PORT,...` (the bootstrap servers) once listening, and
 * stops on SIGTERM or when stdin closes.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ApiKey,
  assembleMetadataResponse,
  decodeDescribeConfigsRequest,
  decodeMetadataRequest,
  decodeRequestHeader,
  encodeApiVersionsResponse,
  encodeDescribeConfigsResponse,
  encodeDescribeQuorumResponse,
  encodeListPartitionReassignmentsResponse,
  encodeMetadataResponse,
  encodeMetadataTopic,
  frameResponse,
  generateCluster,
  supported,
  type FakeClusterModel,
  type FakePartition,
} from './codec.js';

/** Largest request accepted; a refresh's biggest (DescribeConfigs of 500 topics) is tens of KB. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export class FakeKafkaCluster {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly topicNames: Set<string>;
  /** The answer to "all topics", encoded once: the cluster does not change. */
  private allTopicsMetadata: Buffer | null = null;
  /** DescribeConfigs answers by request body: a refresh asks the same batches every time. */
  private readonly configAnswers = new Map<string, Buffer>();
  requests = 0;

  /** Every partition, with the index of its topic. */
  private readonly partitions: Array<{ topic: number; partition: FakePartition }>;
  /** Each topic's part of the all-topics Metadata answer; null when it must be encoded (again). */
  private readonly topicChunks: Array<Buffer | null>;
  private churnCursor = 0;

  constructor(
    readonly cluster: FakeClusterModel,
    /** Partitions whose ISR flips (loses its last replica, or gets it back) before each all-topics Metadata answer. */
    private readonly churn = 0,
  ) {
    this.topicNames = new Set(cluster.topics.map((t) => t.name));
    this.partitions = cluster.topics.flatMap((t, topic) => t.partitions.map((partition) => ({ topic, partition })));
    this.topicChunks = cluster.topics.map(() => null);
  }

  /** Flips the ISR of the next `churn` partitions, round the cluster. */
  private flipIsrs(): void {
    for (let i = 0; i < this.churn && this.partitions.length > 0; i += 1) {
      const entry = this.partitions[this.churnCursor % this.partitions.length];
      this.churnCursor += 1;
      if (!entry) continue;
      const p = entry.partition;
      p.isr = p.isr.length === p.replicas.length ? p.replicas.slice(0, -1) : [...p.replicas];
      this.topicChunks[entry.topic] = null;
    }
  }

  get bootstrapServers(): string[] {
    return this.cluster.brokers.map((b) => `${b.host}:${b.port}`);
  }

  async start(): Promise<void> {
    this.allTopicsAnswer(); // encoded before listening: the first refresh must not wait for it
    for (const broker of this.cluster.brokers) {
      const server = createServer((socket) => this.serve(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(broker.port, broker.host, () => resolve());
      });
      this.servers.push(server);
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** The response frame for one request frame, or null to close the connection. */
  answer(frame: Buffer): Buffer | null {
    const { header, body } = decodeRequestHeader(frame);
    if (!supported(header)) return null;
    this.requests += 1;
    switch (header.apiKey) {
      case ApiKey.ApiVersions:
        return frameResponse(header, encodeApiVersionsResponse(header.apiVersion));
      case ApiKey.Metadata: {
        const topics = decodeMetadataRequest(header, body);
        if (topics !== null) return frameResponse(header, encodeMetadataResponse(this.cluster, topics));
        if (this.churn > 0) {
          this.flipIsrs();
          this.allTopicsMetadata = null;
        }
        return frameResponse(header, this.allTopicsAnswer());
      }
      case ApiKey.DescribeConfigs: {
        const key = `${header.apiVersion} ${body.toString('latin1')}`;
        let answer = this.configAnswers.get(key);
        if (!answer) {
          answer = encodeDescribeConfigsResponse(this.cluster, decodeDescribeConfigsRequest(header, body), this.topicNames);
          if (this.configAnswers.size < 10_000) this.configAnswers.set(key, answer);
        }
        return frameResponse(header, answer);
      }
      case ApiKey.ListPartitionReassignments:
        return frameResponse(header, encodeListPartitionReassignmentsResponse());
      case ApiKey.DescribeQuorum:
        return frameResponse(header, encodeDescribeQuorumResponse(this.cluster));
      default:
        return null;
    }
  }

  /** Drops every encoded answer, after a change to `cluster` made from outside. */
  forget(): void {
    this.allTopicsMetadata = null;
    this.topicChunks.fill(null);
    this.configAnswers.clear();
  }

  /** The all-topics Metadata answer, re-encoding only the topics that changed since the last one. */
  private allTopicsAnswer(): Buffer {
    this.allTopicsMetadata ??= assembleMetadataResponse(this.cluster, this.cluster.topics.map((topic, i) => {
      const chunk = this.topicChunks[i] ?? encodeMetadataTopic(topic);
      this.topicChunks[i] = chunk;
      return chunk;
    }));
    return this.allTopicsMetadata;
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > MAX_REQUEST_BYTES) {
          socket.destroy();
          return;
        }
        if (pending.length < 4 + size) break;
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        let response: Buffer | null;
        try {
          response = this.answer(frame);
        } catch {
          response = null; // a request the fake cannot decode: close, as Kafka does
        }
        if (response === null) {
          socket.destroy();
          return;
        }
        socket.write(response);
      }
    });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      partitions: { type: 'string', default: '200000' },
      brokers: { type: 'string', default: '6' },
      'partitions-per-topic': { type: 'string', default: '20' },
      'replication-factor': { type: 'string', default: '3' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '29092' },
      churn: { type: 'string', default: '0' },
    },
  });
  const cluster = generateCluster({
    partitions: Number(values.partitions),
    brokers: Number(values.brokers),
    partitionsPerTopic: Number(values['partitions-per-topic']),
    replicationFactor: Number(values['replication-factor']),
    host: values.host,
    basePort: Number(values.port),
  });
  const churn = Number(values.churn);
  if (!Number.isInteger(churn) || churn < 0) throw new Error(`--churn ${values.churn}: expected a whole number of partitions >= 0`);
  const fake = new FakeKafkaCluster(cluster, churn);
  await fake.start();
  const stop = () => void fake.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`ready ${fake.bootstrapServers.join(',')}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

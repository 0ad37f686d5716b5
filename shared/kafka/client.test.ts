import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import type { KafkaConnectionSpec } from '../policy/types.js';
import {
  connectionFingerprint,
  createKafkaAdmin,
  KafkaAdmin,
  KafkaClientCache,
  parseBootstrapServer,
  resolveConnection,
  type KafkaAdminOptions,
  type KafkaLogEntry,
  type ResolvedKafkaConnection,
} from './client.js';
import { fetchClusterView } from './cluster-view.js';
import { KafkaUnreachableError } from './errors.js';
import { Metadata, ProtocolReader, ProtocolWriter } from './protocol.js';

function secrets(data: Record<string, Record<string, string>>) {
  const reads: string[] = [];
  const readSecret = async (name: string) => {
    reads.push(name);
    const found = data[name];
    if (!found) throw new Error(`secrets "${name}" not found`);
    return found;
  };
  return { readSecret, reads };
}

const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';

describe('resolveConnection', () => {
  test('plain connection: bootstrap servers and timeout are copied', async () => {
    const spec: KafkaConnectionSpec = { bootstrapServers: ['kafka-0:9092'], requestTimeoutMs: 900 };
    assert.deepEqual(await resolveConnection(spec, secrets({}).readSecret), { bootstrapServers: ['kafka-0:9092'], requestTimeoutMs: 900 });
  });

  test('TLS and SASL read their Secrets', async () => {
    const { readSecret } = secrets({
      'kafka-tls': { 'ca.crt': CA, 'tls.crt': 'CERT', 'tls.key': 'KEY' },
      'kafka-user': { username: 'guard', password: 's3cret' },
    });
    const resolved = await resolveConnection(
      {
        bootstrapServers: ['kafka-0:9093'],
        tls: { secretRef: { name: 'kafka-tls' }, serverName: 'kafka.example' },
        sasl: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka-user' } },
      },
      readSecret,
    );
    assert.deepEqual(resolved, {
      bootstrapServers: ['kafka-0:9093'],
      tls: { ca: CA, cert: 'CERT', key: 'KEY', serverName: 'kafka.example' },
      sasl: { mechanism: 'scram-sha-512', username: 'guard', password: 's3cret' },
    });
  });

  test('one Secret used for TLS and SASL is read once', async () => {
    const { readSecret, reads } = secrets({ both: { 'ca.crt': CA, username: 'u', password: 'p' } });
    await resolveConnection(
      { bootstrapServers: ['k:9093'], tls: { secretRef: { name: 'both' } }, sasl: { mechanism: 'plain', secretRef: { name: 'both' } } },
      readSecret,
    );
    assert.deepEqual(reads, ['both']);
  });

  test('TLS without a Secret uses the system trust store; insecureSkipVerify is kept', async () => {
    const resolved = await resolveConnection({ bootstrapServers: ['k:9093'], tls: { insecureSkipVerify: true } }, secrets({}).readSecret);
    assert.deepEqual(resolved.tls, { insecureSkipVerify: true });
  });

  const failures: Array<[string, KafkaConnectionSpec, Record<string, Record<string, string>>, RegExp]> = [
    ['missing SASL password', { bootstrapServers: ['k:9092'], sasl: { mechanism: 'plain', secretRef: { name: 'user' } } }, { user: { username: 'u' } }, /SASL Secret "user" has no key "password"/],
    ['empty SASL username', { bootstrapServers: ['k:9092'], sasl: { mechanism: 'plain', secretRef: { name: 'user' } } }, { user: { username: '', password: 'p' } }, /SASL Secret "user" has no key "username"/],
    ['client cert without key', { bootstrapServers: ['k:9093'], tls: { secretRef: { name: 'tls' } } }, { tls: { 'ca.crt': CA, 'tls.crt': 'C' } }, /TLS Secret "tls" has tls.crt but no tls.key/],
    ['TLS Secret with none of the keys', { bootstrapServers: ['k:9093'], tls: { secretRef: { name: 'tls' } } }, { tls: { 'ca.pem': CA } }, /TLS Secret "tls" has none of the keys ca.crt, tls.crt, tls.key \(it has: ca.pem\)/],
    ['Secret that cannot be read', { bootstrapServers: ['k:9093'], tls: { secretRef: { name: 'absent' } } }, {}, /cannot read Secret "absent" named by spec.kafka.tls.secretRef: secrets "absent" not found/],
    ['empty bootstrap list', { bootstrapServers: [] }, {}, /bootstrapServers is empty/],
    ['bootstrap entry without port', { bootstrapServers: ['k:9092', 'kafka-1'] }, {}, /bootstrapServers\[1\] is "kafka-1": expected host:port/],
  ];
  for (const [name, spec, data, message] of failures) {
    test(`refuses: ${name}`, async () => {
      await assert.rejects(resolveConnection(spec, secrets(data).readSecret), message);
    });
  }
});

describe('parseBootstrapServer', () => {
  test('host names, IPv4 and bracketed IPv6', () => {
    assert.deepEqual(parseBootstrapServer('kafka-0.kafka.svc:9092'), { host: 'kafka-0.kafka.svc', port: 9092 });
    assert.deepEqual(parseBootstrapServer('10.0.0.1:19092'), { host: '10.0.0.1', port: 19092 });
    assert.deepEqual(parseBootstrapServer('[fd00::1]:9092'), { host: 'fd00::1', port: 9092 });
  });
  test('out-of-range port', () => {
    assert.throws(() => parseBootstrapServer('k:70000', 2), /bootstrapServers\[2\] is "k:70000"/);
  });
});

describe('connectionFingerprint', () => {
  const base: ResolvedKafkaConnection = {
    bootstrapServers: ['a:9092'],
    sasl: { mechanism: 'plain', username: 'u', password: 'p' },
  };
  test('ignores key order', () => {
    const reordered: ResolvedKafkaConnection = { sasl: { password: 'p', username: 'u', mechanism: 'plain' }, bootstrapServers: ['a:9092'] };
    assert.equal(connectionFingerprint(base), connectionFingerprint(reordered));
  });
  test('changes with credentials, addresses and timeouts, and does not contain the secret', () => {
    const fingerprint = connectionFingerprint(base);
    assert.notEqual(fingerprint, connectionFingerprint({ ...base, sasl: { mechanism: 'plain', username: 'u', password: 'q' } }));
    assert.notEqual(fingerprint, connectionFingerprint({ ...base, bootstrapServers: ['b:9092'] }));
    assert.notEqual(fingerprint, connectionFingerprint(base, { requestTimeoutMs: 5000 }));
    assert.match(fingerprint, /^[0-9a-f]{64}$/);
  });
});

describe('KafkaClientCache', () => {
  function fakeClients() {
    const created: Array<{ connection: ResolvedKafkaConnection; disconnected: boolean }> = [];
    const create = (connection: ResolvedKafkaConnection) => {
      const record = { connection, disconnected: false };
      created.push(record);
      return { disconnect: async () => void (record.disconnected = true) } as unknown as KafkaAdmin;
    };
    return { created, create };
  }
  const options: KafkaAdminOptions = { log: () => {} };

  test('reuses the client while the connection is unchanged', () => {
    const { created, create } = fakeClients();
    const cache = new KafkaClientCache(options, create);
    const first = cache.get('kafka/main', { bootstrapServers: ['a:9092'] });
    assert.equal(cache.get('kafka/main', { bootstrapServers: ['a:9092'] }), first);
    assert.equal(created.length, 1);
  });

  test('a changed connection makes a new client and disconnects the old one', async () => {
    const { created, create } = fakeClients();
    const cache = new KafkaClientCache(options, create);
    const first = cache.get('kafka/main', { bootstrapServers: ['a:9092'] });
    const second = cache.get('kafka/main', { bootstrapServers: ['a:9092', 'b:9092'] });
    assert.notEqual(second, first);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(created.map((c) => c.disconnected), [true, false]);
    assert.equal(cache.size, 1);
  });

  test('owners are independent; evict and close disconnect', async () => {
    const { created, create } = fakeClients();
    const cache = new KafkaClientCache(options, create);
    cache.get('a/one', { bootstrapServers: ['a:9092'] });
    cache.get('b/two', { bootstrapServers: ['a:9092'] });
    await cache.evict('a/one');
    assert.deepEqual(created.map((c) => c.disconnected), [true, false]);
    await cache.close();
    assert.deepEqual(created.map((c) => c.disconnected), [true, true]);
    assert.equal(cache.size, 0);
  });
});

/** A port with nothing listening: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

describe('KafkaAdmin against addresses where nothing listens', () => {
  test('fails fast with KafkaUnreachableError naming every address, and logs through the sink', async () => {
    const ports = [await closedPort(), await closedPort()];
    const logs: KafkaLogEntry[] = [];
    const admin = createKafkaAdmin(
      { bootstrapServers: ports.map((p) => `127.0.0.1:${p}`) },
      { log: (entry) => logs.push(entry), logLevel: 'error', retry: { retries: 1, initialDelayMs: 10 } },
    );
    const started = Date.now();
    await assert.rejects(admin.call('any', Metadata, { topics: [] }), (error: unknown) => {
      assert.ok(error instanceof KafkaUnreachableError);
      for (const port of ports) assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port} \\(Connection error: connect ECONNREFUSED`));
      return true;
    });
    assert.ok(Date.now() - started < 1000, 'refused connections must not wait for timeouts');
    assert.ok(logs.some((l) => l.level === 'error' && l.namespace === 'Connection'));
    await admin.disconnect();
    await assert.rejects(admin.call('any', Metadata, { topics: [] }), /is closed/);
  });

  test('a closed client refuses new requests', async () => {
    const admin = createKafkaAdmin({ bootstrapServers: ['127.0.0.1:1'] }, { log: () => {} });
    await admin.disconnect();
    await assert.rejects(admin.call('any', Metadata, { topics: [] }), /the Kafka client for 127\.0\.0\.1:1 is closed/);
  });
});

// ---------------------------------------------------------------- peers that accept and then hang

const API_VERSIONS_KEY = 18;
/** What the fake broker offers in its ApiVersions answer: ApiVersions, Metadata, SaslHandshake, SaslAuthenticate. */
const OFFERED_APIS: ReadonlyArray<[key: number, min: number, max: number]> = [
  [API_VERSIONS_KEY, 0, 2],
  [Metadata.key, 0, 12],
  [17, 0, 1],
  [36, 0, 2],
];

/** The ApiVersions v1/v2 answer (v0 has no throttle time; kafkajs asks v2 first). */
function apiVersionsResponse(correlationId: number): Buffer {
  const body = new ProtocolWriter(false)
    .int32(correlationId)
    .int16(0)
    .array(OFFERED_APIS, (w, [key, min, max]) => w.int16(key).int16(min).int16(max))
    .int32(0)
    .toBuffer();
  return Buffer.concat([new ProtocolWriter(false).int32(body.length).toBuffer(), body]);
}

interface HangingBroker {
  address: string;
  /** API keys of the requests received, in order. */
  received: number[];
  close(): Promise<void>;
}

/**
 * A TCP server that accepts connections and reads requests but never answers them,
 * except ApiVersions when `answerApiVersions` is set: then the connection comes up
 * and the next request (SaslHandshake or Metadata) is the one left hanging.
 */
async function hangingBroker({ answerApiVersions }: { answerApiVersions: boolean }): Promise<HangingBroker> {
  const received: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        const header = new ProtocolReader(frame, false);
        const apiKey = header.int16();
        header.int16(); // api version
        const correlationId = header.int32();
        received.push(apiKey);
        if (answerApiVersions && apiKey === API_VERSIONS_KEY) socket.write(apiVersionsResponse(correlationId));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    address: `127.0.0.1:${address.port}`,
    received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('KafkaAdmin against a broker that accepts and never answers', () => {
  const requestTimeoutMs = 300;
  const retries = 1;
  const cases: Array<{ name: string; answerApiVersions: boolean; sasl: boolean; hungRequest: RegExp; lastKey: number }> = [
    { name: 'silent from the first byte: ApiVersions times out', answerApiVersions: false, sasl: false, hungRequest: /ApiVersions\(key: 18/, lastKey: API_VERSIONS_KEY },
    { name: 'silent after ApiVersions: the SASL handshake times out', answerApiVersions: true, sasl: true, hungRequest: /SaslHandshake\(key: 17/, lastKey: 17 },
    { name: 'silent after ApiVersions: Metadata times out', answerApiVersions: true, sasl: false, hungRequest: /Metadata\(key: 3/, lastKey: Metadata.key },
  ];
  for (const { name, answerApiVersions, sasl, hungRequest, lastKey } of cases) {
    test(`${name}; the view fetch fails within the request timeout with KafkaUnreachableError naming the address`, async () => {
      const broker = await hangingBroker({ answerApiVersions });
      const admin = createKafkaAdmin(
        { bootstrapServers: [broker.address], ...(sasl ? { sasl: { mechanism: 'plain' as const, username: 'u', password: 'p' } } : {}) },
        { log: () => {}, requestTimeoutMs, connectionTimeoutMs: 200, retry: { retries, initialDelayMs: 10 } },
      );
      const attempts = retries + 1;
      // Generous slack for a loaded machine; kafkajs's own default would be 30 s per request.
      const deadlineMs = attempts * requestTimeoutMs * 3;
      let deadline: NodeJS.Timeout | undefined;
      try {
        const started = Date.now();
        const outcome = await Promise.race([
          fetchClusterView(admin).then(
            () => new Error('the view fetch succeeded against a broker that never answers'),
            (error: unknown) => error,
          ),
          new Promise<Error>((resolve) => {
            deadline = setTimeout(() => resolve(new Error(`the view fetch was still pending after ${deadlineMs} ms`)), deadlineMs);
          }),
        ]);
        const elapsed = Date.now() - started;
        assert.ok(outcome instanceof KafkaUnreachableError, `expected KafkaUnreachableError, got ${String(outcome)}`);
        assert.ok(outcome.message.includes(`${broker.address} (Request `), outcome.message);
        assert.match(outcome.message, hungRequest);
        assert.match(outcome.message, /timed out/);
        assert.ok(elapsed >= requestTimeoutMs, `failed after ${elapsed} ms, before the ${requestTimeoutMs} ms timeout could have run out`);
        assert.equal(broker.received.at(-1), lastKey);
        assert.equal(broker.received.filter((key) => key === lastKey).length, attempts, 'each attempt sends the hung request once, on a fresh connection');
      } finally {
        clearTimeout(deadline);
        // Peer first: kafkajs's disconnect waits for requests in flight, which only a closed socket ends.
        await broker.close();
        await admin.disconnect();
      }
    });
  }
});

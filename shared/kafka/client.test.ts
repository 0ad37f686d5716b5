import assert from 'node:assert/strict';
import { createServer } from 'node:net';
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
import { KafkaUnreachableError } from './errors.js';
import { Metadata } from './protocol.js';

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

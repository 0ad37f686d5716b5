import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { SecretCache, type SecretData } from './secret-cache.js';
import { KafkaViews } from './kafka-views.js';
import { makePolicy } from './fake.js';
import type { WebhookMetrics } from '../metrics.js';

/** A Secret fetch whose answers the test gives, one per call, in order. */
function scriptedFetch() {
  const calls: Array<{ name: string; resolve: (d: SecretData) => void; reject: (e: unknown) => void }> = [];
  const fetch = (_namespace: string, name: string) =>
    new Promise<SecretData>((resolve, reject) => {
      calls.push({ name, resolve, reject });
    });
  return { fetch, calls };
}

const apiError = (code: number) => Object.assign(new Error(`HTTP-Code: ${code}`), { code });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SecretCache', () => {
  it('waits for the first read, then answers from the copy without asking the apiserver', async () => {
    const { fetch, calls } = scriptedFetch();
    let now = 1_000;
    const cache = new SecretCache(fetch, { maxAgeMs: 30_000, now: () => now });
    const first = cache.get('kafka', 'creds');
    const second = cache.get('kafka', 'creds');
    assert.equal(calls.length, 1, 'two admissions at once share one read');
    assert.equal(cache.loading('kafka', 'creds'), true);
    calls[0]?.resolve({ password: 'a' });
    assert.deepEqual(await first, { password: 'a' });
    assert.deepEqual(await second, { password: 'a' });
    assert.equal(cache.loading('kafka', 'creds'), false);
    now += 29_999;
    assert.deepEqual(await cache.get('kafka', 'creds'), { password: 'a' });
    assert.equal(calls.length, 1);
  });

  it('an old copy is answered at once while one read replaces it: a rotated password is in use after that read', async () => {
    const { fetch, calls } = scriptedFetch();
    let now = 0;
    const cache = new SecretCache(fetch, { maxAgeMs: 30_000, now: () => now });
    const first = cache.get('kafka', 'creds');
    calls[0]?.resolve({ password: 'old' });
    await first;
    now = 30_000;
    assert.deepEqual(await cache.get('kafka', 'creds'), { password: 'old' }, 'not held up by the read behind it');
    assert.deepEqual(await cache.get('kafka', 'creds'), { password: 'old' });
    assert.equal(calls.length, 2, 'one background read, not one per admission');
    assert.equal(cache.loading('kafka', 'creds'), false, 'nobody waits on a background read');
    calls[1]?.resolve({ password: 'new' });
    await tick();
    assert.deepEqual(await cache.get('kafka', 'creds'), { password: 'new' });
    assert.equal(calls.length, 2);
  });

  it('a background read the apiserver fails keeps the copy, and says so once until a read succeeds', async () => {
    const { fetch, calls } = scriptedFetch();
    let now = 0;
    const kept: string[] = [];
    const cache = new SecretCache(fetch, { maxAgeMs: 10, now: () => now, onStaleKept: (ns, name, error) => kept.push(`${ns}/${name}: ${(error as Error).message}`) });
    const first = cache.get('kafka', 'creds');
    calls[0]?.resolve({ password: 'a' });
    await first;
    for (const call of [1, 2]) {
      now += 10;
      assert.deepEqual(await cache.get('kafka', 'creds'), { password: 'a' });
      calls[call]?.reject(apiError(503));
      await tick();
    }
    assert.deepEqual(kept, ['kafka/creds: HTTP-Code: 503'], 'logged once, not on every refresh');
    now += 10;
    assert.deepEqual(await cache.get('kafka', 'creds'), { password: 'a' });
    calls[3]?.resolve({ password: 'a' });
    await tick();
    now += 10;
    await cache.get('kafka', 'creds');
    calls[4]?.reject(apiError(500));
    await tick();
    assert.equal(kept.length, 2, 'a failure after a success is reported again');
  });

  it('a deleted Secret (404) is forgotten: the next read is waited for and reports it', async () => {
    const { fetch, calls } = scriptedFetch();
    let now = 0;
    const cache = new SecretCache(fetch, { maxAgeMs: 10, now: () => now });
    const first = cache.get('kafka', 'creds');
    calls[0]?.resolve({ password: 'a' });
    await first;
    now = 10;
    await cache.get('kafka', 'creds');
    calls[1]?.reject(apiError(404));
    await tick();
    const next = cache.get('kafka', 'creds');
    assert.equal(cache.loading('kafka', 'creds'), true);
    calls[2]?.reject(apiError(404));
    await assert.rejects(next, /HTTP-Code: 404/);
  });

  it('a first read that fails is not kept: the next get asks again', async () => {
    const { fetch, calls } = scriptedFetch();
    const cache = new SecretCache(fetch, { now: () => 0 });
    const first = cache.get('kafka', 'creds');
    calls[0]?.reject(apiError(403));
    await assert.rejects(first, /403/);
    const second = cache.get('kafka', 'creds');
    assert.equal(calls.length, 2);
    calls[1]?.resolve({ password: 'a' });
    assert.deepEqual(await second, { password: 'a' });
  });

  it('copies nobody asked for over idleMs leave memory', async () => {
    const { fetch, calls } = scriptedFetch();
    let now = 0;
    const cache = new SecretCache(fetch, { maxAgeMs: 1_000_000, idleMs: 600_000, now: () => now });
    const first = cache.get('gone', 'creds');
    calls[0]?.resolve({ password: 'a' });
    await first;
    now = 600_000;
    const other = cache.get('kafka', 'other');
    calls[1]?.resolve({ password: 'b' });
    await other;
    const again = cache.get('gone', 'creds');
    assert.equal(calls.length, 3, 'the idle copy was dropped and is read again');
    calls[2]?.resolve({ password: 'a' });
    await again;
  });

  it('namespaces keep their own Secrets of the same name', async () => {
    const { fetch, calls } = scriptedFetch();
    const cache = new SecretCache(fetch, { now: () => 0 });
    const a = cache.get('team-a', 'creds');
    const b = cache.get('team-b', 'creds');
    assert.equal(calls.length, 2);
    calls[0]?.resolve({ password: 'a' });
    calls[1]?.resolve({ password: 'b' });
    assert.deepEqual([await a, await b], [{ password: 'a' }, { password: 'b' }]);
  });
});

describe('KafkaViews and the credentials Secret', () => {
  const metrics = { reportKafkaViews: () => undefined } as unknown as WebhookMetrics;
  const log = { warn: () => undefined, debug: () => undefined, info: () => undefined, error: () => undefined } as unknown as FastifyBaseLogger;
  const deadline = (ms: number) => {
    const at = Date.now() + ms;
    return { at, signal: new AbortController().signal, remainingMs: () => Math.max(0, at - Date.now()) };
  };

  it('an admission that gives up on a hanging first Secret read names the apiserver and the Secret, not Kafka', async () => {
    let reads = 0;
    const core = { readNamespacedSecret: () => { reads += 1; return new Promise(() => undefined); } } as unknown as CoreV1Api;
    const views = new KafkaViews(core, metrics, log);
    const policy = makePolicy();
    policy.spec.kafka = { ...policy.spec.kafka, sasl: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka-creds' } } };
    const started = Date.now();
    const result = await views.kafkaIndex(policy, { notBefore: started, deadline: deadline(100) });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /the apiserver did not return the Kafka credentials \(Secret kafka\/kafka-creds\) within \d+ ms/);
    assert.ok(Date.now() - started < 1_000, 'answered at the deadline');
    const again = await views.kafkaIndex(policy, { notBefore: Date.now(), deadline: deadline(50) });
    assert.equal(again.ok, false);
    assert.equal(reads, 1, 'the read still in flight is shared, not repeated');
    await views.close();
  });

  it('a Secret that does not exist is reported by name', async () => {
    const core = { readNamespacedSecret: () => Promise.reject(apiError(404)) } as unknown as CoreV1Api;
    const views = new KafkaViews(core, metrics, log);
    const policy = makePolicy();
    policy.spec.kafka = { ...policy.spec.kafka, tls: { secretRef: { name: 'kafka-tls' } } };
    const result = await views.kafkaIndex(policy, { notBefore: Date.now(), deadline: deadline(2_000) });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /cannot read Secret "kafka-tls" named by spec\.kafka\.tls\.secretRef: HTTP-Code: 404/);
    await views.close();
  });
});

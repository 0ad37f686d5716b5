import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeVerdict, limitWarnings, MAX_WARNING_CHARS, MAX_WARNINGS_TOTAL_CHARS } from './encode.js';
import { allow, deny, errored, patch, undecided } from './verdict.js';

const UID = 'e0f1a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b';

describe('encodeVerdict', () => {
  it('answers an allow with the uid and nothing else', () => {
    assert.deepEqual(encodeVerdict(UID, allow()), {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: UID, allowed: true },
    });
  });

  it('sends a patch as base64 JSON Patch with its patchType', () => {
    const ops = [{ op: 'add' as const, path: '/metadata/annotations/kafkaguard.io~1applied-defaults', value: 'antiAffinity' }];
    const { response } = encodeVerdict(UID, patch(ops));
    assert.equal(response.allowed, true);
    assert.equal(response.patchType, 'JSONPatch');
    assert.deepEqual(JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8')), ops);
  });

  it('sends no patch for an empty one', () => {
    const { response } = encodeVerdict(UID, patch([]));
    assert.equal(response.patch, undefined);
    assert.equal(response.patchType, undefined);
  });

  it('renders a refusal: code, reason, summary, each reason with its remediation, hints', () => {
    const verdict = deny(
      [
        {
          rule: 'under-min-isr',
          message: 'Taking down broker 1 would drop 2 partitions below min.insync.replicas: orders-0, orders-1.',
          partitions: [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }],
          remediation: 'kubectl kafka drain kafka-1 -n kafka',
        },
      ],
      { summary: 'kafka-guard refused to evict pod kafka/kafka-1 (Kafka broker 1).', code: 429, hints: ['break glass: ...'] },
    );
    const { response } = encodeVerdict(UID, verdict);
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 429);
    assert.equal(response.status?.reason, 'TooManyRequests');
    assert.equal(
      response.status?.message,
      [
        'kafka-guard refused to evict pod kafka/kafka-1 (Kafka broker 1).',
        '- [under-min-isr] Taking down broker 1 would drop 2 partitions below min.insync.replicas: orders-0, orders-1.',
        '  Safe way: kubectl kafka drain kafka-1 -n kafka',
        'break glass: ...',
      ].join('\n'),
    );
  });

  it('defaults a refusal to 403 Forbidden', () => {
    const { response } = encodeVerdict(UID, deny(['no']));
    assert.deepEqual([response.status?.code, response.status?.reason], [403, 'Forbidden']);
  });

  it('answers an error with allowed false, 500 and the message, still carrying the uid', () => {
    const { response } = encodeVerdict(UID, errored(new Error('informer cache not synced')));
    assert.deepEqual(response, {
      uid: UID,
      allowed: false,
      status: { code: 500, reason: 'InternalError', message: 'informer cache not synced' },
    });
  });

  it('fails closed on an unresolved undecided verdict', () => {
    const { response } = encodeVerdict(UID, undecided('Kafka timed out'));
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 503);
  });

  it('carries warnings on any verdict', () => {
    assert.deepEqual(encodeVerdict(UID, allow().withWarnings('careful')).response.warnings, ['careful']);
    assert.deepEqual(encodeVerdict(UID, deny(['no']).withWarnings('careful')).response.warnings, ['careful']);
  });
});

describe('limitWarnings', () => {
  it('makes each warning one line and drops empty ones and duplicates', () => {
    assert.deepEqual(limitWarnings(['a\nb\tc', '', '  ', 'a\nb\tc', 'd']), ['a b c', 'd']);
  });

  it(`cuts a warning at ${MAX_WARNING_CHARS} characters and marks the cut`, () => {
    const [cut] = limitWarnings(['x'.repeat(1000)]);
    assert.equal([...(cut ?? '')].length, MAX_WARNING_CHARS);
    assert.ok(cut?.endsWith('…'));
  });

  it('never cuts inside a surrogate pair', () => {
    const [cut] = limitWarnings(['🙂'.repeat(400)]);
    assert.ok(cut !== undefined && !/[\uD800-\uDBFF]…$/.test(cut));
  });

  it(`keeps the total under ${MAX_WARNINGS_TOTAL_CHARS} and says how many were left out`, () => {
    const many = Array.from({ length: 40 }, (_, i) => `${i}:${'w'.repeat(200)}`);
    const kept = limitWarnings(many);
    const total = kept.reduce((sum, w) => sum + w.length, 0);
    assert.ok(total <= MAX_WARNINGS_TOTAL_CHARS, `total ${total}`);
    assert.match(kept.at(-1) ?? '', /^kafka-guard: \d+ more warning\(s\) not shown/);
    assert.ok(kept.length < many.length);
  });
});

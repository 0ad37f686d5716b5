import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { breakGlassPodUids, LEDGER_DEFAULTS, ledgerKey, ledgerLocation, parseLedger, pendingBrokers } from './ledger.js';

describe('disruption ledger', () => {
  const now = 1_000_000;
  const raw = JSON.stringify([
    { brokerId: 2, podUid: 'uid-2', expiresAt: now + 5_000 },
    { brokerId: 1, podUid: 'uid-1-old', expiresAt: now + 5_000 },
    { brokerId: 0, podUid: 'uid-0', expiresAt: now - 1 },
    { brokerId: 'x', podUid: 'uid-x', expiresAt: now + 5_000 },
  ]);

  test('is where the webhook keeps it by default, or where its settings say', () => {
    assert.deepEqual(ledgerLocation({}), LEDGER_DEFAULTS);
    assert.deepEqual(ledgerLocation({ KAFKAGUARD_LEDGER_NAMESPACE: 'ops', KAFKAGUARD_LEDGER_NAME: 'kg-ledger' }), { namespace: 'ops', name: 'kg-ledger' });
  });

  test('keys a policy by namespace.name', () => {
    assert.equal(ledgerKey('kafka/prod'), 'kafka.prod');
  });

  test('keeps unexpired, well-formed entries only', () => {
    assert.deepEqual(parseLedger(raw, now).map((e) => e.brokerId), [2, 1]);
  });

  test('treats unreadable data as no entries, not as an error', () => {
    assert.deepEqual(parseLedger('{not json', now), []);
    assert.deepEqual(parseLedger('{"brokerId":1}', now), []);
    assert.deepEqual(parseLedger(undefined, now), []);
  });

  test('an entry whose pod is gone no longer counts; unknown pods count every entry', () => {
    const entries = parseLedger(raw, now);
    assert.deepEqual(pendingBrokers(entries, new Set(['uid-2', 'uid-1-new'])), [2]);
    assert.deepEqual(pendingBrokers(entries, null), [1, 2]);
  });

  test('names the pods a break-glass admitted, only while their entry lasts and only when it says so', () => {
    const entries = parseLedger(JSON.stringify([
      { brokerId: 2, podUid: 'uid-2', expiresAt: now + 5_000, breakGlass: true },
      { brokerId: 1, podUid: 'uid-1', expiresAt: now + 5_000, breakGlass: 'yes' },
      { brokerId: 0, podUid: 'uid-0', expiresAt: now - 1, breakGlass: true },
    ]), now);
    assert.deepEqual(breakGlassPodUids(entries), ['uid-2']);
  });
});

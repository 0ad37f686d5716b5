import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BREAK_GLASS_KEY, breakGlassPodUids, LEDGER_DEFAULTS, ledgerKey, ledgerLocation, MAX_BREAK_GLASS_USES, parseBreakGlassUses, parseLedger, pendingBrokers,
  recordBreakGlassUse, type BreakGlassUse,
  BREAK_GLASS_SET_KEY, breakGlassSetterOf, parseBreakGlassSettings, recordBreakGlassSetting, type BreakGlassSetting,
} from './ledger.js';

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

describe('break-glass uses in the ledger', () => {
  const use = (podUid: string, value: string, namespace = 'kafka'): BreakGlassUse => ({ podUid, namespace, pod: `pod-${podUid}`, value, at: 1 });
  const live = (uids: string[]) => (namespace: string) => (namespace === 'kafka' ? new Set(uids) : null);

  test('its key can never be a policy key (those hold a ".")', () => {
    assert.ok(!BREAK_GLASS_KEY.includes('.'));
    assert.notEqual(ledgerKey('kafka/break-glass'), BREAK_GLASS_KEY);
  });

  const cases: Array<{ name: string; before: BreakGlassUse[]; next: BreakGlassUse; live: string[]; after: string[] | null }> = [
    { name: 'a first use is recorded', before: [], next: use('a', 'r1'), live: ['a'], after: ['a:r1'] },
    { name: 'the same annotation again is used up', before: [use('a', 'r1')], next: use('a', 'r1'), live: ['a'], after: null },
    { name: 'a new reason on the same pod is a new break-glass', before: [use('a', 'r1')], next: use('a', 'r2'), live: ['a'], after: ['a:r1', 'a:r2'] },
    { name: 'the same reason on another pod (a recreated one) is its own', before: [use('a', 'r1')], next: use('b', 'r1'), live: ['a', 'b'], after: ['a:r1', 'b:r1'] },
    { name: 'uses of pods that are gone are dropped', before: [use('gone', 'r1'), use('a', 'r1')], next: use('b', 'r1'), live: ['a', 'b'], after: ['a:r1', 'b:r1'] },
    { name: 'uses in a namespace whose pods are unknown are kept', before: [use('x', 'r1', 'other')], next: use('b', 'r1'), live: ['b'], after: ['x:r1', 'b:r1'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const after = recordBreakGlassUse(c.before, c.next, live(c.live));
      assert.deepEqual(after?.map((u) => `${u.podUid}:${u.value}`) ?? null, c.after);
    });
  }

  test('at most MAX_BREAK_GLASS_USES are kept, the oldest dropped first', () => {
    const many = Array.from({ length: MAX_BREAK_GLASS_USES }, (_, i) => use(`p${i}`, 'r', 'other'));
    const after = recordBreakGlassUse(many, use('new', 'r'), live(['new']));
    assert.equal(after?.length, MAX_BREAK_GLASS_USES);
    assert.equal(after?.[0]?.podUid, 'p1');
    assert.equal(after?.at(-1)?.podUid, 'new');
  });

  test('unreadable records count as none', () => {
    assert.deepEqual(parseBreakGlassUses(undefined), []);
    assert.deepEqual(parseBreakGlassUses('{not json'), []);
    assert.deepEqual(parseBreakGlassUses('{"podUid":"a"}'), []);
    assert.deepEqual(parseBreakGlassUses(JSON.stringify([{ podUid: 'a' }, use('b', 'r')])).map((u) => u.podUid), ['b']);
  });
});

describe('who set a break-glass annotation, in the ledger', () => {
  const setting = (podUid: string, value: string, user: string, namespace = 'kafka'): BreakGlassSetting =>
    ({ podUid, namespace, pod: `pod-${podUid}`, value, user, groups: ['system:authenticated'], at: 1 });
  const live = (uids: string[]) => (namespace: string) => (namespace === 'kafka' ? new Set(uids) : null);
  const shown = (settings: BreakGlassSetting[]) => settings.map((s) => `${s.podUid}:${s.value}:${s.user}`);

  test('its key is neither a policy key nor the uses\' key', () => {
    assert.ok(!BREAK_GLASS_SET_KEY.includes('.'));
    assert.notEqual(BREAK_GLASS_SET_KEY, BREAK_GLASS_KEY);
  });

  const cases: Array<{ name: string; before: BreakGlassSetting[]; next: BreakGlassSetting; live: string[]; after: string[] }> = [
    { name: 'a first setting is recorded', before: [], next: setting('a', 'r1', 'alice'), live: ['a'], after: ['a:r1:alice'] },
    { name: 'a retried edit records the same person once', before: [setting('a', 'r1', 'alice')], next: setting('a', 'r1', 'alice'), live: ['a'], after: ['a:r1:alice'] },
    { name: 'the same value set again by another (removed, then re-added) is theirs', before: [setting('a', 'r1', 'alice')], next: setting('a', 'r1', 'bob'), live: ['a'], after: ['a:r1:bob'] },
    { name: 'a changed value is a new setting; the old one stays', before: [setting('a', 'r1', 'alice')], next: setting('a', 'r2', 'bob'), live: ['a'], after: ['a:r1:alice', 'a:r2:bob'] },
    { name: 'settings of pods that are gone are dropped', before: [setting('gone', 'r1', 'alice')], next: setting('b', 'r1', 'bob'), live: ['b'], after: ['b:r1:bob'] },
    { name: 'settings in a namespace whose pods are unknown are kept', before: [setting('x', 'r1', 'alice', 'other')], next: setting('b', 'r1', 'bob'), live: ['b'], after: ['x:r1:alice', 'b:r1:bob'] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(shown(recordBreakGlassSetting(c.before, c.next, live(c.live))), c.after));
  }

  test('at most MAX_BREAK_GLASS_USES are kept, the oldest dropped first', () => {
    const many = Array.from({ length: MAX_BREAK_GLASS_USES }, (_, i) => setting(`p${i}`, 'r', 'u', 'other'));
    const after = recordBreakGlassSetting(many, setting('new', 'r', 'u'), live(['new']));
    assert.equal(after.length, MAX_BREAK_GLASS_USES);
    assert.equal(after[0]?.podUid, 'p1');
  });

  test('the setter is looked up by pod uid and value', () => {
    const settings = [setting('a', 'r1', 'alice'), setting('a', 'r2', 'bob')];
    assert.equal(breakGlassSetterOf(settings, 'a', 'r2')?.user, 'bob');
    assert.equal(breakGlassSetterOf(settings, 'a', 'r3'), null, 'a value nobody was seen setting');
    assert.equal(breakGlassSetterOf(settings, 'b', 'r1'), null, 'another pod (a recreated one)');
  });

  test('unreadable records count as none', () => {
    assert.deepEqual(parseBreakGlassSettings(undefined), []);
    assert.deepEqual(parseBreakGlassSettings('[{'), []);
    const good = setting('b', 'r', 'bob');
    assert.deepEqual(parseBreakGlassSettings(JSON.stringify([{ ...good, groups: [1] }, { ...good, user: null }, good])), [good]);
  });
});

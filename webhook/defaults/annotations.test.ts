import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeAppliedDefaults, parseSkipDefaults } from './annotations.js';

describe('parseSkipDefaults', () => {
  it('reads comma-separated names, ignoring spaces and case', () => {
    const skip = parseSkipDefaults([' antiAffinity, RESOURCES ,,kafkasettings']);
    assert.equal(skip.all, false);
    assert.deepEqual([...skip.names].sort(), ['antiAffinity', 'kafkaSettings', 'resources']);
    assert.deepEqual(skip.unknown, []);
  });

  it('reads "all"', () => assert.equal(parseSkipDefaults(['All']).all, true));

  it('combines several values and ignores missing ones', () => {
    const skip = parseSkipDefaults([undefined, 'zoneSpread', 'readinessProbe']);
    assert.deepEqual([...skip.names].sort(), ['readinessProbe', 'zoneSpread']);
  });

  it('reports unknown words once', () => {
    assert.deepEqual(parseSkipDefaults(['antiAfinity,heap', 'heap']).unknown, ['antiAfinity', 'heap']);
  });
});

describe('mergeAppliedDefaults', () => {
  it('sorts and de-duplicates', () => {
    assert.equal(mergeAppliedDefaults('zoneSpread, antiAffinity', ['resources', 'antiAffinity']), 'antiAffinity,resources,zoneSpread');
  });

  it('keeps names it does not know (written by a newer kafka-guard)', () => {
    assert.equal(mergeAppliedDefaults('futureDefault', ['resources']), 'futureDefault,resources');
  });

  it('starts from nothing', () => assert.equal(mergeAppliedDefaults(undefined, ['b', 'a']), 'a,b'));
});

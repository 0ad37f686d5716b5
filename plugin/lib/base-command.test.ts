import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReassignmentFlags } from './base-command.js';
import { UsageError } from './errors.js';
import { renderDiskCheck } from '../messages.js';

describe('--max-disk-usage', () => {
  it('defaults to 85 and takes 1..100', () => {
    assert.equal(parseReassignmentFlags({ timeout: '6h' }).maxDiskUsagePercent, 85);
    assert.equal(parseReassignmentFlags({ timeout: '6h', 'max-disk-usage': '5' }).maxDiskUsagePercent, 5);
    assert.equal(parseReassignmentFlags({ timeout: '6h', 'max-disk-usage': '100' }).maxDiskUsagePercent, 100);
  });
  for (const bad of ['0', '101', '85%', 'lots']) {
    it(`refuses ${bad} as a usage error naming the value`, () => {
      assert.throws(
        () => parseReassignmentFlags({ timeout: '6h', 'max-disk-usage': bad }),
        (error: unknown) => error instanceof UsageError && error.message.startsWith(`--max-disk-usage: "${bad}" is not a percentage from 1 to 100`),
      );
    });
  }
});

describe('renderDiskCheck', () => {
  it('shows each receiving broker with what it holds, what arrives and what it may hold', () => {
    const lines = renderDiskCheck(
      {
        maxUsagePercent: 85,
        brokers: [
          { broker: 0, usedBytes: 100 * 2 ** 20, arrivingBytes: 50 * 2 ** 20, capacityBytes: 2 ** 30, capacitySource: 'claim', allowedBytes: 870 * 2 ** 20 },
          { broker: 1, usedBytes: 100, arrivingBytes: 0, capacityBytes: 2 ** 30, capacitySource: 'claim', allowedBytes: 870 * 2 ** 20 },
          { broker: 3, usedBytes: 0, arrivingBytes: 2 ** 20, capacityBytes: null, capacitySource: null, allowedBytes: null },
        ],
      },
      ['disk capacity of broker 3 unknown'],
    );
    assert.deepEqual(lines, [
      'disk:       within 85% of capacity on every receiving broker:',
      '              broker 0: 100 MiB + 50.0 MiB = 150 MiB of 870 MiB allowed (1.00 GiB claim)',
      '              broker 3: 0 B + 1.00 MiB = 1.00 MiB (capacity unknown: no limit)',
      'disk:       disk capacity of broker 3 unknown',
    ]);
  });
});

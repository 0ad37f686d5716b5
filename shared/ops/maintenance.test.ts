import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MaintenanceRecord } from '../plan/maintenance.js';
import { UsageError } from './errors.js';
import { recordFor, recordKey, type StoredRecord } from './maintenance.js';

const record = (brokers: number[]): MaintenanceRecord => ({ brokers, startedAt: 't', moves: [], leaders: [], cordoned: null });

describe('maintenance records', () => {
  it('keys a record by policy and sorted broker ids', () => {
    assert.equal(recordKey('kafka', [2, 0]), 'kafka.0-2');
  });

  it('finds the record of exactly these brokers, and none when nothing touches them', () => {
    const stored: StoredRecord[] = [{ key: 'kafka.2', record: record([2]) }, { key: 'kafka.0', record: record([0]) }];
    assert.equal(recordFor(stored, [2])?.key, 'kafka.2');
    assert.equal(recordFor(stored, [1]), null);
  });

  it('refuses to guess: a record covering other brokers too, or an unreadable one, is a usage error naming it', () => {
    assert.throws(() => recordFor([{ key: 'kafka.1-2', record: record([1, 2]) }], [2]), (e: unknown) => e instanceof UsageError && /broker\(s\) 1, 2/.test(e.message));
    assert.throws(() => recordFor([{ key: 'kafka.2', record: null }], [2]), (e: unknown) => e instanceof UsageError && /kafka\.2 .* cannot be read/.test(e.message));
  });
});

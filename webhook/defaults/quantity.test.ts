import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMemoryBytes } from './quantity.js';
import { MalformedObjectError } from './shape.js';

const KI = 1024n;
const MI = KI * 1024n;
const GI = MI * 1024n;

describe('parseMemoryBytes', () => {
  const valid: Array<[input: string | number, bytes: bigint]> = [
    ['2Gi', 2n * GI],
    ['1500M', 1_500_000_000n],
    ['2147483648', 2n * GI],
    ['512Mi', 512n * MI],
    ['64Ki', 64n * KI],
    ['1Ti', 1024n * GI],
    ['1G', 1_000_000_000n],
    ['1k', 1000n],
    ['0.5Gi', GI / 2n],
    ['1.5Gi', 3n * GI / 2n],
    ['.5Mi', MI / 2n],
    ['1.Gi', GI],
    ['129e6', 129_000_000n],
    ['1E3', 1000n],
    ['1.5e3', 1500n],
    ['2E', 2n * 10n ** 18n],
    ['+1Mi', MI],
    // Fractions of a byte round up, like resource.Quantity.Value().
    ['1500m', 2n],
    ['1n', 1n],
    ['0.1', 1n],
    ['1e-1000', 1n],
    ['0', 0n],
    ['-0', 0n],
    // A JSON number is accepted as bytes.
    [1073741824, GI],
    [1.5, 2n],
  ];
  for (const [input, bytes] of valid) {
    it(`reads ${JSON.stringify(input)} as ${bytes} bytes`, () => {
      assert.equal(parseMemoryBytes(input, 'limits.memory'), bytes);
    });
  }

  const invalid: unknown[] = ['2GB', '2 Gi', 'Gi', '', '1.2.3', '1e', '1Gi ', 'one', '-1Gi', '1ki', '1e30', null, {}, -5, Number.NaN, '99999999999Ei', '12E'];
  for (const input of invalid) {
    it(`refuses ${JSON.stringify(input) ?? String(input)} with the field path in the message`, () => {
      assert.throws(
        () => parseMemoryBytes(input, 'spec.containers[0].resources.limits.memory'),
        (error: unknown) => error instanceof MalformedObjectError && error.message.startsWith('spec.containers[0].resources.limits.memory must be'),
      );
    });
  }

  it('says what a quantity looks like', () => {
    assert.throws(() => parseMemoryBytes('2GB', 'limits.memory'), /limits\.memory must be a Kubernetes quantity such as 2Gi, 1500M or 2147483648, got the string "2GB"/);
  });
});

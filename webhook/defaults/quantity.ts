/**
 * Kubernetes resource quantities (`2Gi`, `1500M`, `129e6`, `0.5Gi`), as the
 * apimachinery `resource.Quantity` grammar defines them:
 * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 * Exact (BigInt) arithmetic, because `0.1Gi` must not turn into 107374182.39999999.
 */
import { MalformedObjectError } from './shape.js';

const QUANTITY_PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E))?$/;

const BINARY_POWERS: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Quantities are int64 in Kubernetes; anything bigger cannot be a real value. */
const MAX_QUANTITY = 2n ** 63n - 1n;
const EXPECTED = 'a Kubernetes quantity such as 2Gi, 1500M or 2147483648';

export const MIB = 2n ** 20n;

/**
 * Bytes in a memory quantity, rounded up to a whole byte like
 * `resource.Quantity.Value()`. Accepts the JSON number form too. Throws a
 * MalformedObjectError naming `path` for anything else, including negatives.
 */
export function parseMemoryBytes(value: unknown, path: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new MalformedObjectError(path, EXPECTED, value);
    return BigInt(Math.ceil(value));
  }
  if (typeof value !== 'string') throw new MalformedObjectError(path, EXPECTED, value);
  const match = QUANTITY_PATTERN.exec(value);
  if (match === null) throw new MalformedObjectError(path, EXPECTED, value);
  const [, sign, number = '', binarySuffix, exponentText, decimalSuffix] = match;
  if (sign === '-' && /[1-9]/.test(number)) throw new MalformedObjectError(path, 'a quantity of at least 0', value);

  const [integerDigits = '', fractionDigits = ''] = number.split('.');
  let numerator = BigInt(`${integerDigits}${fractionDigits}` || '0');
  let decimalExponent = -fractionDigits.length;
  if (binarySuffix !== undefined) numerator <<= BINARY_POWERS[binarySuffix] ?? 0n;
  if (exponentText !== undefined) decimalExponent += Number(exponentText);
  if (decimalSuffix !== undefined) decimalExponent += DECIMAL_EXPONENTS[decimalSuffix] ?? 0;
  // Anything beyond 10^19 overflows int64 whatever the mantissa; checking first keeps 10n ** huge from running.
  if (decimalExponent > 19 + fractionDigits.length) throw new MalformedObjectError(path, 'a quantity below 2^63', value);

  let bytes: bigint;
  if (decimalExponent >= 0) {
    bytes = numerator * 10n ** BigInt(decimalExponent);
  } else if (-decimalExponent > numerator.toString().length) {
    // The value is below one byte: rounding up gives 1 (or 0 for zero), without computing 10^huge.
    bytes = numerator > 0n ? 1n : 0n;
  } else {
    const denominator = 10n ** BigInt(-decimalExponent);
    bytes = (numerator + denominator - 1n) / denominator;
  }
  if (bytes > MAX_QUANTITY) throw new MalformedObjectError(path, 'a quantity below 2^63', value);
  return bytes;
}

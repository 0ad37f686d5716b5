/**
 * Kubernetes resource quantities (`2Gi`, `1500M`, `129e6`, `0.5Gi`), as the
 * apimachinery `resource.Quantity` grammar defines them:
 * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 * Exact (BigInt) arithmetic, because `0.1Gi` must not turn into 107374182.39999999.
 * Shared by the webhook (memory limits, volume sizes) and `kubectl kafka resize`.
 */

const QUANTITY_PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E))?$/;

const BINARY_POWERS: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Quantities are int64 in Kubernetes; anything bigger cannot be a real value. */
export const MAX_QUANTITY = 2n ** 63n - 1n;

export type QuantityParse =
  | { ok: true; bytes: bigint }
  /** syntax: not a quantity; negative: below zero; too-large: 2^63 or more. */
  | { ok: false; problem: 'syntax' | 'negative' | 'too-large' };

/**
 * Bytes in a quantity, rounded up to a whole byte like `resource.Quantity.Value()`.
 * Never throws; says what is wrong instead.
 */
export function parseQuantity(text: string): QuantityParse {
  const match = QUANTITY_PATTERN.exec(text);
  if (match === null) return { ok: false, problem: 'syntax' };
  const [, sign, number = '', binarySuffix, exponentText, decimalSuffix] = match;
  if (sign === '-' && /[1-9]/.test(number)) return { ok: false, problem: 'negative' };

  const [integerDigits = '', fractionDigits = ''] = number.split('.');
  let numerator = BigInt(`${integerDigits}${fractionDigits}` || '0');
  let decimalExponent = -fractionDigits.length;
  if (binarySuffix !== undefined) numerator <<= BINARY_POWERS[binarySuffix] ?? 0n;
  if (exponentText !== undefined) decimalExponent += Number(exponentText);
  if (decimalSuffix !== undefined) decimalExponent += DECIMAL_EXPONENTS[decimalSuffix] ?? 0;
  // Anything beyond 10^19 overflows int64 whatever the mantissa; checking first keeps 10n ** huge from running.
  if (decimalExponent > 19 + fractionDigits.length) return { ok: false, problem: 'too-large' };

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
  if (bytes > MAX_QUANTITY) return { ok: false, problem: 'too-large' };
  return { ok: true, bytes };
}

/** Bytes as a quantity a person reads: the largest binary unit, e.g. 100Gi, or 93.1Gi when not a whole number. */
export function formatQuantity(bytes: bigint): string {
  const units: Array<[string, bigint]> = [['Ei', 60n], ['Pi', 50n], ['Ti', 40n], ['Gi', 30n], ['Mi', 20n], ['Ki', 10n]];
  for (const [unit, shift] of units) {
    const size = 1n << shift;
    if (bytes < size) continue;
    if (bytes % size === 0n) return `${bytes / size}${unit}`;
    // One decimal is enough to tell sizes apart in a message.
    return `${(Number(bytes) / Number(size)).toFixed(1)}${unit}`;
  }
  return `${bytes}`;
}

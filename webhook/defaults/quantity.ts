/**
 * Kubernetes resource quantities (`2Gi`, `1500M`, `129e6`, `0.5Gi`), as the
 * apimachinery `resource.Quantity` grammar defines them:
 * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 * Exact (BigInt) arithmetic, because `0.1Gi` must not turn into 107374182.39999999.
 */
import { parseQuantity } from '../../shared/k8s/quantity.js';
import { MalformedObjectError } from './shape.js';

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
  const parsed = parseQuantity(value);
  if (parsed.ok) return parsed.bytes;
  if (parsed.problem === 'negative') throw new MalformedObjectError(path, 'a quantity of at least 0', value);
  if (parsed.problem === 'too-large') throw new MalformedObjectError(path, 'a quantity below 2^63', value);
  throw new MalformedObjectError(path, EXPECTED, value);
}

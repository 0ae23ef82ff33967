// Kubernetes resource quantities ("500m", "2", "512Mi", "1.5G", "1e3") as plain numbers.
// Doubles are exact for every realistic CPU or memory figure (integers up to 2^53), so no big-decimal type.

const SUFFIX_MULTIPLIER: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * Non-negative quantities only: resource requests and limits cannot be negative, so the sign the
 * Kubernetes grammar allows is rejected here. Used as the CRD `pattern` too, so it stays RE2-compatible.
 */
export const QUANTITY_PATTERN =
  '^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$';
const QUANTITY = new RegExp(QUANTITY_PATTERN);

export class QuantityError extends Error {}

/** The value of a quantity in base units (cores for CPU, bytes for memory). Integers are accepted as YAML writes them. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') {
    if (!Number.isFinite(quantity) || quantity < 0) throw new QuantityError(`invalid quantity ${quantity}`);
    return quantity;
  }
  const match = QUANTITY.exec(quantity);
  if (!match) throw new QuantityError(`invalid quantity "${quantity}" (expected e.g. 500m, 2, 512Mi, 2Gi)`);
  const mantissa = Number(match[1]);
  const exponent = match[5];
  // "1E" is exa, "1E3" is a decimal exponent: only the latter fills the exponent group.
  if (exponent !== undefined) return mantissa * 10 ** Number(exponent.slice(1));
  return mantissa * SUFFIX_MULTIPLIER[match[3] ?? '']!;
}

/** True when the text or number is a quantity parseQuantity accepts. */
export function isQuantity(quantity: string | number): boolean {
  try {
    parseQuantity(quantity);
    return true;
  } catch {
    return false;
  }
}

/** Millicores, rounded up as the kubelet does for sub-millicore values. */
export function cpuMillicores(quantity: string | number): number {
  return Math.ceil(Math.round(parseQuantity(quantity) * 1e9) / 1e6);
}

/** Whole bytes, rounded up (a "0.5" byte quantity still needs a byte). */
export function memoryBytes(quantity: string | number): number {
  return Math.ceil(parseQuantity(quantity));
}

export const MIB = 2 ** 20;

// The probabilistic policy's hash and threshold, as upstream's tail_sampling computes them (hash/fnv's FNV-1a 64 of
// salt and trace id, against MaxUint64 times the ratio in a 64-bit big.Float), so both keep the same traces.
const UINT64_MAX = (1n << 64n) - 1n;
const TWO_32 = 0x1_0000_0000;

/** FNV-1a 64 state as two 32-bit halves, so hashing needs no BigInt per byte. */
export function fnv64(hi: number, lo: number, bytes: Uint8Array): [number, number] {
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]!) >>> 0;
    // Times the prime 2^40 + 0x1b3: both products stay below 2^41, exact in a double.
    const low = lo * 0x1b3;
    const high = hi * 0x1b3 + Math.floor(low / TWO_32) + ((lo << 8) >>> 0);
    lo = low >>> 0;
    hi = high >>> 0;
  }
  return [hi, lo];
}

export const FNV64_OFFSET: [number, number] = [0xcbf29ce4, 0x84222325];

/** FNV-1a 64 of the salt's UTF-8 bytes, then the trace id (upstream's hashTraceID). */
export function hashTraceId(salt: string, id: Uint8Array): bigint {
  const [hi, lo] = fnv64(...fnv64(...FNV64_OFFSET, Buffer.from(salt, 'utf8')), id);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Upstream's calculateThreshold: MaxUint64 times the ratio in a 64-bit big.Float (rounded to nearest even), then
 * truncated to a uint64 (saturating at 0 and MaxUint64).
 */
export function probabilisticThreshold(ratio: number): bigint {
  if (!(ratio > 0)) return 0n;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, ratio);
  const bits = view.getBigUint64(0);
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponentBits === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075;
  let product = UINT64_MAX * mantissa;
  const length = product.toString(2).length;
  if (length > 64) {
    const shift = BigInt(length - 64);
    let kept = product >> shift;
    const rest = product & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n;
    product = kept << shift;
  }
  const value = exponent >= 0 ? product << BigInt(exponent) : product >> BigInt(-exponent);
  return value > UINT64_MAX ? UINT64_MAX : value;
}

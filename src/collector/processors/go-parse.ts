// Number parsing as Go's strconv does it (ParseInt base 10, ParseFloat 64), for the attributes processor's convert
// action: the exact syntax Go accepts, and undefined where Go reports an error (bad syntax or out of range).

const INT = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

export function goParseInt(text: string): bigint | undefined {
  if (!INT.test(text)) return undefined;
  const value = BigInt(text);
  return value < -(2n ** 63n) || value >= 2n ** 63n ? undefined : value;
}

export function goParseFloat(text: string): number | undefined {
  const special = SPECIAL.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return special[1] === '' ? Number.NaN : undefined;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  let value: number;
  const hex = HEX.exec(text);
  if (hex) {
    const [, sign, whole, fraction, exponent] = hex;
    if (whole === '' && fraction === '') return undefined;
    const mantissa = Number(BigInt(`0x${whole}${fraction}`));
    value = (sign === '-' ? -1 : 1) * mantissa * 2 ** (Number(exponent) - 4 * fraction!.length);
  } else if (DECIMAL.test(text)) {
    value = Number(text);
  } else {
    return undefined;
  }
  // Go reports values beyond the float64 range as an error (ErrRange).
  return Number.isFinite(value) ? value : undefined;
}

// OpenTelemetry consistent probability sampling (OTEP 235), as upstream's pkg/sampling: 56-bit randomness and
// rejection thresholds (an item is kept when threshold <= randomness), their hex spellings (rv: 14 digits, th: up
// to 14 with trailing zeros trimmed), and the W3C tracestate with its `ot` member (`ot=rv:...;th:...`).

export const MAX_ADJUSTED_COUNT = 1n << 56n;
export const ALWAYS_SAMPLE = 0n;
export const NEVER_SAMPLE = MAX_ADJUSTED_COUNT;
/** Randomness of an item without any: the largest value, which every threshold but never-sample keeps. */
export const ALL_PROBABILITIES = MAX_ADJUSTED_COUNT - 1n;
export const MIN_SAMPLING_PROBABILITY = 2 ** -56;
const DIGITS = 14;
const HEX = /^[0-9a-fA-F]+$/;

export class SamplingError extends Error {}

export function rvalue(randomness: bigint): string {
  return randomness >= MAX_ADJUSTED_COUNT ? '' : randomness.toString(16).padStart(DIGITS, '0');
}

export function parseRValue(text: string): bigint {
  if (text.length !== DIGITS) throw new SamplingError('r-value must have 14 hex digits');
  if (!HEX.test(text)) throw new SamplingError(`invalid r-value "${text}"`);
  return BigInt(`0x${text}`);
}

export function tvalue(threshold: bigint): string {
  if (threshold === ALWAYS_SAMPLE) return '0';
  if (threshold === NEVER_SAMPLE) return '';
  return rvalue(threshold).replace(/0+$/, '');
}

export function parseTValue(text: string): bigint {
  if (text.length > DIGITS) throw new SamplingError('t-value exceeds 14 hex digits');
  if (text === '') throw new SamplingError('t-value is empty');
  if (!HEX.test(text)) throw new SamplingError(`invalid t-value "${text}"`);
  return BigInt(`0x${text}`) << BigInt(4 * (DIGITS - text.length));
}

/** The last 7 bytes of a trace id, big-endian (W3C trace context level 2 randomness). */
export function traceIdRandomness(traceId: Uint8Array): bigint {
  let value = 0n;
  for (let i = 9; i < 16; i++) value = (value << 8n) | BigInt(traceId[i] ?? 0);
  return value;
}

/** Go's math.Frexp exponent of a normal positive double. */
function frexpExponent(value: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return ((view.getUint16(0) >> 4) & 0x7ff) - 1022;
}

/** ProbabilityToThresholdWithPrecision; undefined outside [2^-56, 1]. */
export function probabilityToThreshold(fraction: number, precision: number): bigint | undefined {
  let digits = precision === 0 ? DIGITS : precision;
  if (!(fraction >= MIN_SAMPLING_PROBABILITY && fraction <= 1)) return undefined;
  if (fraction === 1) return ALWAYS_SAMPLE;
  const expF = frexpExponent(fraction);
  const expR = frexpExponent(1 - fraction);
  digits = Math.min(DIGITS, Math.max(digits + Math.trunc(expF / -4), digits + Math.trunc(expR / -4)));
  let threshold = MAX_ADJUSTED_COUNT - BigInt(Math.round(fraction * 2 ** 56));
  const shift = BigInt(4 * (DIGITS - digits));
  if (shift !== 0n) threshold = ((threshold + (1n << (shift - 1n))) >> shift) << shift;
  return threshold;
}

export function thresholdProbability(threshold: bigint): number {
  return Number(MAX_ADJUSTED_COUNT - threshold) / 2 ** 56;
}

type KV = { key: string; value: string };

/** The `ot` member of a tracestate: rv, th and other sub-keys, as upstream parses and writes it. */
export class OTelTraceState {
  rvalue = '';
  randomness = 0n;
  tvalue = '';
  threshold = 0n;
  readonly extra: KV[] = [];

  /** The parsed value, and the first problem found (upstream keeps what did parse). */
  static parse(input: string): { state: OTelTraceState; error?: SamplingError } {
    const state = new OTelTraceState();
    if (input.length > 256) return { state, error: new SamplingError('invalid tracestate size') };
    if (!validOTel(input)) return { state, error: new SamplingError('invalid syntax') };
    let failure: SamplingError | undefined;
    for (const member of input.split(';')) {
      const colon = member.indexOf(':');
      const [key, value] = [member.slice(0, colon), member.slice(colon + 1)];
      try {
        if (key === 'rv') {
          state.randomness = parseRValue(value);
          state.rvalue = value;
        } else if (key === 'th') {
          state.threshold = parseTValue(value);
          state.tvalue = value;
        } else {
          state.extra.push({ key, value });
        }
      } catch (error) {
        if (!(error instanceof SamplingError)) throw error;
        failure ??= error;
      }
    }
    return { state, error: failure };
  }

  hasAnyValue(): boolean {
    return this.rvalue !== '' || this.tvalue !== '' || this.extra.length > 0;
  }

  /** Sets th after a keep decision; an existing th above it would raise the probability, which is refused. */
  updateThreshold(threshold: bigint): void {
    if (this.tvalue !== '' && this.threshold > threshold) throw new SamplingError('cannot raise existing sampling probability');
    this.threshold = threshold;
    this.tvalue = tvalue(threshold);
  }

  clearThreshold(): void {
    this.tvalue = '';
    this.threshold = 0n;
  }

  setRandomness(randomness: bigint): void {
    this.randomness = randomness;
    this.rvalue = rvalue(randomness);
  }

  serialize(): string {
    const parts: string[] = [];
    if (this.rvalue !== '') parts.push(`rv:${this.rvalue}`);
    if (this.tvalue !== '') parts.push(`th:${this.tvalue}`);
    for (const { key, value } of this.extra) parts.push(`${key}:${value}`);
    return parts.join(';');
  }
}

function validOTel(input: string): boolean {
  if (input === '' || input.endsWith(';')) return false;
  return input.split(';').every((member) => /^[a-z][a-z0-9]*:[a-zA-Z0-9._-]*$/.test(member));
}

const W3C_KEY = /^(?:[a-z][a-z0-9_*/-]*|[a-z0-9][a-z0-9_*/-]*@[a-z][a-z0-9_*/-]*)$/;
const W3C_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]*[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** A W3C tracestate: the `ot` member parsed, the others kept in order. */
export class W3CTraceState {
  otel = new OTelTraceState();
  readonly extra: KV[] = [];

  /** The parsed value, and the first problem found (upstream keeps what did parse, nothing when the syntax is bad). */
  static parse(input: string): { state: W3CTraceState; error?: SamplingError } {
    const state = new W3CTraceState();
    if (input === '') return { state };
    if (input.length > 1024) return { state, error: new SamplingError('invalid tracestate size') };
    const members = input.split(',').map((member) => member.replace(/^[ \t]+|[ \t]+$/g, ''));
    const valid = members.every((member) => {
      if (member === '') return true;
      const eq = member.indexOf('=');
      return eq >= 1 && W3C_KEY.test(member.slice(0, eq)) && member.length - eq - 1 <= 256 && W3C_VALUE.test(member.slice(eq + 1));
    });
    if (!valid) return { state, error: new SamplingError('invalid syntax') };
    let items = 0;
    let failure: SamplingError | undefined;
    for (const member of members) {
      // Upstream counts every member, empty ones too, and stops at the 32nd.
      if (++items >= 32) return { state, error: new SamplingError('invalid tracestate size') };
      if (member === '') continue;
      const eq = member.indexOf('=');
      const [key, value] = [member.slice(0, eq), member.slice(eq + 1)];
      const [tenant, system] = key.includes('@') ? key.split('@') as [string, string] : [undefined, undefined];
      if (key.length > 256 || (tenant !== undefined && (tenant.length > 241 || system!.length > 14))) {
        failure ??= new SamplingError('invalid tracestate size');
      } else if (key === 'ot') {
        const parsed = OTelTraceState.parse(value);
        state.otel = parsed.state;
        failure ??= parsed.error;
      } else {
        state.extra.push({ key, value });
      }
    }
    return { state, error: failure };
  }

  serialize(): string {
    const parts: string[] = [];
    if (this.otel.hasAnyValue()) parts.push(`ot=${this.otel.serialize()}`);
    for (const { key, value } of this.extra) parts.push(`${key}=${value}`);
    return parts.join(',');
  }
}

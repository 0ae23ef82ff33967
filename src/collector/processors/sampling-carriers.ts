// Where consistent-sampling values travel with an item, as upstream's samplers read and write them: a span's W3C
// tracestate (`ot=rv:...;th:...`), a log record's `sampling.randomness` / `sampling.threshold` attributes.
import { decodeAnyValue, encodeAnyValue } from '../otlp/any-value.ts';
import { type AttributeEditor, keyBytes } from '../otlp/attributes.ts';
import { PieceList, nestedField, type Piece } from '../otlp/pieces.ts';
import { SPAN_TRACE_STATE } from '../otlp/schema.ts';
import { FieldReader, LEN } from '../otlp/wire.ts';
import { parseRValue, parseTValue, rvalue, SamplingError, tvalue, W3CTraceState } from './sampling-values.ts';

export interface Carrier {
  /** What did not parse (the carrier then holds what did, as upstream's). */
  readonly error: SamplingError | undefined;
  /** The arriving threshold, if any. */
  threshold(): bigint | undefined;
  /** The explicit randomness (rv), if any. */
  randomness(): bigint | undefined;
  setRandomness(randomness: bigint): void;
  clearThreshold(): void;
  /** Records the threshold of a keep decision (unless it would raise an arriving probability). */
  keep(threshold: bigint): void;
  /** The item as changed, or undefined when it is unchanged. */
  result(): readonly Piece[] | undefined;
}

const reader = new FieldReader();
const utf8 = new TextDecoder();

/** The carrier of a span, from its tracestate. */
export function spanCarrier(span: Uint8Array): Carrier {
  const fields: [number, number][] = [];
  let original = '';
  const r = reader.reset(span, 0, span.length, 'Span');
  while (r.next()) {
    if (r.field !== SPAN_TRACE_STATE || r.wireType !== LEN) continue;
    fields.push([r.fieldStart, r.valueEnd]);
    original = utf8.decode(span.subarray(r.valueStart, r.valueEnd));
  }
  const { state, error } = W3CTraceState.parse(original);
  return {
    error,
    threshold: () => (state.otel.tvalue === '' ? undefined : state.otel.threshold),
    randomness: () => (state.otel.rvalue === '' ? undefined : state.otel.randomness),
    setRandomness: (randomness) => state.otel.setRandomness(randomness),
    clearThreshold: () => state.otel.clearThreshold(),
    keep(threshold) {
      try {
        state.otel.updateThreshold(threshold);
      } catch (error) {
        if (!(error instanceof SamplingError)) throw error;
      }
    },
    result() {
      const written = state.serialize();
      if (written === original) return undefined;
      const list = new PieceList(span, 0);
      const field = nestedField(SPAN_TRACE_STATE, [Buffer.from(written, 'utf8')]);
      if (fields.length === 0) list.insert(span.length, field);
      fields.forEach(([start, end], i) => (i === 0 ? list.replace(start, end, field) : list.skip(start, end)));
      return list.finish(span.length);
    },
  };
}

const RANDOMNESS = keyBytes('sampling.randomness');
const THRESHOLD = keyBytes('sampling.threshold');

/** The carrier of the log record loaded in `editor`, from its sampling attributes. */
export function logCarrier(editor: AttributeEditor): Carrier {
  const text = (key: Uint8Array): string => {
    const index = editor.find(key);
    const value = index < 0 ? undefined : decodeAnyValue(editor.value(index));
    return value?.type === 'string' ? value.value : '';
  };
  const put = (key: Uint8Array, value: string): void => {
    const encoded = encodeAnyValue({ type: 'string', value });
    const index = editor.find(key);
    if (index >= 0) editor.set(index, encoded);
    else editor.add(key, encoded);
  };
  let error: SamplingError | undefined;
  const parsed = (key: Uint8Array, parse: (text: string) => bigint): bigint | undefined => {
    const value = text(key);
    try {
      return value === '' ? undefined : parse(value);
    } catch (failure) {
      if (!(failure instanceof SamplingError)) throw failure;
      error ??= failure;
      return undefined;
    }
  };
  let threshold = parsed(THRESHOLD, parseTValue);
  let randomness = parsed(RANDOMNESS, parseRValue);
  return {
    error,
    threshold: () => threshold,
    randomness: () => randomness,
    setRandomness(value) {
      randomness = value;
      put(RANDOMNESS, rvalue(value));
    },
    clearThreshold() {
      threshold = undefined;
      const index = editor.find(THRESHOLD);
      if (index >= 0) editor.remove(index);
    },
    keep(value) {
      if (threshold !== undefined && value < threshold) return;
      put(THRESHOLD, tvalue(value));
    },
    result: () => editor.resultPieces(),
  };
}

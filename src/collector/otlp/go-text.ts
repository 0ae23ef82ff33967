// AnyValue as text the way upstream's Go code writes it: pcommon's Value.AsString (maps and lists as JSON with
// sorted keys, bytes as base64, doubles as ES6 numbers) and strconv.FormatFloat(f, 'f', -1, 64), which the
// legacy filters match regular expressions against.
import { decodeAnyValue, type AnyValue } from './any-value.ts';
import { KEY_VALUE_KEY, KEY_VALUE_VALUE } from './schema.ts';
import { FieldReader, LEN } from './wire.ts';

const utf8 = new TextDecoder();

/** strconv.FormatFloat(value, 'f', -1, 64): the shortest digits that read back, never an exponent. */
export function goFormatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return Object.is(value, -0) ? '-0' : text;
  const sign = text.startsWith('-') ? '-' : '';
  const mantissa = text.slice(sign.length, e);
  const exponent = Number(text.slice(e + 1));
  const digits = mantissa.replace('.', '');
  const point = (mantissa.indexOf('.') < 0 ? mantissa.length : mantissa.indexOf('.')) + exponent;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** pcommon Value.AsString of an encoded-or-decoded value ("" for an absent or empty one). */
export function anyValueAsString(value: AnyValue | undefined): string {
  if (!value) return '';
  switch (value.type) {
    case 'string': return value.value;
    case 'bool': return value.value ? 'true' : 'false';
    case 'int': return value.value.toString();
    case 'double': return Number.isFinite(value.value) ? String(value.value) : value.value > 0 ? 'Infinity' : Number.isNaN(value.value) ? 'NaN' : '-Infinity';
    case 'bytes': return Buffer.from(value.value).toString('base64');
    case 'empty': return '';
    default: return json(value) ?? '';
  }
}

/** Go's encoding/json of AsRaw() (HTML escaping off); undefined where Go fails (NaN and infinities). */
function json(value: AnyValue): string | undefined {
  switch (value.type) {
    case 'string': return JSON.stringify(value.value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
    case 'bool': return String(value.value);
    case 'int': return value.value.toString();
    case 'double': return Number.isFinite(value.value) ? String(value.value) : undefined;
    case 'bytes': return JSON.stringify(Buffer.from(value.value).toString('base64'));
    case 'empty': return 'null';
    case 'array': {
      const parts = listValues(value.value).map((item) => json(decodeAnyValue(item)));
      return parts.includes(undefined) ? undefined : `[${parts.join(',')}]`;
    }
    case 'kvlist': {
      const entries = new Map<string, string | undefined>();
      for (const [key, item] of keyValues(value.value)) entries.set(key, json(decodeAnyValue(item)));
      const keys = [...entries.keys()].sort();
      if (keys.some((key) => entries.get(key) === undefined)) return undefined;
      return `{${keys.map((key) => `${json({ type: 'string', value: key })}:${entries.get(key)}`).join(',')}}`;
    }
  }
}

/** Encoded AnyValues of an ArrayValue body. */
function listValues(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const r = new FieldReader().reset(body, 0, body.length, 'ArrayValue');
  while (r.next()) if (r.field === 1 && r.wireType === LEN) out.push(body.subarray(r.valueStart, r.valueEnd));
  return out;
}

/** Key and encoded AnyValue of each entry of a KeyValueList body. */
function keyValues(body: Uint8Array): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  const r = new FieldReader().reset(body, 0, body.length, 'KeyValueList');
  while (r.next()) {
    if (r.field !== 1 || r.wireType !== LEN) continue;
    const entry = body.subarray(r.valueStart, r.valueEnd);
    let key = '';
    let value: Uint8Array = new Uint8Array(0);
    const kv = new FieldReader().reset(entry, 0, entry.length, 'KeyValue');
    while (kv.next()) {
      if (kv.field === KEY_VALUE_KEY && kv.wireType === LEN) key = utf8.decode(entry.subarray(kv.valueStart, kv.valueEnd));
      if (kv.field === KEY_VALUE_VALUE && kv.wireType === LEN) value = entry.subarray(kv.valueStart, kv.valueEnd);
    }
    out.push([key, value]);
  }
  return out;
}

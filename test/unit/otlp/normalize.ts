// Canonical form for comparing OTLP objects from different encoders: proto3 treats a default value like
// an absent one, and OTLP/JSON writers differ on 64-bit integers (numbers or strings) and on writing
// defaults, so both sides drop defaults and empty lists/messages and spell 64-bit integers as strings.
const INT64 = new Set([
  'timeUnixNano', 'startTimeUnixNano', 'endTimeUnixNano', 'observedTimeUnixNano', 'intValue', 'asInt', 'count', 'zeroCount', 'bucketCounts',
]);
// Fields with presence: their zero value is meaningful.
const PRESENCE = new Set(['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue', 'asInt', 'asDouble', 'sum', 'min', 'max']);

export function normalize(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => normalize(item, key) ?? null);
    return items.length === 0 ? undefined : items;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
      const normal = normalize(item, name);
      if (normal !== undefined) out[name] = normal;
    }
    return Object.keys(out).length === 0 && !PRESENCE.has(key) ? undefined : out;
  }
  if (INT64.has(key) && (typeof value === 'number' || typeof value === 'string')) value = BigInt(value).toString();
  // OTLP/JSON spells negative zero as a string (JSON numbers cannot carry the sign).
  if (value === '-0') value = -0;
  if (PRESENCE.has(key)) return value;
  if (value === 0 || value === '0' || value === '' || value === false || value === null) return undefined;
  return value;
}

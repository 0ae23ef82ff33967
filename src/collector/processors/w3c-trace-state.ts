// A W3C tracestate read as OpenTelemetry Go's trace.ParseTraceState reads it (what upstream's trace_state policy
// uses): members split at ',' (empty ones skipped), key and value at the first '=', spaces and tabs trimmed before
// the key and after the value, keys and values checked by the W3C grammar, at most 32 members, no key twice. Any
// fault makes the whole tracestate unreadable. Strings are byte strings (latin1), as Go's are bytes.

const MAX_MEMBERS = 32;

const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isAlphaNum = (c: number) => isLower(c) || (c >= 0x30 && c <= 0x39);
const isKeyRest = (c: number) => isAlphaNum(c) || c === 0x5f || c === 0x2d || c === 0x2a || c === 0x2f;

function keyRest(key: string): boolean {
  for (let i = 0; i < key.length; i++) if (!isKeyRest(key.charCodeAt(i))) return false;
  return true;
}

/** A simple key: a lowercase letter, then at most `rest` more key characters. */
const keyPart = (key: string, rest: number) => key !== '' && key.length - 1 <= rest && isLower(key.charCodeAt(0)) && keyRest(key.slice(1));

function validKey(key: string): boolean {
  const at = key.indexOf('@');
  if (at < 0) return keyPart(key, 255);
  const tenant = key.slice(0, at);
  const system = key.slice(at + 1);
  return tenant !== '' && isAlphaNum(tenant.charCodeAt(0)) && tenant.length - 1 <= 240 && keyRest(tenant.slice(1)) && keyPart(system, 13);
}

const valueChar = (c: number) => c >= 0x20 && c <= 0x7e && c !== 0x2c && c !== 0x3d;

function validValue(value: string): boolean {
  if (value.length === 0 || value.length > 256) return false;
  for (let i = 0; i < value.length - 1; i++) if (!valueChar(value.charCodeAt(i))) return false;
  const last = value.charCodeAt(value.length - 1);
  return valueChar(last) && last !== 0x20;
}

/** The members of a tracestate (latin1 byte string) by key, or undefined when Go's parser refuses it. */
export function parseTraceState(text: string): Map<string, string> | undefined {
  const members = new Map<string, string>();
  for (const member of text.split(',')) {
    if (member === '') continue;
    const equals = member.indexOf('=');
    if (equals < 0) return undefined;
    const key = member.slice(0, equals).replace(/^[ \t]+/, '');
    const value = member.slice(equals + 1).replace(/[ \t]+$/, '');
    if (!validKey(key) || !validValue(value) || members.has(key)) return undefined;
    members.set(key, value);
    if (members.size > MAX_MEMBERS) return undefined;
  }
  return members;
}

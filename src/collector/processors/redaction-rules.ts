// What the redaction processor does to one attribute list or log body, as contrib's redactionprocessor v0.161.0:
// keys not allowed are removed, values matching blocked_values are masked ("****" or the hash of the match) unless
// they match allowed_values, keys matching blocked_key_patterns have their whole value masked, ignored keys are
// left alone, and the summary attributes (redaction.*) record what happened. Works on OTLP/JSON values and never
// changes its input.
import { createHash, createHmac } from 'node:crypto';
import { compileRe2, type Re2 } from '../../contract/re2.ts';
import type { JsonObject, JsonValue } from '../otlp/decode.ts';
import { decodeAnyValue } from '../otlp/any-value.ts';
import { anyValueAsString } from '../otlp/go-text.ts';
import { anyValueToProtobuf } from '../otlp/json.ts';
import { replaceAllFunc } from './go-replace.ts';
import type { RedactionConfig } from './redaction-config.ts';

export interface KeyValue {
  readonly key: string;
  readonly value?: JsonObject;
}

/** The summary attributes of one kind of change: the keys' list (debug; none for ignored keys) and their count. */
interface SummaryKeys {
  readonly keys: string;
  readonly count: string;
}
type SummaryNames = Record<keyof Changes, SummaryKeys>;

function summaryNames(prefix: string): SummaryNames {
  const names = (kind: string, listed = true) => ({ keys: listed ? `${prefix}.${kind}.keys` : '', count: `${prefix}.${kind}.count` });
  return { redacted: names('redacted'), masked: names('masked'), allowed: names('allowed'), ignored: names('ignored', false) };
}
const ATTRIBUTE_SUMMARY = summaryNames('redaction');
const BODY_SUMMARY = summaryNames('redaction.body');

/** Summary keys upstream always allows (redaction.allowed.* is not among them). */
const ALWAYS_ALLOWED = ['redaction.redacted.keys', 'redaction.redacted.count', 'redaction.masked.keys', 'redaction.masked.count', 'redaction.ignored.count'];
const MASK = '****';
const WHOLE_VALUE = compileRe2('.*');

/** Keys per kind of change, in the order met. */
interface Changes {
  redacted: string[];
  masked: string[];
  allowed: string[];
  ignored: string[];
}
const noChanges = (): Changes => ({ redacted: [], masked: [], allowed: [], ignored: [] });

/** pcommon Value.Str(): the string of a string value, else "". */
function str(value: JsonObject | undefined): string {
  return typeof value?.['stringValue'] === 'string' ? value['stringValue'] : '';
}

/** pcommon Value.AsString(). */
export function asString(value: JsonObject | undefined): string {
  if (!value) return '';
  if (typeof value['stringValue'] === 'string') return value['stringValue'];
  return anyValueAsString(decodeAnyValue(anyValueToProtobuf(value)));
}

/** pcommon Value.Int(): the integer of an int value, else 0. */
function int(value: JsonObject | undefined): bigint {
  const raw = value?.['intValue'];
  return typeof raw === 'string' || typeof raw === 'number' ? BigInt(raw) : 0n;
}

const stringValue = (text: string): JsonObject => ({ stringValue: text });

export class Redactor {
  private readonly allowed: Set<string>;
  private readonly ignored: Set<string>;
  private readonly ignoredPatterns: Re2[];
  private readonly blockedValues: Re2[];
  private readonly allowedValues: Re2[];
  private readonly blockedKeys: Re2[];
  private readonly config: RedactionConfig;
  private readonly hash: (match: string) => string;

  constructor(config: RedactionConfig) {
    this.config = config;
    this.allowed = new Set([...config.allowed_keys, ...ALWAYS_ALLOWED]);
    this.ignored = new Set(config.ignored_keys);
    this.ignoredPatterns = config.ignored_key_patterns.map(compileRe2);
    this.blockedValues = config.blocked_values.map(compileRe2);
    this.allowedValues = config.allowed_values.map(compileRe2);
    this.blockedKeys = config.blocked_key_patterns.map(compileRe2);
    this.hash = hasher(config);
  }

  /** The attribute list redacted, with its summary attributes. */
  attributes(list: readonly KeyValue[]): KeyValue[] {
    const changes = noChanges();
    const out: KeyValue[] = [];
    for (const attribute of list) {
      const { key, value } = attribute;
      if (this.isIgnored(key)) {
        changes.ignored.push(key);
        out.push(attribute);
        continue;
      }
      if (this.isRedacted(key)) {
        changes.redacted.push(key);
        continue;
      }
      const text = this.config.redact_all_types ? asString(value) : str(value);
      if (this.isAllowedValue(text)) {
        changes.allowed.push(key);
        out.push(attribute);
        continue;
      }
      const masked = this.isBlockedKey(key) ? this.mask(text, WHOLE_VALUE) : this.maskBlocked(text);
      if (masked === text && !this.isBlockedKey(key)) {
        out.push(attribute);
        continue;
      }
      changes.masked.push(key);
      out.push({ key, value: stringValue(masked) });
    }
    return this.summarize(out, changes, ATTRIBUTE_SUMMARY);
  }

  /** A log record's body redacted, and its attributes with the body's summary attributes. */
  logBody(body: JsonObject | undefined, attributes: readonly KeyValue[]): { body: JsonObject | undefined; attributes: KeyValue[] } {
    const changes = noChanges();
    let result: JsonObject | undefined;
    const map = body?.['kvlistValue'] as { values?: KeyValue[] } | undefined;
    const array = body?.['arrayValue'] as { values?: JsonObject[] } | undefined;
    if (map) {
      result = { kvlistValue: { values: this.bodyMap(map.values ?? [], undefined, changes) } as unknown as JsonValue };
    } else if (array) {
      result = { arrayValue: { values: (array.values ?? []).map((item, i) => this.bodyValue(item, `[${i}]`, changes) ?? {}) } };
    } else {
      const text = asString(body);
      if (this.isAllowedValue(text)) return { body, attributes: [...attributes] };
      const masked = this.maskBlocked(text);
      if (masked !== text) changes.masked.push('body');
      result = masked !== text ? stringValue(masked) : body;
    }
    return { body: result, attributes: this.summarize([...attributes], changes, BODY_SUMMARY) };
  }

  /** The entries of a map in a body; `path` is the map's own path (undefined for the body itself). */
  private bodyMap(entries: readonly KeyValue[], path: string | undefined, changes: Changes): KeyValue[] {
    const out: KeyValue[] = [];
    const removed: string[] = [];
    for (const entry of entries) {
      const { key, value } = entry;
      const keyPath = path === undefined ? key : `${path}.${key}`;
      if (this.isIgnored(key)) {
        changes.ignored.push(keyPath);
        out.push(entry);
      } else if (this.isRedacted(key)) {
        removed.push(keyPath);
      } else if (this.isBlockedKey(key)) {
        changes.masked.push(keyPath);
        out.push({ key, value: stringValue(this.mask(str(value), WHOLE_VALUE)) });
      } else {
        out.push({ key, value: this.bodyValue(value, keyPath, changes) });
      }
    }
    changes.redacted.push(...removed);
    return out;
  }

  private bodyValue(value: JsonObject | undefined, path: string, changes: Changes): JsonObject | undefined {
    const map = value?.['kvlistValue'] as { values?: KeyValue[] } | undefined;
    if (map) return { kvlistValue: { values: this.bodyMap(map.values ?? [], path, changes) } as unknown as JsonValue };
    const array = value?.['arrayValue'] as { values?: JsonObject[] } | undefined;
    if (array) return { arrayValue: { values: (array.values ?? []).map((item, i) => this.bodyValue(item, `${path}.[${i}]`, changes) ?? {}) } };
    const text = asString(value);
    if (this.isAllowedValue(text)) {
      changes.allowed.push(path);
      return value;
    }
    const masked = this.maskBlocked(text);
    if (masked === text) return value;
    changes.masked.push(path);
    return stringValue(masked);
  }

  private isIgnored(key: string): boolean {
    return this.ignored.has(key) || this.ignoredPatterns.some((re) => re.matcher(key).find());
  }

  private isRedacted(key: string): boolean {
    return !this.config.allow_all_keys && !this.allowed.has(key);
  }

  private isBlockedKey(key: string): boolean {
    return this.blockedKeys.some((re) => re.matcher(key).find());
  }

  private isAllowedValue(text: string): boolean {
    return this.allowedValues.some((re) => re.matcher(text).find());
  }

  private maskBlocked(text: string): string {
    let result = text;
    for (const re of this.blockedValues) if (re.matcher(result).find()) result = this.mask(result, re);
    return result;
  }

  private mask(text: string, re: Re2): string {
    return replaceAllFunc(re, text, this.hash);
  }

  /** Adds (or adds to) the summary attributes the config's `summary` level asks for. */
  private summarize(list: KeyValue[], changes: Changes, names: SummaryNames): KeyValue[] {
    const level = this.config.summary;
    if (level !== 'debug' && level !== 'info') return list;
    for (const kind of ['redacted', 'masked', 'allowed', 'ignored'] as const) {
      const keys = changes[kind];
      if (keys.length === 0) continue;
      const { keys: keysName, count: countName } = names[kind];
      if (level === 'debug' && keysName !== '') {
        const existing = str(find(list, keysName));
        const all = existing === '' ? [...keys] : [...keys, ...existing.split(',')];
        put(list, keysName, stringValue(all.sort(byteOrder).join(',')));
      }
      const existingCount = find(list, countName) ? int(find(list, countName)) : 0n;
      put(list, countName, { intValue: String(existingCount + BigInt(keys.length)) });
    }
    return list;
  }
}

function find(list: readonly KeyValue[], key: string): JsonObject | undefined {
  return list.find((entry) => entry.key === key)?.value;
}

/** pcommon Map.Put*: replaces the first entry with the key in place, else appends. */
function put(list: KeyValue[], key: string, value: JsonObject): void {
  const index = list.findIndex((entry) => entry.key === key);
  if (index < 0) list.push({ key, value });
  else list[index] = { key, value };
}

/** Go's sort.Strings: by UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function hasher(config: RedactionConfig): (match: string) => string {
  switch (config.hash_function) {
    case 'sha1': return (match) => createHash('sha1').update(match, 'utf8').digest('hex');
    case 'sha3': return (match) => createHash('sha3-256').update(match, 'utf8').digest('hex');
    case 'md5': return (match) => createHash('md5').update(match, 'utf8').digest('hex');
    case 'hmac-sha256': return (match) => createHmac('sha256', config.hmac_key).update(match, 'utf8').digest('hex');
    case 'hmac-sha512': return (match) => createHmac('sha512', config.hmac_key).update(match, 'utf8').digest('hex');
    case '': return () => MASK;
  }
}

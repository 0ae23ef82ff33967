// A strict parser of the Prometheus text exposition format (version 0.0.4), enough to read
// counters and gauges from a collector's /metrics.
//
// Why not a library: the one npm parser in wide use, parse-prometheus-text-format 1.1.1, has had
// no release since 2018, returns an empty result instead of an error for a malformed line, and
// folds every label set of a histogram into one unlabelled entry. A scraper that silently reads
// nothing would make the autoscaler see an idle fleet, so this parser fails loudly with the line
// number instead.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface Exposition {
  samples: Sample[];
  /** Family name -> type from `# TYPE` lines. */
  types: Map<string, MetricType>;
}

export class PromParseError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`metrics text line ${line}: ${message}`);
    this.name = 'PromParseError';
    this.line = line;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP = /^-?\d+$/;

export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, MetricType>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/^[ \t]+/, '').replace(/\r$/, '');
    if (line === '') continue;
    if (line.startsWith('#')) {
      readComment(line, i + 1, types);
      continue;
    }
    samples.push(readSample(line, i + 1));
  }
  return { samples, types };
}

function readComment(line: string, lineNo: number, types: Map<string, MetricType>): void {
  const tokens = line.slice(1).trim().split(/[ \t]+/);
  const keyword = tokens[0];
  if (keyword !== 'HELP' && keyword !== 'TYPE') return; // a plain comment (also OpenMetrics # EOF / # UNIT)
  const name = tokens[1];
  if (name === undefined || !fullMatch(METRIC_NAME, name)) throw new PromParseError(lineNo, `# ${keyword} needs a metric name`);
  if (keyword === 'HELP') return;
  const type = tokens[2]?.toLowerCase();
  if (type === undefined || tokens.length !== 3 || !TYPES.has(type)) {
    throw new PromParseError(lineNo, `# TYPE ${name} needs one of ${[...TYPES].join(', ')}`);
  }
  if (types.has(name)) throw new PromParseError(lineNo, `second # TYPE line for ${name}`);
  types.set(name, type as MetricType);
}

function readSample(line: string, lineNo: number): Sample {
  const nameMatch = METRIC_NAME.exec(line);
  if (!nameMatch) throw new PromParseError(lineNo, `expected a metric name at ${JSON.stringify(line.slice(0, 40))}`);
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  const brace = skipBlanks(rest, 0);
  if (rest[brace] === '{') {
    rest = rest.slice(brace);
    const read = readLabels(rest, lineNo);
    labels = read.labels;
    rest = rest.slice(read.length);
  }
  if (!/^[ \t]/.test(rest)) throw new PromParseError(lineNo, `expected a space and a value after ${name}`);
  const tokens = rest.trim().split(/[ \t]+/);
  if (tokens.length > 2) throw new PromParseError(lineNo, `unexpected text after the value of ${name}`);
  const value = parseValue(tokens[0] ?? '');
  if (value === undefined) throw new PromParseError(lineNo, `invalid value ${JSON.stringify(tokens[0])} for ${name}`);
  const sample: Sample = { name, labels, value };
  const timestamp = tokens[1];
  if (timestamp !== undefined) {
    if (!TIMESTAMP.test(timestamp)) throw new PromParseError(lineNo, `invalid timestamp ${JSON.stringify(timestamp)} for ${name}`);
    sample.timestampMs = Number(timestamp);
  }
  return sample;
}

/** Reads `{a="x",b="y"}` (a trailing comma is allowed) and returns the labels and characters consumed. */
function readLabels(text: string, lineNo: number): { labels: Record<string, string>; length: number } {
  const labels: Record<string, string> = {};
  let at = 1;
  for (;;) {
    at = skipBlanks(text, at);
    if (text[at] === '}') return { labels, length: at + 1 };
    const nameMatch = LABEL_NAME.exec(text.slice(at));
    if (!nameMatch) throw new PromParseError(lineNo, `expected a label name or } at column ${at + 1}`);
    const labelName = nameMatch[0];
    at = skipBlanks(text, at + labelName.length);
    if (text[at] !== '=') throw new PromParseError(lineNo, `expected = after label ${labelName}`);
    at = skipBlanks(text, at + 1);
    if (text[at] !== '"') throw new PromParseError(lineNo, `expected a quoted value for label ${labelName}`);
    const read = readQuoted(text, at + 1, lineNo);
    if (Object.hasOwn(labels, labelName)) throw new PromParseError(lineNo, `label ${labelName} given twice`);
    labels[labelName] = read.value;
    at = skipBlanks(text, read.end);
    if (text[at] === ',') at++;
    else if (text[at] !== '}') throw new PromParseError(lineNo, `expected , or } after label ${labelName}`);
  }
}

function readQuoted(text: string, start: number, lineNo: number): { value: string; end: number } {
  let value = '';
  for (let at = start; at < text.length; at++) {
    const c = text[at];
    if (c === '"') return { value, end: at + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const next = text[++at];
    if (next === 'n') value += '\n';
    else if (next === '\\' || next === '"') value += next;
    else throw new PromParseError(lineNo, `invalid escape \\${next ?? ''} in a label value`);
  }
  throw new PromParseError(lineNo, 'unterminated label value');
}

function skipBlanks(text: string, at: number): number {
  while (text[at] === ' ' || text[at] === '\t') at++;
  return at;
}

function parseValue(token: string): number | undefined {
  if (NUMBER.test(token)) return Number(token);
  const lower = token.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  return undefined;
}

function fullMatch(re: RegExp, s: string): boolean {
  const m = re.exec(s);
  return m !== null && m[0].length === s.length;
}

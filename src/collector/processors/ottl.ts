// A small, exact subset of OTTL boolean conditions, as the filter processor uses them: comparisons
// (==, !=, <, <=, >, >=) of paths, enums and literals, IsMatch(target, "regex"), true/false/nil, not, and/or and
// parentheses. Paths and enums per context: ottl-paths.ts. Anything else is rejected when the config is loaded,
// never ignored.
import type { ItemContext } from '../otlp/index.ts';
import { compileRe2, type Re2 } from '../../contract/re2.ts';
import { enumValue, type Operand, type OttlContext, pathContext, resolvePath, type Value } from './ottl-paths.ts';

export type { OttlContext } from './ottl-paths.ts';
export type Condition = (item: Uint8Array, context: ItemContext) => boolean;

export class OttlError extends Error {}

/** The contexts the paths of a condition name by their first segment (`span.name` -> span). */
export function namedContexts(text: string): Set<string> {
  const tokens = tokenize(text);
  const named = new Set<string>();
  tokens.forEach((token, i) => {
    const startsPath = token.kind === 'ident' && tokens[i + 1]?.text === '.' && tokens[i - 1]?.text !== '.';
    const context = startsPath ? pathContext(token.text) : undefined;
    if (context) named.add(context);
  });
  return named;
}

/** One condition that is true when any of `conditions` is (the filter processor ORs its list). */
export function compileConditions(conditions: readonly string[], context: OttlContext): Condition {
  const compiled = conditions.map((text) => compileCondition(text, context));
  return (item, ctx) => {
    for (const condition of compiled) if (condition(item, ctx)) return true;
    return false;
  };
}

export function compileCondition(text: string, context: OttlContext): Condition {
  const parser = new Parser(tokenize(text), context, text);
  const condition = parser.expression();
  parser.end();
  return condition;
}

type Token = { kind: 'ident' | 'string' | 'number' | 'op' | 'punct'; text: string };

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|<=|>=|<|>)|([()[\],.]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(text);
    if (!match) throw new OttlError(`unexpected "${text.slice(index).trim().slice(0, 20)}" in condition "${text}"`);
    index = TOKEN.lastIndex;
    if (match[1]) tokens.push({ kind: 'string', text: JSON.parse(match[1]) as string });
    else if (match[2]) tokens.push({ kind: 'number', text: match[2] });
    else if (match[3]) tokens.push({ kind: 'ident', text: match[3] });
    else if (match[4]) tokens.push({ kind: 'op', text: match[4] });
    else tokens.push({ kind: 'punct', text: match[5]! });
  }
  return tokens;
}

class Parser {
  private index = 0;
  private readonly tokens: Token[];
  private readonly context: OttlContext;
  private readonly text: string;

  constructor(tokens: Token[], context: OttlContext, text: string) {
    this.tokens = tokens;
    this.context = context;
    this.text = text;
  }

  expression(): Condition {
    let left = this.conjunction();
    while (this.acceptWord('or')) {
      const a = left;
      const b = this.conjunction();
      left = (item, ctx) => a(item, ctx) || b(item, ctx);
    }
    return left;
  }

  end(): void {
    const token = this.tokens[this.index];
    if (token) throw this.error(`unexpected "${token.text}"`);
  }

  private conjunction(): Condition {
    let left = this.unary();
    while (this.acceptWord('and')) {
      const a = left;
      const b = this.unary();
      left = (item, ctx) => a(item, ctx) && b(item, ctx);
    }
    return left;
  }

  private unary(): Condition {
    if (this.acceptWord('not')) {
      const inner = this.unary();
      return (item, ctx) => !inner(item, ctx);
    }
    if (this.accept('punct', '(')) {
      const inner = this.expression();
      this.expect('punct', ')');
      return inner;
    }
    const left = this.operand();
    const op = this.tokens[this.index];
    if (op?.kind !== 'op') {
      return (item, ctx) => left(item, ctx) === true;
    }
    this.index++;
    const right = this.operand();
    return comparison(op.text, left, right);
  }

  private operand(): Operand {
    const token = this.next();
    if (token.kind === 'string') {
      const value = token.text;
      return () => value;
    }
    if (token.kind === 'number') {
      const value = /[.eE]/.test(token.text) ? Number(token.text) : BigInt(token.text);
      return () => value;
    }
    if (token.kind !== 'ident') throw this.error(`unexpected "${token.text}"`);
    switch (token.text) {
      case 'true': return () => true;
      case 'false': return () => false;
      case 'nil': return () => null;
      case 'IsMatch': return this.isMatch();
      default: {
        const symbol = /^[A-Z][A-Z0-9_]*$/.test(token.text) ? enumValue(token.text, this.context) : undefined;
        if (symbol !== undefined) return () => symbol;
        return this.path(token.text);
      }
    }
  }

  private isMatch(): Operand {
    this.expect('punct', '(');
    const target = this.operand();
    this.expect('punct', ',');
    const pattern = this.next();
    if (pattern.kind !== 'string') throw this.error('IsMatch needs a string literal pattern');
    this.expect('punct', ')');
    let regex: Re2;
    try {
      regex = compileRe2(pattern.text);
    } catch (error) {
      throw this.error((error as Error).message);
    }
    return (item, ctx) => {
      const text = asText(target(item, ctx));
      return text !== undefined && regex.test(text);
    };
  }

  private path(first: string): Operand {
    const parts = [first];
    while (this.accept('punct', '.')) parts.push(this.word());
    let key: string | undefined;
    if (this.accept('punct', '[')) {
      const token = this.next();
      if (token.kind !== 'string') throw this.error('map keys must be string literals');
      key = token.text;
      this.expect('punct', ']');
      if (this.tokens[this.index]?.text === '[') throw this.error('nested map keys are not supported');
    }
    const resolved = resolvePath(parts, key, this.context);
    if (!resolved) throw this.error(`unsupported path "${[...parts].join('.')}${key === undefined ? '' : `["${key}"]`}" in the ${this.context} context`);
    return resolved;
  }

  private word(): string {
    const token = this.next();
    if (token.kind !== 'ident') throw this.error(`expected a name, got "${token.text}"`);
    return token.text;
  }

  private next(): Token {
    const token = this.tokens[this.index++];
    if (!token) throw this.error('unexpected end of condition');
    return token;
  }

  private accept(kind: Token['kind'], text: string): boolean {
    const token = this.tokens[this.index];
    if (token?.kind === kind && token.text === text) {
      this.index++;
      return true;
    }
    return false;
  }

  private acceptWord(word: string): boolean {
    return this.accept('ident', word);
  }

  private expect(kind: Token['kind'], text: string): void {
    if (!this.accept(kind, text)) throw this.error(`expected "${text}"`);
  }

  private error(message: string): OttlError {
    return new OttlError(`${message} in condition "${this.text}"`);
  }
}

function asText(value: Value): string | undefined {
  if (value === null || typeof value === 'object') return undefined;
  return typeof value === 'string' ? value : String(value);
}

/** OTTL comparison: values of different types are never equal; numbers compare across int and double. */
function comparison(op: string, left: Operand, right: Operand): Condition {
  return (item, ctx) => {
    const a = left(item, ctx);
    const b = right(item, ctx);
    if (op === '==') return equal(a, b);
    if (op === '!=') return !equal(a, b);
    const order = compare(a, b);
    if (order === undefined) return false;
    return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
  };
}

function isNumber(value: Value): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

function equal(a: Value, b: Value): boolean {
  if (isNumber(a) && isNumber(b)) return Number(a) === Number(b) && (typeof a !== typeof b || a === b);
  if (typeof a === 'object' || typeof b === 'object') return a === null && b === null;
  return a === b;
}

function compare(a: Value, b: Value): number | undefined {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    return Number(a) - Number(b);
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

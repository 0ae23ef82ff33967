// Config references, as the upstream collector's confmap resolves them:
//   ${env:NAME}  ${NAME}  ${env:NAME:-default}  ${file:PATH}   and `$$` for a literal `$`.
// A value that is exactly one reference takes the type its text has in YAML (`port: ${env:PORT}` is a
// number; a file holding a map is a map), keeping the original text for fields that expect a string.
// References embedded in a longer string are replaced by their text. What a reference resolves to is expanded
// again, as upstream does, up to 1000 levels ("too many recursive expansions"). File paths are relative to the
// working directory.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { issue, type ConfigIssue, type ConfigPath } from './issues.ts';

export type Env = Readonly<Record<string, string | undefined>>;
/** Reads a file for ${file:PATH}; throws when it cannot. */
export type FileReader = (path: string) => string;

export interface Expansion {
  readonly value: unknown;
  /** Original text of whole-value references that became a non-string, keyed by `pathKey(path)`. */
  readonly originals: ReadonlyMap<string, string>;
  readonly issues: readonly ConfigIssue[];
  /** Names of referenced variables that are not set (upstream warns and uses ""). */
  readonly unset: readonly string[];
}

const ENV_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+$/;

export function pathKey(path: ConfigPath): string {
  return JSON.stringify(path);
}

export function expandEnv(value: unknown, env: Env, files: FileReader = (path) => readFileSync(path, 'utf8')): Expansion {
  const state: State = { env, files, originals: new Map(), issues: [], unset: new Set() };
  const expanded = walk(value, [], state, 0);
  return { value: expanded, originals: state.originals, issues: state.issues, unset: [...state.unset] };
}

interface State {
  readonly env: Env;
  readonly files: FileReader;
  readonly originals: Map<string, string>;
  readonly issues: ConfigIssue[];
  readonly unset: Set<string>;
}

const MAX_DEPTH = 1000;

function walk(value: unknown, path: ConfigPath, state: State, depth: number): unknown {
  if (typeof value === 'string') return expandString(value, path, state, depth);
  if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], state, depth));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key], state, depth);
    return out;
  }
  return value;
}

/** A resolved text expanded again; undefined (with an issue recorded) past the depth limit. */
function again(text: string, path: ConfigPath, state: State, depth: number): unknown {
  if (depth >= MAX_DEPTH) {
    state.issues.push(issue(path, 'too many recursive expansions'));
    return undefined;
  }
  // A string keeps its text as resolved (YAML would drop a comment or a final newline), as upstream's.
  const typed = typedValue(text);
  return walk(typeof typed === 'string' ? text : typed, path, state, depth + 1);
}

function expandString(text: string, path: ConfigPath, state: State, depth: number): unknown {
  if (!text.includes('$')) return text;
  const whole = /^\$\{([^}]*)\}$/.exec(text);
  if (whole) {
    const resolved = resolve(whole[1]!, path, state);
    if (resolved === undefined) return text;
    const expanded = again(resolved, path, state, depth);
    if (expanded === undefined) return text;
    // The innermost reference that gave a non-string keeps its text.
    if (typeof expanded !== 'string' && !state.originals.has(pathKey(path))) state.originals.set(pathKey(path), resolved);
    return expanded;
  }
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    const next = text[index + 1];
    if (char === '$' && next === '$') {
      out += '$';
      index += 2;
    } else if (char === '$' && next === '{' && text.indexOf('}', index) > 0) {
      const close = text.indexOf('}', index);
      const resolved = resolve(text.slice(index + 2, close), path, state);
      const expanded = resolved === undefined ? undefined : again(resolved, path, state, depth);
      out += expanded === undefined ? text.slice(index, close + 1) : typeof expanded === 'string' ? expanded : resolved;
      index = close + 1;
    } else {
      out += char;
      index += 1;
    }
  }
  return out;
}

/** The text a reference stands for, or undefined (with an issue recorded) when it is invalid. */
function resolve(reference: string, path: ConfigPath, state: State): string | undefined {
  const shown = `\${${reference}}`;
  if (reference.includes('$')) {
    state.issues.push(issue(path, `${shown}: nested references are not supported`));
    return undefined;
  }
  const colon = reference.indexOf(':');
  let target = reference;
  if (colon >= 0 && SCHEME.test(reference.slice(0, colon))) {
    const scheme = reference.slice(0, colon);
    if (scheme === 'file') return readFile(reference.slice(colon + 1), path, state);
    if (scheme !== 'env') {
      state.issues.push(issue(path, `${shown}: unsupported: config source "${scheme}" (env and file are supported)`));
      return undefined;
    }
    target = reference.slice(colon + 1);
  }
  const separator = target.indexOf(':-');
  const name = separator < 0 ? target : target.slice(0, separator);
  const fallback = separator < 0 ? undefined : target.slice(separator + 2);
  if (!ENV_NAME.test(name)) {
    state.issues.push(issue(path, `${shown}: invalid environment variable name "${name}"`));
    return undefined;
  }
  const value = state.env[name];
  if (value !== undefined) return value;
  if (fallback !== undefined) return fallback;
  state.unset.add(name);
  return '';
}

function readFile(file: string, path: ConfigPath, state: State): string | undefined {
  try {
    return state.files(file);
  } catch (error) {
    state.issues.push(issue(path, `\${file:${file}}: unable to read the file file:${file}: ${(error as Error).message}`));
    return undefined;
  }
}

/** The YAML reading of a referenced value (number, boolean, null, list, map or string). */
function typedValue(text: string): unknown {
  try {
    return parseYaml(text) ?? null;
  } catch {
    return text;
  }
}

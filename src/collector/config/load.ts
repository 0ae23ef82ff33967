// Reading config files: YAML with upstream-compatible merging of several files (maps merge, later
// files win, lists are replaced) followed by environment expansion.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { expandEnv, type Env, type Expansion } from './expand.ts';
import { issue, type ConfigIssue } from './issues.ts';

export interface RawConfig {
  readonly expansion: Expansion;
  readonly issues: readonly ConfigIssue[];
}

/** Parses one YAML text; syntax errors become issues naming the source and position. */
export function parseYamlText(text: string, source: string): { value: unknown; issues: ConfigIssue[] } {
  const document = parseDocument(text, { merge: true, uniqueKeys: true });
  const issues = document.errors.map((error) => {
    const where = error.linePos ? `${source}:${error.linePos[0].line}:${error.linePos[0].col}` : source;
    return issue([], `${where}: ${error.message.split('\n')[0]}`);
  });
  return { value: issues.length > 0 ? undefined : document.toJS({ maxAliasCount: 1000 }), issues };
}

export function mergeConfigs(base: unknown, overlay: unknown): unknown {
  if (isMap(base) && isMap(overlay)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(overlay)) out[key] = key in base ? mergeConfigs(base[key], value) : value;
    return out;
  }
  return overlay === undefined ? base : overlay;
}

export function loadConfigTexts(sources: readonly { text: string; source: string }[], env: Env): RawConfig {
  const issues: ConfigIssue[] = [];
  let merged: unknown = {};
  for (const { text, source } of sources) {
    const parsed = parseYamlText(text, source);
    issues.push(...parsed.issues);
    if (parsed.value !== undefined && parsed.value !== null) merged = mergeConfigs(merged, parsed.value);
  }
  const expansion = expandEnv(merged, env);
  return { expansion, issues: [...issues, ...expansion.issues] };
}

export async function loadConfigFiles(paths: readonly string[], env: Env): Promise<RawConfig> {
  const sources: { text: string; source: string }[] = [];
  const issues: ConfigIssue[] = [];
  for (const path of paths) {
    try {
      sources.push({ text: await readFile(path, 'utf8'), source: path });
    } catch (error) {
      issues.push(issue([], `cannot read config file ${path}: ${(error as Error).message}`));
    }
  }
  const raw = loadConfigTexts(sources, env);
  return { expansion: raw.expansion, issues: [...issues, ...raw.issues] };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

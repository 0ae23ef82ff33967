// Component and pipeline ids as upstream writes them: `type[/name]`, e.g. `otlp`, `otlp/backend`, `traces/2`.
export interface ComponentId {
  readonly type: string;
  readonly name: string;
}

const TYPE = /^[a-zA-Z][0-9a-zA-Z_]{0,62}$/;
// Upstream forbids separators, control characters, symbols and whitespace in names.
const NAME = /^[^\p{Z}\p{C}\p{S}]+$/u;
const MAX_NAME = 1024;

/** Parses an id; returns an error message when it is not valid. */
export function parseComponentId(text: string): ComponentId | string {
  const slash = text.indexOf('/');
  const type = slash < 0 ? text : text.slice(0, slash);
  const name = slash < 0 ? '' : text.slice(slash + 1);
  if (!TYPE.test(type)) {
    return `invalid type "${type}": must start with a letter and contain only letters, digits and "_" (at most 63 characters)`;
  }
  if (slash >= 0) {
    if (name === '') return 'name part must not be empty';
    if (name.length > MAX_NAME || !NAME.test(name)) {
      return `invalid name "${name}": must not contain spaces, control characters or symbols (at most ${MAX_NAME} characters)`;
    }
  }
  return { type, name };
}

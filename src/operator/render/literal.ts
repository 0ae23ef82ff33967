// User text placed in the collector config must stay literal: both collectors expand ${...} references in config
// values and read `$$` as one `$`. Escaping every `$` keeps a regex like `^/api$` intact and stops a spec from
// reading the collector pod's environment.
export function configLiteral(text: string): string {
  return text.replace(/\$/g, () => '$$');
}

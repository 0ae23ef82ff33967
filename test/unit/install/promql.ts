// PromQL checks for the chart's alerts and dashboard, with the official Prometheus grammar (lezer-promql):
// syntax errors, and the metric names an expression selects.
import { parser } from '@prometheus-io/lezer-promql';

/** Offsets of syntax errors in `expr` (empty when it parses). */
export function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}

/**
 * Every name a simple `__name__` regex can match: literals, `(a|b|c)` groups and `(x)?` optionals, the only forms
 * the chart uses. Anything else throws, so a cleverer regex cannot slip past the name check.
 */
export function expandNameRegex(pattern: string): string[] {
  let results = [''];
  for (let i = 0; i < pattern.length; ) {
    if (pattern[i] === '(') {
      const close = pattern.indexOf(')', i);
      if (close < 0) throw new Error(`unbalanced group in ${pattern}`);
      const alternatives = pattern.slice(i + 1, close).split('|');
      const optional = pattern[close + 1] === '?';
      if (optional) alternatives.push('');
      results = results.flatMap((prefix) => alternatives.map((a) => prefix + a));
      i = close + (optional ? 2 : 1);
    } else if (/[A-Za-z0-9_:]/.test(pattern[i]!)) {
      const ch = pattern[i]!;
      results = results.map((prefix) => prefix + ch);
      i += 1;
    } else {
      throw new Error(`unsupported regex syntax "${pattern[i]}" in ${pattern}`);
    }
  }
  for (const r of results) if (/[()|?]/.test(r)) throw new Error(`nested groups are not supported: ${pattern}`);
  return results;
}

/** The metric names the vector selectors of `expr` can select. */
export function selectedMetricNames(expr: string): string[] {
  const names: string[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name === 'VectorSelector') {
        const identifier = node.node.getChild('Identifier');
        if (identifier) names.push(text(identifier.from, identifier.to));
      }
      if (node.name === 'UnquotedLabelMatcher') {
        const label = node.node.getChild('LabelName');
        const op = node.node.getChild('MatchOp');
        const value = node.node.getChild('StringLiteral');
        if (!label || !op || !value || text(label.from, label.to) !== '__name__') return;
        const literal = JSON.parse(text(value.from, value.to)) as string;
        names.push(...(text(op.from, op.to) === '=~' ? expandNameRegex(literal) : [literal]));
      }
    },
  });
  return names;
}

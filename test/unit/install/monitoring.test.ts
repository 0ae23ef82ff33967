// The chart's PrometheusRule and Grafana dashboard: every expression parses as PromQL and selects only metrics our
// collector or operator exports (or their upstream `_total` / `_bytes` forms), and the guide's alerts carry its
// thresholds.
import { parseAllDocuments } from 'yaml';
import { Telemetry } from '../../../src/collector/telemetry.ts';
import { createMetrics } from '../../../src/operator/metrics.ts';
import { CHART, ensureHelmAndKubectl, helm, ok } from '../../support/helm-kubectl.ts';
import { promqlErrors, selectedMetricNames } from './promql.ts';

type Rule = { alert: string; expr: string; for?: string; labels: { severity: string }; annotations: { summary: string } };
type Panel = { title: string; targets: { expr: string }[] };
type Dashboard = { panels: Panel[]; templating: { list: { name: string; query: unknown }[] } };
type Obj = { kind: string; metadata: { labels?: Record<string, string> }; spec: { groups: { rules: Rule[] }[] }; data: Record<string, string> };

const KNOWN = new Set([
  'up',
  ...new Telemetry().registry.getMetricsAsArray().map((m) => m.name),
  ...createMetrics(() => 0).registry.getMetricsAsArray().map((m) => m.name),
]);
const known = (name: string) => KNOWN.has(name) || ['_total', '_bytes'].some((s) => name.endsWith(s) && KNOWN.has(name.slice(0, -s.length)));

async function render(set: string[] = []): Promise<Obj[]> {
  const flags = ['serviceMonitor.enabled=true', 'collectorPodMonitor.enabled=true', 'prometheusRule.enabled=true', 'dashboard.enabled=true', ...set];
  const out = await ok(helm(undefined, ['template', 'tpo', CHART, '--set', flags.join(',')]));
  return parseAllDocuments(out).map((d) => d.toJS() as Obj).filter(Boolean);
}

let objects: Obj[];
let rules: Rule[];
let dashboard: Dashboard;
let dashboardLabels: Record<string, string>;

beforeAll(async () => {
  await ensureHelmAndKubectl();
  objects = await render();
  rules = objects.find((o) => o.kind === 'PrometheusRule')!.spec.groups.flatMap((g) => g.rules);
  const configMap = objects.find((o) => o.kind === 'ConfigMap')!;
  dashboardLabels = configMap.metadata.labels ?? {};
  dashboard = JSON.parse(configMap.data['telemetry-pipelines.json']!) as Dashboard;
}, 300_000);

test('every alert expression parses and selects known metrics', () => {
  expect(rules.length).toBeGreaterThanOrEqual(8);
  for (const rule of rules) {
    expect({ alert: rule.alert, errors: promqlErrors(rule.expr) }).toEqual({ alert: rule.alert, errors: [] });
    const names = selectedMetricNames(rule.expr);
    expect(names.length).toBeGreaterThan(0);
    expect({ alert: rule.alert, unknown: names.filter((n) => !known(n)) }).toEqual({ alert: rule.alert, unknown: [] });
    expect(rule.annotations.summary).toBeTruthy();
  }
});

test.each([
  ['TelemetryPipelineHighRefuseRate', /otelcol_receiver_refused_.*\/.*otelcol_receiver_accepted_.*> 0\.01\s*$/s],
  ['TelemetryPipelineExportFailure', /rate\(\{__name__=~"otelcol_exporter_send_failed_.*> 10\s*$/s],
  ['TelemetryPipelineHighMemory', /otelcol_process_memory_rss.*> 1610612736\s*$/s],
  ['TelemetryPipelineQueueBacklog', /otelcol_exporter_queue_size\).*> 4000\s*$/s],
])("the guide's alert %s with its threshold for 5m", (name, expr) => {
  const rule = rules.find((r) => r.alert === name);
  expect(rule?.expr).toMatch(expr);
  expect(rule?.for).toBe('5m');
});

test('the operator alerts watch its reconcile errors and leadership', () => {
  const byName = new Map(rules.map((r) => [r.alert, r]));
  expect(byName.get('TelemetryPipelineOperatorReconcileErrors')?.expr).toContain('tpo_reconcile_errors_total');
  expect(byName.get('TelemetryPipelineOperatorTerminalErrors')?.expr).toContain('tpo_reconcile_total{result="terminal"}');
  expect(byName.get('TelemetryPipelineOperatorNoLeader')?.expr).toContain('tpo_leader');
});

test('thresholds come from values', async () => {
  const custom = await render(['prometheusRule.collector.queueSize=100', 'prometheusRule.collector.for=10m']);
  const backlog = custom.find((o) => o.kind === 'PrometheusRule')!.spec.groups.flatMap((g) => g.rules).find((r) => r.alert === 'TelemetryPipelineQueueBacklog');
  expect(backlog?.expr).toMatch(/> 100\s*$/);
  expect(backlog?.for).toBe('10m');
});

test('the dashboard shows per fleet load against capacity, replicas, refusals, queue fill and export failures', () => {
  expect(dashboardLabels['grafana_dashboard']).toBe('1');
  const titles = dashboard.panels.map((p) => p.title);
  expect(titles).toEqual(expect.arrayContaining(['Accepted spans/s against capacity', 'Replicas', 'Refused items/s', 'Sending queue fill', 'Export failures/s']));
  expect(dashboard.templating.list.find((v) => v.name === 'spans_per_replica')?.query).toBe('10000');
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      // Grafana substitutes its variables before Prometheus sees the query.
      const query = expr.replaceAll('$__rate_interval', '1m').replaceAll('$spans_per_replica', '10000').replace(/\$(namespace|pipeline)/g, '.*');
      expect({ panel: panel.title, errors: promqlErrors(query) }).toEqual({ panel: panel.title, errors: [] });
      expect({ panel: panel.title, unknown: selectedMetricNames(query).filter((n) => !known(n)) }).toEqual({ panel: panel.title, unknown: [] });
      expect(query).toContain('by (namespace, pipeline');
    }
  }
});

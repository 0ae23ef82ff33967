// Jest wiring for exporter integration tests: a fresh OTLP sink per test and exporters started
// against it, all shut down afterwards.
import type { ComponentContext } from '../../src/collector/component.ts';
import type { Exporter } from '../../src/collector/exporters/exporter-helper.ts';
import { testContext } from './exporter-metrics.ts';
import type { TestContext } from './exporter-metrics.ts';
import { OtlpSink } from './otlp-sink.ts';
import type { SinkOptions } from './otlp-sink.ts';

export interface ExporterHarness {
  readonly sink: OtlpSink;
  /** Replaces the sink (e.g. with TLS) for the rest of the test. */
  restartSink(options: SinkOptions): Promise<OtlpSink>;
  /** Creates and starts an exporter; `base(sink)` settings are overridden by `config`. */
  exporter(config: Record<string, unknown>, ctx?: TestContext): Promise<{ exp: Exporter; ctx: TestContext }>;
}

export function useExporterHarness<C>(opts: {
  readonly id: string;
  readonly parse: (input: unknown) => C;
  readonly create: (ctx: ComponentContext, config: C) => Exporter;
  readonly base: (sink: OtlpSink) => Record<string, unknown>;
}): ExporterHarness {
  let sink: OtlpSink | undefined;
  const open: Exporter[] = [];
  beforeEach(async () => {
    sink = await OtlpSink.start();
  });
  afterEach(async () => {
    for (const exp of open.splice(0)) await exp.shutdown!(Date.now() + 1000);
    await sink?.stop();
  });
  const current = () => {
    if (!sink) throw new Error('no sink outside a test');
    return sink;
  };
  return {
    get sink() {
      return current();
    },
    async restartSink(options) {
      await current().stop();
      sink = await OtlpSink.start(options);
      return sink;
    },
    async exporter(config, ctx = testContext(opts.id)) {
      const exp = opts.create(ctx, opts.parse({ ...opts.base(current()), ...config }));
      await exp.start!();
      open.push(exp);
      return { exp, ctx };
    },
  };
}

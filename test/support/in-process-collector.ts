// A collector running inside the test process (the real receivers and pipeline), with a `capture`
// exporter that decodes what reaches it, for tests that must look at delivered data item by item.
import pino from 'pino';
import type { ExporterFactory, Payload, Signal } from '../../src/collector/component.ts';
import { loadConfigTexts } from '../../src/collector/config/load.ts';
import { formatIssue } from '../../src/collector/config/issues.ts';
import { validateConfig } from '../../src/collector/config/validate.ts';
import type { Factories } from '../../src/collector/factories.ts';
import { decodeRequest, encodeRequest, type JsonObject } from '../../src/collector/otlp/index.ts';
import { defaultFactories } from '../../src/collector/registry.ts';
import { Collector } from '../../src/collector/service/collector.ts';
import { stringify } from 'yaml';
import { z } from 'zod';

export class Capture {
  readonly requests: Record<Signal, JsonObject[]> = { traces: [], metrics: [], logs: [] };
  readonly items: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };
  /** Refuse (retryable) while set, to simulate a failing backend. */
  refuse: Error | undefined;
  #waiters: (() => void)[] = [];

  consume(payload: Payload): Promise<void> {
    if (this.refuse) return Promise.reject(this.refuse);
    this.requests[payload.signal].push(decodeRequest(payload.signal, encodeRequest(payload)));
    this.items[payload.signal] += payload.items;
    for (const wake of this.#waiters.splice(0)) wake();
    return Promise.resolve();
  }

  /** Resolves once `predicate` holds, checking after every delivery. */
  async until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`capture condition not met in ${timeoutMs} ms (items: ${JSON.stringify(this.items)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

export function captureExporterFactory(capture: Capture): ExporterFactory<object> {
  return { type: 'capture', configSchema: z.strictObject({}), create: () => capture };
}

export interface InProcessCollector {
  readonly collector: Collector;
  stop(deadlineMs?: number): Promise<void>;
}

export async function startInProcessCollector(config: object | string, extra: Partial<Factories> = {}): Promise<InProcessCollector> {
  const factories: Factories = {
    receivers: [...defaultFactories.receivers, ...(extra.receivers ?? [])],
    processors: [...defaultFactories.processors, ...(extra.processors ?? [])],
    exporters: [...defaultFactories.exporters, ...(extra.exporters ?? [])],
    extensions: [...defaultFactories.extensions, ...(extra.extensions ?? [])],
  };
  const raw = loadConfigTexts([{ text: typeof config === 'string' ? config : stringify(config), source: 'in-process' }], process.env);
  const result = raw.issues.length > 0 ? { issues: raw.issues } : validateConfig(raw.expansion.value, factories, raw.expansion.originals);
  if (!result.config) throw new Error(`invalid config:\n${result.issues.map(formatIssue).join('\n')}`);
  const collector = new Collector(result.config, pino({ level: process.env.TEST_COLLECTOR_LOG_LEVEL ?? 'silent' }));
  await collector.start();
  return { collector, stop: (deadlineMs = 5000) => collector.shutdown(Date.now() + deadlineMs) };
}

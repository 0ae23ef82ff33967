// Counters a processor type adds to the collector's registry (upstream's per-component metrics). One
// instance exists per pipeline, so the counter is created once and shared.
import { Counter } from '../prom-classes.ts';
import type { Telemetry } from '../telemetry.ts';

export function sharedCounter(telemetry: Telemetry, name: string, help: string, labelNames: string[]): Counter {
  const existing = telemetry.registry.getSingleMetric(name);
  if (existing) return existing as Counter;
  return new Counter({ name, help, labelNames, registers: [telemetry.registry] });
}

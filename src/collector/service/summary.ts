// Item counts at shutdown, logged with "Shutdown complete." so an operator (and the drain tests) can
// check that what was accepted was either delivered or counted as dropped.
import { SIGNALS, type Signal } from '../component.ts';
import { ITEM_NAME, type Telemetry } from '../telemetry.ts';

export interface ItemSummary {
  readonly accepted: number;
  readonly refused: number;
  /** Sent by exporters. */
  readonly delivered: number;
  /** Given up by exporters (send failed, queue full, left at the drain deadline). */
  readonly dropped: number;
}

export async function itemSummary(telemetry: Telemetry): Promise<Partial<Record<Signal, ItemSummary>>> {
  const total = async (name: string) => {
    const metric = telemetry.registry.getSingleMetric(name);
    if (!metric) return 0;
    const { values } = await metric.get();
    return values.reduce((sum, sample) => sum + sample.value, 0);
  };
  const out: Partial<Record<Signal, ItemSummary>> = {};
  for (const signal of SIGNALS) {
    const item = ITEM_NAME[signal];
    const summary = {
      accepted: await total(`otelcol_receiver_accepted_${item}`),
      refused: await total(`otelcol_receiver_refused_${item}`),
      delivered: await total(`otelcol_exporter_sent_${item}`),
      dropped: (await total(`otelcol_exporter_send_failed_${item}`)) + (await total(`otelcol_exporter_enqueue_failed_${item}`)),
    };
    if (Object.values(summary).some((value) => value > 0)) out[signal] = summary;
  }
  return out;
}

// The three kinds of telemetry item the autoscaler counts, and how each is named in the
// collector's self-metrics, the TelemetryPipeline spec (capacityPerReplica) and status.

export const ITEMS = ['spans', 'metricPoints', 'logRecords'] as const;
export type Item = (typeof ITEMS)[number];
export type PerItem<T> = Record<Item, T>;

/** Suffix of the upstream self-metric names: otelcol_receiver_accepted_<suffix>. */
export const METRIC_SUFFIX: PerItem<string> = { spans: 'spans', metricPoints: 'metric_points', logRecords: 'log_records' };

/** Unit used in human-readable reasons ("52,300 spans/s"). */
export const UNIT: PerItem<string> = { spans: 'spans', metricPoints: 'metric points', logRecords: 'log records' };

/** Per-second rates as the spec (capacityPerReplica) and the status (autoscaling) name them. */
export interface ItemRates {
  spansPerSecond: number;
  metricPointsPerSecond: number;
  logRecordsPerSecond: number;
}

export const RATE_KEY: PerItem<keyof ItemRates> = {
  spans: 'spansPerSecond',
  metricPoints: 'metricPointsPerSecond',
  logRecords: 'logRecordsPerSecond',
};

export function perItem<T>(make: (item: Item) => T): PerItem<T> {
  return { spans: make('spans'), metricPoints: make('metricPoints'), logRecords: make('logRecords') };
}

export function toItemRates(values: PerItem<number>): ItemRates {
  return { spansPerSecond: values.spans, metricPointsPerSecond: values.metricPoints, logRecordsPerSecond: values.logRecords };
}

export function sumItems(a: PerItem<number>, b: PerItem<number>): PerItem<number> {
  return perItem((item) => a[item] + b[item]);
}

// Fixed facts of a rendered fleet that other parts (operator, collector, tests) rely on.

/** This project's image; it runs both `tpo operator` and `tpo collector`. */
export const DEFAULT_COLLECTOR_IMAGE = 'ghcr.io/telemetry-pipeline-operator/tpo:0.1.0';

export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const METRICS_PORT = 8888;
export const HEALTH_PORT = 13133;

export { CONFIG_DIR, CONFIG_FILE, CONFIG_PATH } from '../../api/constants.ts';

/**
 * How long a collector spends draining (stop receiving, flush batches and queues) after SIGTERM before exiting.
 * The collector's `tpo collector` uses it as its default drain timeout.
 */
export const COLLECTOR_DRAIN_TIMEOUT_SECONDS = 30;

/**
 * How long a terminating collector keeps serving before it gets SIGTERM (a preStop sleep, done by the kubelet, so
 * it works for any collector image). The pod leaves the Service's endpoints when it starts terminating, but
 * kube-proxy (and other proxies and load balancers) take a moment to stop sending new connections to it; a
 * collector that closed its listeners at once refused those exports. Measured on the real node (test/e2e/
 * real-drain.test.ts, 400 spans/s through a ClusterIP): a rollout failed 441 client exports' spans without the
 * delay, none with it.
 */
export const PRE_STOP_DELAY_SECONDS = 5;

/**
 * Pod grace period: the preStop delay, the drain timeout, and 15 s for the start of shutdown, the last export
 * round trip and exit, so the kubelet's SIGKILL never cuts a drain short (issue 4: scale-down loses nothing).
 */
export const TERMINATION_GRACE_PERIOD_SECONDS = PRE_STOP_DELAY_SECONDS + COLLECTOR_DRAIN_TIMEOUT_SECONDS + 15;

/**
 * After a connection's age is reached, how long its in-flight exports may take before the collector closes it. An
 * OTLP export is one unary call; the SDK exporters' default timeout is 10 s.
 */
export const GRPC_MAX_CONNECTION_AGE_GRACE_SECONDS = 10;

/** The collector process's user; any non-root id works since the image needs no writable path. */
export const COLLECTOR_UID = 10001;


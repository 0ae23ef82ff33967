// Operator self-metrics (prom-client), one registry per operator instance so that several
// operators in one test process do not share counters.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestInfo } from './kube/client.ts';
import type { Outcome } from './kube/controller.ts';
import { resourceOfPath } from './kube/resources.ts';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface OperatorMetrics {
  registry: Registry;
  onRequest(info: RequestInfo): void;
  onOutcome(outcome: Outcome, seconds: number): void;
  setLeader(leader: boolean): void;
}

export function createMetrics(queueDepth: () => number): OperatorMetrics {
  const registry = new Registry();
  const reconciles = new Counter({ name: 'tpo_reconcile_total', help: 'Reconciles by result.', labelNames: ['result'], registers: [registry] });
  const errors = new Counter({ name: 'tpo_reconcile_errors_total', help: 'Reconciles that failed (retried or terminal).', registers: [registry] });
  const duration = new Histogram({
    name: 'tpo_reconcile_duration_seconds',
    help: 'Time spent in one reconcile.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'tpo_workqueue_depth',
    help: 'Keys waiting in the work queue.',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  const requests = new Counter({
    name: 'tpo_api_requests_total',
    help: 'Requests to the Kubernetes API server (watches excluded) by method, resource and status code.',
    labelNames: ['method', 'resource', 'code'],
    registers: [registry],
  });
  const writes = new Counter({
    name: 'tpo_api_writes_total',
    help: 'Write requests (POST, PUT, PATCH, DELETE) to the Kubernetes API server by method and resource.',
    labelNames: ['method', 'resource'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'tpo_api_request_duration_seconds',
    help: 'Latency of requests to the Kubernetes API server (watches excluded) by method.',
    labelNames: ['method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const leader = new Gauge({ name: 'tpo_leader', help: '1 while this instance holds the leader lease.', registers: [registry] });
  for (const result of ['success', 'requeue', 'error', 'terminal']) reconciles.inc({ result }, 0);

  return {
    registry,
    onRequest({ method, path, status, seconds }) {
      const resource = resourceOfPath(path);
      latency.observe({ method }, seconds);
      requests.inc({ method, resource, code: String(status) });
      if (WRITE_METHODS.has(method)) writes.inc({ method, resource });
    },
    onOutcome(outcome, seconds) {
      reconciles.inc({ result: outcome });
      if (outcome === 'error' || outcome === 'terminal') errors.inc();
      duration.observe(seconds);
    },
    setLeader(isLeader) {
      leader.set(isLeader ? 1 : 0);
    },
  };
}

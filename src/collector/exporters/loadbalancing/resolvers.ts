// Where the backends come from, as upstream's resolvers report them: a sorted list of endpoints, passed on when it
// changes. `static` reports its hostnames once; `dns` looks the hostname up (A and AAAA) at start and every
// `interval` (each lookup bounded by `timeout`), each address with `:port` when a port is set, IPv6 in brackets.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import type { LoadBalancingConfig } from './config.ts';
import type { LoadBalancerMetrics, ResolverName } from './metrics.ts';

/**
 * `endpoints`: the ring's backends. `draining` (k8s only): endpoints terminating but still serving, destinations only
 * for traces already pinned to them.
 */
export type OnBackends = (endpoints: readonly string[], draining?: readonly string[]) => void;

export interface Resolver {
  readonly name: ResolverName;
  start(onBackends: OnBackends): Promise<void>;
  shutdown(): void;
}

/** The host's addresses (what Go's LookupIPAddr returns); injectable for tests. */
export type LookupAddresses = (hostname: string, signal: AbortSignal) => Promise<readonly string[]>;

const systemLookup: LookupAddresses = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Go's sort.Strings: byte order. */
function sortBytes(values: readonly string[]): string[] {
  return [...values].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

class StaticResolver implements Resolver {
  readonly name = 'static' as const;
  readonly #endpoints: readonly string[];
  readonly #metrics: LoadBalancerMetrics;

  constructor(hostnames: readonly string[], metrics: LoadBalancerMetrics) {
    this.#endpoints = sortBytes(hostnames);
    this.#metrics = metrics;
  }

  async start(onBackends: OnBackends): Promise<void> {
    this.#metrics.numResolutions.inc({ success: 'true', resolver: this.name });
    this.#metrics.numBackends.set({ resolver: this.name }, this.#endpoints.length);
    this.#metrics.numBackendUpdates.inc({ resolver: this.name });
    onBackends(this.#endpoints);
  }

  shutdown(): void {}
}

export interface DnsOptions {
  readonly hostname: string;
  readonly port: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly lookup?: LookupAddresses;
  readonly onError?: (error: unknown) => void;
}

export class DnsResolver implements Resolver {
  readonly name = 'dns' as const;
  readonly #options: DnsOptions;
  readonly #metrics: LoadBalancerMetrics;
  readonly #stop = new AbortController();
  #endpoints: readonly string[] | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onBackends: OnBackends = () => {};

  constructor(options: DnsOptions, metrics: LoadBalancerMetrics) {
    this.#options = options;
    this.#metrics = metrics;
  }

  /** As upstream: a failed first lookup is reported and the exporter starts without backends until one succeeds. */
  async start(onBackends: OnBackends): Promise<void> {
    this.#onBackends = onBackends;
    await this.resolve().catch((error: unknown) => this.#options.onError?.(error));
    this.#timer = setInterval(() => {
      this.resolve().catch((error: unknown) => this.#options.onError?.(error));
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async resolve(): Promise<readonly string[]> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#options.timeoutMs)]);
    let addresses: readonly string[];
    try {
      addresses = await (this.#options.lookup ?? systemLookup)(this.#options.hostname, signal);
      signal.throwIfAborted();
    } catch (error) {
      this.#metrics.numResolutions.inc({ success: 'false', resolver: this.name });
      throw error;
    }
    this.#metrics.numResolutions.inc({ success: 'true', resolver: this.name });
    const port = this.#options.port;
    const backends = sortBytes(addresses.map((address) => {
      const host = address.includes(':') ? `[${address}]` : address;
      return port === '' ? host : `${host}:${port}`;
    }));
    if (sameList(this.#endpoints, backends)) return backends;
    this.#endpoints = backends;
    this.#metrics.numBackends.set({ resolver: this.name }, backends.length);
    this.#metrics.numBackendUpdates.inc({ resolver: this.name });
    this.#onBackends(backends);
    return backends;
  }

  shutdown(): void {
    clearInterval(this.#timer);
    this.#stop.abort();
  }
}

/** The k8s resolver's module (and the Kubernetes client it uses) is loaded only when a config names it. */
class LazyResolver implements Resolver {
  readonly name: ResolverName;
  readonly #load: () => Promise<Resolver>;
  #inner: Resolver | undefined;

  constructor(name: ResolverName, load: () => Promise<Resolver>) {
    this.name = name;
    this.#load = load;
  }

  async start(onBackends: OnBackends): Promise<void> {
    this.#inner = await this.#load();
    await this.#inner.start(onBackends);
  }

  shutdown(): void {
    this.#inner?.shutdown();
  }
}

export function createResolver(cfg: LoadBalancingConfig['resolver'], metrics: LoadBalancerMetrics, logger: Logger): Resolver {
  if (cfg.static) return new StaticResolver(cfg.static.hostnames, metrics);
  if (cfg.dns) {
    const { hostname, port, interval, timeout } = cfg.dns;
    const onError = (error: unknown) => logger.warn({ resolver: 'dns', error: (error as Error).message }, 'failed to resolve');
    return new DnsResolver({ hostname, port, intervalMs: interval, timeoutMs: timeout, onError }, metrics);
  }
  if (cfg.k8s) {
    const { service, ports, timeout, return_hostnames: returnHostnames } = cfg.k8s;
    return new LazyResolver('k8s', async () => {
      const { K8sResolver } = await import('./resolver-k8s.ts');
      return new K8sResolver({ service, ports, returnHostnames, timeoutMs: timeout, logger: logger.child({ resolver: 'k8s service' }) }, metrics);
    });
  }
  throw new Error('no resolvers specified for the exporter');
}

// Keeping a trace on the backend that got its first spans while the backend set changes. Upstream's exporter
// re-hashes every trace on each ring change, so a trace in flight while the sampling tier scales is split over two
// samplers (each decides its part). Here each trace routed recently is pinned to its backend: its later spans go
// there while that backend is still a destination (on the ring, or terminating but still serving), whatever the
// ring says now; traces not seen before follow the current ring. A pin lives `ttlMs` after the trace's last span
// (sliding), and at most `capacity` pins are held (the least recently used generation goes first, its live pins
// counted as evicted).

export interface PinSettings {
  /** How long a pin outlives its trace's last span. */
  readonly ttlMs: number;
  /** Pins held at most. */
  readonly capacity: number;
}

/**
 * Twice upstream's default decision_wait (30 s): a span arriving that long after its trace's previous one still
 * meets the sampler that holds (or has decided) the trace. A pin takes about 60 bytes (measured with 16-byte trace
 * ids), so 500,000 pins bound the table near 30 MiB; the two generations hold one to two periods of traces, so that
 * is room for about 4,000 new traces a second per routing replica before live pins are evicted.
 */
export const DEFAULT_PINS: PinSettings = { ttlMs: 60_000, capacity: 500_000 };

/** `off` restores upstream's behaviour (every span where the current ring says); for comparisons only. */
export const PINNING_ENV = 'TPO_LOADBALANCING_TRACE_PINNING';

export function pinSettingsFromEnv(env: NodeJS.ProcessEnv): PinSettings | false {
  return env[PINNING_ENV] === 'off' ? false : DEFAULT_PINS;
}

export interface Pin {
  readonly endpoint: string;
  readonly expiresAt: number;
}

/** new: no live pin, the ring's owner; kept: the pinned backend; moved: the pinned backend is gone, the ring's owner. */
export type PinOutcome = 'new' | 'kept' | 'moved';

/** Where a trace's spans go, given its pin (if any), the time, the destinations that still serve and the ring. */
export function pinnedRoute(pin: Pin | undefined, now: number, serving: ReadonlySet<string>, ringOwner: () => string): { endpoint: string; outcome: PinOutcome } {
  if (pin === undefined || pin.expiresAt <= now) return { endpoint: ringOwner(), outcome: 'new' };
  if (serving.has(pin.endpoint)) return { endpoint: pin.endpoint, outcome: 'kept' };
  return { endpoint: ringOwner(), outcome: 'moved' };
}

/** Told when a live pin is dropped for room, and when a pinned trace had to leave its gone backend. */
export interface PinEvents {
  evicted(): void;
  moved(): void;
}

/**
 * Pins in two generations, each holding the traces last routed during one period of `ttlMs`: at the end of a period
 * the older generation, whose pins have all lapsed, is dropped whole and the newer one becomes the older. A pin used
 * again moves to the newer generation. (One insertion-ordered map trimmed from its old end costs a walk over the
 * holes deletions leave, quadratic under steady load; dropping a generation is one step.) Beyond `capacity` the older
 * generation goes early, its live pins counted as evicted.
 */
export class TracePins {
  readonly #settings: PinSettings;
  readonly #events: PinEvents;
  #current = new Map<string, Pin>();
  #previous = new Map<string, Pin>();
  #rotateAt: number | undefined;
  #serving: ReadonlySet<string> = new Set();

  constructor(settings: PinSettings, events: PinEvents) {
    this.#settings = settings;
    this.#events = events;
  }

  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  /** The backends a pinned trace may still go to: the ring's and the terminating ones still serving. */
  setServing(endpoints: ReadonlySet<string>): void {
    this.#serving = endpoints;
  }

  /** The backend for the trace `key` (trace id bytes as latin1), pinning it there until `ttlMs` after `now`. */
  route(key: string, now: number, ringOwner: () => string): string {
    this.#age(now);
    const pin = this.#current.get(key) ?? this.#previous.get(key);
    const { endpoint, outcome } = pinnedRoute(pin, now, this.#serving, ringOwner);
    if (outcome === 'moved') this.#events.moved();
    this.#previous.delete(key);
    this.#current.set(key, { endpoint, expiresAt: now + this.#settings.ttlMs });
    if (this.size > this.#settings.capacity) this.#dropPrevious(now);
    return endpoint;
  }

  #age(now: number): void {
    const ttl = this.#settings.ttlMs;
    this.#rotateAt ??= now + ttl;
    if (now < this.#rotateAt) return;
    // Idle for two periods or more: every pin has lapsed.
    if (now >= this.#rotateAt + ttl) this.#current = new Map();
    this.#previous = this.#current;
    this.#current = new Map();
    this.#rotateAt = now + ttl;
  }

  #dropPrevious(now: number): void {
    for (const pin of this.#previous.values()) if (pin.expiresAt > now) this.#events.evicted();
    this.#previous = this.#current;
    this.#current = new Map();
    this.#rotateAt = now + this.#settings.ttlMs;
  }
}

// A gRPC connection's life on the server, as `keepalive.server_parameters` sets it (grpc-go's and grpc-js'
// semantics): keepalive pings every `time`, the connection dropped when one is not answered within `timeout`;
// closed after `max_connection_idle` without calls; after `max_connection_age` (+/- 10 % jitter, so a fleet's
// clients do not all reconnect at once) a GOAWAY lets the client reconnect, which is how a scale-up spreads
// long-lived clients, and `max_connection_age_grace` later what is still open is cut. A connection whose client
// has not sent its HTTP/2 preface (SETTINGS) within 120 s is dropped, as grpc-go's ConnectionTimeout does
// (upstream has no config field for it).
import { constants, type ServerHttp2Session } from 'node:http2';
import type { GrpcConfig } from './config.ts';

/** grpc-js' default ping timeout. */
const KEEPALIVE_TIMEOUT_MS = 20_000;
/** grpc-go's default ConnectionTimeout: the time a new connection has to send its preface. */
const HANDSHAKE_TIMEOUT_MS = 120_000;
const MAX_AGE = Buffer.from('max_age');

export interface SessionLimits {
  readonly handshakeMs: number;
  readonly keepaliveTimeMs?: number;
  readonly keepaliveTimeoutMs: number;
  readonly idleMs?: number;
  readonly ageMs?: number;
  readonly ageGraceMs?: number;
}

export function sessionLimits(config: GrpcConfig): SessionLimits {
  const server = config.keepalive?.server_parameters;
  const positive = (ms: number | undefined) => (ms !== undefined && ms > 0 ? ms : undefined);
  const limits: { -readonly [K in keyof SessionLimits]: SessionLimits[K] } = {
    handshakeMs: HANDSHAKE_TIMEOUT_MS, keepaliveTimeoutMs: positive(server?.timeout) ?? KEEPALIVE_TIMEOUT_MS,
  };
  if (positive(server?.time)) limits.keepaliveTimeMs = server!.time!;
  if (positive(server?.max_connection_idle)) limits.idleMs = server!.max_connection_idle!;
  if (positive(server?.max_connection_age)) limits.ageMs = server!.max_connection_age!;
  if (positive(server?.max_connection_age_grace)) limits.ageGraceMs = server!.max_connection_age_grace!;
  return limits;
}

/** Applies `limits` to a new session; every timer ends with it. */
export function manageSession(session: ServerHttp2Session, limits: SessionLimits, random: () => number = Math.random): void {
  const timers = new Set<NodeJS.Timeout>();
  const after = (ms: number, fn: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms).unref();
    timers.add(timer);
    return timer;
  };
  const cancel = (timer: NodeJS.Timeout | undefined) => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(timer);
  };
  session.once('close', () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  });

  const handshake = after(limits.handshakeMs, () => session.destroy());
  session.once('remoteSettings', () => cancel(handshake));

  if (limits.ageMs !== undefined) {
    const ageMs = limits.ageMs;
    after(ageMs + (random() * 2 - 1) * (ageMs / 10), () => {
      try {
        session.goaway(constants.NGHTTP2_NO_ERROR, ~(1 << 31), MAX_AGE);
      } catch {
        session.destroy();
        return;
      }
      session.close();
      if (limits.ageGraceMs !== undefined) after(limits.ageGraceMs, () => session.destroy());
    });
  }

  if (limits.keepaliveTimeMs !== undefined) {
    const { keepaliveTimeMs, keepaliveTimeoutMs } = limits;
    const ping = (): void => {
      if (session.destroyed) return;
      const deadline = after(keepaliveTimeoutMs, () => session.destroy());
      let sent = false;
      try {
        sent = session.ping((error) => {
          cancel(deadline);
          if (error) session.destroy();
          else after(keepaliveTimeMs, ping);
        });
      } catch {
        sent = false;
      }
      if (!sent) {
        cancel(deadline);
        session.destroy();
      }
    };
    after(keepaliveTimeMs, ping);
  }

  if (limits.idleMs !== undefined) {
    const idleMs = limits.idleMs;
    let active = 0;
    let idle: NodeJS.Timeout | undefined = after(idleMs, () => session.close());
    session.on('stream', (stream) => {
      active++;
      cancel(idle);
      idle = undefined;
      stream.once('close', () => {
        if (--active === 0 && !session.closed) idle = after(idleMs, () => session.close());
      });
    });
  }
}

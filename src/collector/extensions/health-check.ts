// health_check extension (contrib semantics): an HTTP endpoint answering 200 {"status":"Server
// available",...} while every pipeline runs, 503 while starting or stopping. Kubernetes probes it.
import type { Server } from 'node:http';
import { z } from 'zod';
import type { ComponentContext, ExtensionFactory, Host, Lifecycle } from '../component.ts';
import { endpointField, endpointOf, formatEndpoint } from '../config/endpoint.ts';
import { close, listen } from '../listen.ts';
import { http } from '../builtins.ts';
import { formatGoDuration } from '../../contract/duration.ts';

export const healthCheckConfigSchema = z.strictObject({
  endpoint: endpointField('localhost:13133'),
  path: z.string().startsWith('/', 'must start with /').default('/'),
  response_body: z.strictObject({ healthy: z.string().default(''), unhealthy: z.string().default('') }).optional(),
  // Kept by upstream for backwards compatibility and ignored there (the check did not work): accepted and ignored.
  check_collector_pipeline: z
    .strictObject({ enabled: z.boolean().default(false), interval: z.string().default('5m'), exporter_failure_threshold: z.number().int().default(5) })
    .optional(),
});

export type HealthCheckConfig = z.output<typeof healthCheckConfigSchema>;

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Status code and body for the current state (pure, for tests). */
export function healthResponse(ready: boolean, upSince: number | undefined, now: number, config: HealthCheckConfig): { status: number; body: string } {
  if (ready && upSince !== undefined) {
    const body = config.response_body?.healthy || JSON.stringify({ status: 'Server available', upSince: new Date(upSince).toISOString(), uptime: formatGoDuration(now - upSince) });
    return { status: 200, body };
  }
  const body = config.response_body?.unhealthy || JSON.stringify({ status: 'Server not available', upSince: GO_ZERO_TIME, uptime: '' });
  return { status: 503, body };
}

class HealthCheck implements Lifecycle {
  readonly #server: Server;
  readonly #config: HealthCheckConfig;
  readonly #ctx: ComponentContext;

  constructor(ctx: ComponentContext, config: HealthCheckConfig, host: Host) {
    this.#ctx = ctx;
    this.#config = config;
    this.#server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== config.path) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
        return;
      }
      const now = Date.now();
      const { status, body } = healthResponse(host.pipelinesReady(), host.readySince?.() ?? now, now, config);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    });
  }

  async start(): Promise<void> {
    const endpoint = endpointOf(this.#config.endpoint);
    const port = await listen(this.#server, endpoint, 'endpoint');
    this.#ctx.logger.info({ endpoint: formatEndpoint({ ...endpoint, port }), path: this.#config.path }, 'health check listening');
  }

  async shutdown(deadline: number): Promise<void> {
    await close(this.#server, deadline);
  }
}

export const healthCheckExtensionFactory: ExtensionFactory<HealthCheckConfig> = {
  type: 'health_check',
  configSchema: healthCheckConfigSchema,
  create: (ctx, config, host) => new HealthCheck(ctx, config, host),
};

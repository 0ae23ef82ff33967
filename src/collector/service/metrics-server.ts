// Serves the collector's own metrics for Prometheus at /metrics (service.telemetry.metrics).
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { formatEndpoint, type Endpoint } from '../config/endpoint.ts';
import { close, listen } from '../listen.ts';
import { http } from '../builtins.ts';
import type { Telemetry } from '../telemetry.ts';

export class MetricsServer {
  readonly #server: Server;
  readonly #endpoint: Endpoint;
  readonly #setting: string;
  readonly #logger: Logger;

  /** `setting`: the config field that chose the endpoint, named when it cannot listen. */
  constructor(endpoint: Endpoint, setting: string, telemetry: Telemetry, logger: Logger) {
    this.#endpoint = endpoint;
    this.#setting = setting;
    this.#logger = logger;
    this.#server = http.createServer((req, res) => {
      if ((req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
        return;
      }
      telemetry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': telemetry.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error)),
      );
    });
  }

  async start(): Promise<void> {
    const port = await listen(this.#server, this.#endpoint, this.#setting);
    this.#logger.info({ endpoint: formatEndpoint({ ...this.#endpoint, port }) }, 'Serving metrics');
  }

  shutdown(deadline: number): Promise<void> {
    return close(this.#server, deadline);
  }
}

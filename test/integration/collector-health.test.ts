// health_check answers 503 while the pipelines start, 200 once they run, 503 again while stopping.
import { z } from 'zod';
import type { ReceiverFactory } from '../../src/collector/component.ts';
import { freePort } from '../support/free-port.ts';
import { waitFor } from '../support/wait.ts';
import { Capture, captureExporterFactory, startInProcessCollector } from '../support/in-process-collector.ts';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

test('503 while starting and stopping, 200 with the upstream body while running', async () => {
  const starting = gate();
  const stopping = gate();
  const slow: ReceiverFactory<object> = {
    type: 'slow',
    configSchema: z.strictObject({}),
    create: () => ({ start: () => starting.opened, shutdown: () => stopping.opened }),
  };
  const port = await freePort();
  const health = () => fetch(`http://127.0.0.1:${port}/health`).then(async (r) => ({ status: r.status, body: await r.json() as Record<string, string> }));
  const running = startInProcessCollector(
    {
      receivers: { slow: {} },
      exporters: { capture: {} },
      extensions: { health_check: { endpoint: `127.0.0.1:${port}`, path: '/health' } },
      service: { extensions: ['health_check'], telemetry: { metrics: { level: 'none' } }, pipelines: { logs: { receivers: ['slow'], exporters: ['capture'] } } },
    },
    { receivers: [slow], exporters: [captureExporterFactory(new Capture())] },
  );
  await waitFor('health 503', async () => (await health().catch(() => undefined))?.status === 503, 5000, 20);
  expect((await health()).body).toEqual({ status: 'Server not available', upSince: '0001-01-01T00:00:00Z', uptime: '' });

  starting.open();
  const collector = await running;
  const ready = await health();
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'Server available', upSince: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), uptime: expect.stringMatching(/^[\d.]+(ms|s)$/) });
  expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);

  const stopped = collector.stop();
  expect((await health()).status).toBe(503);
  stopping.open();
  await stopped;
  await expect(health()).rejects.toThrow();
});

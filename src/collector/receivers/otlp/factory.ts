// otlp receiver: one instance per receiver id serves every signal of the pipelines that name it. Each protocol's
// server module (and its libraries) is loaded when the receiver starts, only for the protocols configured.
import type { ComponentContext, Lifecycle, ReceiverFactory, SignalConsumers } from '../../component.ts';
import { otlpReceiverConfigSchema, type OtlpReceiverConfig } from './config.ts';
import { listenerSecurity } from './security.ts';

interface Server {
  start(): Promise<void>;
  shutdown(deadline: number): Promise<void>;
}

function createOtlpReceiver(ctx: ComponentContext, config: OtlpReceiverConfig, consumers: SignalConsumers): Lifecycle {
  const { grpc, http } = config.protocols;
  const servers: Server[] = [];
  return {
    async start() {
      if (grpc) {
        const { OtlpGrpcServer } = await import('./grpc.ts');
        const security = await listenerSecurity(grpc, ctx.extensions, `receivers.${ctx.id}.protocols.grpc`);
        servers.push(new OtlpGrpcServer(grpc, consumers, ctx.telemetry.receiver(ctx.id, 'grpc'), ctx.logger, security));
      }
      if (http) {
        const { OtlpHttpServer } = await import('./http.ts');
        const security = await listenerSecurity(http, ctx.extensions, `receivers.${ctx.id}.protocols.http`);
        servers.push(new OtlpHttpServer(http, consumers, ctx.telemetry.receiver(ctx.id, 'http'), ctx.logger, security));
      }
      for (const server of servers) await server.start();
    },
    async shutdown(deadline: number) {
      await Promise.all(servers.map((server) => server.shutdown(deadline)));
    },
  };
}

export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> = {
  type: 'otlp',
  configSchema: otlpReceiverConfigSchema,
  create: createOtlpReceiver,
};

// otlp receiver: one instance per receiver id serves every signal of the pipelines that name it.
import type { ComponentContext, Lifecycle, ReceiverFactory, SignalConsumers } from '../../component.ts';
import { otlpReceiverConfigSchema, type OtlpReceiverConfig } from './config.ts';
import { OtlpGrpcServer } from './grpc.ts';
import { OtlpHttpServer } from './http.ts';

function createOtlpReceiver(ctx: ComponentContext, config: OtlpReceiverConfig, consumers: SignalConsumers): Lifecycle {
  const { grpc, http } = config.protocols;
  const servers: (OtlpGrpcServer | OtlpHttpServer)[] = [];
  if (grpc) servers.push(new OtlpGrpcServer(grpc, consumers, ctx.telemetry.receiver(ctx.id, 'grpc'), ctx.logger));
  if (http) servers.push(new OtlpHttpServer(http, consumers, ctx.telemetry.receiver(ctx.id, 'http'), ctx.logger));
  return {
    async start() {
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

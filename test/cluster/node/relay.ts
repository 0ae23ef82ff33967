// The API server listens on loopback only; pods using in-cluster config reach it at the `kubernetes` Service,
// whose endpoint is the node IP. This relay forwards that one address to the loopback listener:
//   node relay.ts <listen-ip> <port> <target-ip> <target-port>
// It runs detached next to the kubelet and stops with it.
import { createServer, connect } from 'node:net';

const [listenIp, listenPort, targetIp, targetPort] = process.argv.slice(2);
if (!listenIp || !listenPort || !targetIp || !targetPort) {
  process.stderr.write('usage: node relay.ts <listen-ip> <port> <target-ip> <target-port>\n');
  process.exit(2);
}

const server = createServer((client) => {
  const upstream = connect({ host: targetIp, port: Number(targetPort) });
  client.pipe(upstream).pipe(client);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.on('error', (err) => {
  process.stderr.write(`relay ${listenIp}:${listenPort}: ${err.message}\n`);
  process.exit(1);
});
server.listen(Number(listenPort), listenIp, () => process.stdout.write(`relay ${listenIp}:${listenPort} -> ${targetIp}:${targetPort}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// Loaded into a collector under test (NODE_OPTIONS=--import): on SIGUSR2 it runs scavenges only, no full collection,
// and writes the process's ArrayBuffer bytes to stderr as one JSON line. A test can then tell request buffers that
// die young from buffers that something keeps reachable until V8's next mark-compact.
import { exposedGc } from '../../src/collector/processors/force-gc.ts';

const gc = exposedGc()!;

process.on('SIGUSR2', () => {
  void (async () => {
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc({ type: 'minor' });
    }
    process.stderr.write(`${JSON.stringify({ probeArrayBuffers: process.memoryUsage().arrayBuffers })}\n`);
  })();
});

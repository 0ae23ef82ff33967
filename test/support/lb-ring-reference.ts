// Runs the Go reference of upstream's loadbalancing ring (test/support/lb-ring/main.go, standard library only) on a
// set of endpoints and identifiers: the owner of each identifier as upstream's exporter computes it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PROGRAM = fileURLToPath(new URL('./lb-ring/main.go', import.meta.url));

export function referenceOwners(endpoints: readonly string[], ids: readonly Uint8Array[]): string[] {
  const input = JSON.stringify({ endpoints, ids: ids.map((id) => Buffer.from(id).toString('hex')) });
  const output = execFileSync('/usr/local/go/bin/go', ['run', PROGRAM], {
    input,
    cwd: fileURLToPath(new URL('./lb-ring/', import.meta.url)),
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false', GOMAXPROCS: '1' },
    timeout: 120_000,
  });
  return (JSON.parse(output.toString()) as { owners: string[] }).owners;
}

// The real node changes the host while it runs (sysctls, iptables, a veth and a bridge, routes, mounts, cgroups,
// directories); stopping it must leave the host exactly as the snapshot taken before its first change says.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_TIMEOUT_MS, ensureRealNode, stopNode } from '../cluster/harness.ts';
import { REPO_ROOT } from '../cluster/layout.ts';
import { readSnapshot, takeSnapshot } from '../cluster/node/host-state.ts';
import { nodePaths } from '../cluster/node/paths.ts';
import { describeOnRealNode } from '../support/real-node.ts';

const describeReal = await describeOnRealNode();

/** iptables-save output without its timestamps and packet counters. */
function rules(dump: string): string[] {
  return dump.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, '[]'));
}

const links = (): string => execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
const routes = (): string => execFileSync('ip', ['route', 'show'], { encoding: 'utf8' });

test('where the node cannot run, the reason is one line and nothing is started (here: not root)', () => {
  const script = `import('${join(REPO_ROOT, 'test/cluster/harness.ts')}').then(async (h) => console.log(JSON.stringify(await h.realNodeUnavailableReason())))`;
  const out = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], { encoding: 'utf8' });
  const reason = JSON.parse(out.trim().split('\n').at(-1)!) as string;
  expect(reason).toMatch(/^the real node needs root/);
  expect(reason).not.toContain('\n');
});

describeReal('the real node and the host', () => {
  test('while running, the node changed the host; stopping restores it exactly; starting again works', async () => {
    await ensureRealNode();
    const paths = nodePaths();
    const before = await readSnapshot(paths.snapshot);
    expect(before).toBeDefined();
    expect(links()).toContain('tpo-node0');
    expect(routes()).toContain('198.18.0.0/15 dev tpo-node0');

    expect(await stopNode()).toBe(true);
    const after = await takeSnapshot();
    expect(after.sysctls).toEqual(before!.sysctls);
    expect(rules(after.iptables.v4)).toEqual(rules(before!.iptables.v4));
    expect(rules(after.iptables.v6)).toEqual(rules(before!.iptables.v6));
    expect(after.paths).toEqual(before!.paths);
    expect(after.netns).toEqual(before!.netns);
    expect(links()).not.toMatch(/tpo-|veth/);
    expect(routes()).not.toMatch(/198\.1[89]\./);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/tpo-node|\/run\/netns\/|kubelet/);
    for (const hierarchy of readdirSync('/sys/fs/cgroup')) expect(existsSync(`/sys/fs/cgroup/${hierarchy}/kubepods`)).toBe(false);
    expect(existsSync(paths.root)).toBe(false);
    expect(existsSync(paths.run)).toBe(false);

    // Later suites of this run find a node again (and the run's global teardown stops it).
    const again = await ensureRealNode();
    expect(again.node.reused).toBe(false);
  }, CLUSTER_TIMEOUT_MS);
});

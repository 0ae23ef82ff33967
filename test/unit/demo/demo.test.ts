import { niceScale, renderChart } from '../../../scripts/demo/chart.ts';
import { isLocalControlPlane } from '../../../scripts/demo/cluster.ts';
import { demoSchedule, parseDemoArgs, PEAK_SPANS_PER_SECOND } from '../../../scripts/demo/options.ts';
import { chooseRuntime, RuntimeUnavailable } from '../../../scripts/demo/runtime.ts';
import { fit, frame, line, redraw } from '../../../scripts/demo/view.ts';
import type { FleetSample } from '../../support/fleet-sampler.ts';
import { scheduleSeconds } from '../../support/load-schedule.ts';

function sample(t: number, rate: number, replicas: number, measured?: number): FleetSample {
  return {
    t,
    load: { elapsed: t, rate, phase: 'peak (noisy)', generated: 100, acked: 90, failed: 2, inFlight: 1, backlogged: 0, targets: replicas, done: false },
    replicas,
    readyReplicas: replicas,
    autoscaling: measured === undefined ? undefined : { spansPerSecond: measured, desiredReplicas: replicas, reason: `scaled 1 -> ${replicas}: ${measured} spans/s` },
    serving: replicas,
    refused: 3,
  };
}

describe('demo options', () => {
  test.each<[string[], number]>([
    [[], 160],
    [['--short'], 70],
    [['--duration', '300'], 300],
    [['--short', '--duration', '50'], 50],
  ])('%j -> %s s of load', (args, seconds) => {
    const opts = parseDemoArgs(args);
    expect(opts.durationSeconds).toBe(seconds);
    expect(scheduleSeconds(demoSchedule(opts.durationSeconds))).toBe(seconds);
  });

  test.each<[string[], string | undefined]>([
    [[], undefined],
    [['--runtime', 'real'], 'real'],
    [['--runtime', 'process'], 'process'],
  ])('%j -> runtime %s', (args, runtime) => {
    expect(parseDemoArgs(args).runtime).toBe(runtime);
  });

  test.each([[['--duration', '10']], [['--duration', 'x']], [['--bogus']], [['--runtime', 'docker']]])('%j is refused', (args) => {
    expect(() => parseDemoArgs(args)).toThrow();
  });

  test('the schedule ramps to the peak, holds it, ramps down and idles long enough to scale down', () => {
    const phases = demoSchedule(70);
    expect(phases.map((p) => p.label)).toEqual(['ramp up', 'peak (noisy)', 'ramp down', 'idle']);
    expect(phases[1]).toMatchObject({ from: PEAK_SPANS_PER_SECOND });
    expect(phases[3]!.seconds).toBeGreaterThanOrEqual(40);
  });
});

describe('demo view', () => {
  const ctx = { title: 'demo', totalSeconds: 100, perReplica: 140, color: false };

  test('a frame shows progress, load against capacity, replicas and refusals', () => {
    const lines = frame(sample(50, 650, 5, 640), ctx);
    expect(lines.join('\n')).toContain('50/100 s  peak (noisy)');
    expect(lines.join('\n')).toContain('640 spans/s against capacity 700 (5 x 140)');
    expect(lines.join('\n')).toContain('replicas  5 desired 5');
    expect(lines.join('\n')).toContain('refusals  5 (collectors 3, client failures 2)');
    expect(frame(undefined, ctx).join('\n')).toContain('waiting for the first evaluation');
  });

  test('a plain line for logs', () => {
    expect(line(sample(12.4, 300, 3, 280), ctx)).toBe('t=12s phase="peak (noisy)" offered=300/s measured=280/s capacity=420/s replicas=3 serving=3 acked=90 refused=5');
  });

  test('fit cuts visible text only; redraw moves up over the previous frame', () => {
    expect(fit('\u001b[1mabcdef\u001b[0m', 3)).toBe('\u001b[1mabc\u001b[0m');
    expect(redraw(['a', 'b'], 2, 80)).toBe('\u001b[2A\u001b[2K\ra\n\u001b[2K\rb\n');
    expect(redraw(['a'], 0, 80)).toBe('\u001b[2K\ra\n');
  });
});

describe('demo chart', () => {
  test.each<[number, number, number]>([
    [660, 800, 200],
    [5, 5, 1],
    [0, 1, 1],
    [1234, 1500, 500],
  ])('nice scale for %s: max %s step %s', (max, niceMax, step) => {
    expect(niceScale(max)).toEqual({ max: niceMax, step });
  });

  test('an SVG with the load, measured, capacity and replicas series', () => {
    const svg = renderChart([sample(0, 0, 1), sample(10, 400, 3, 380), sample(20, 0, 1, 0)], { title: 'a <b>', perReplica: 140 });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg.match(/<path /g)).toHaveLength(4);
    for (const name of ['offered spans/s', 'measured spans/s (autoscaler)', 'capacity (replicas x 140)', 'replicas']) expect(svg).toContain(`>${name}</text>`);
  });
});

describe('demo runtime', () => {
  const reason = 'the real node needs root (it creates network interfaces, iptables rules and cgroups)';

  test('the real node by default where the machine can run it, saying why', () => {
    const choice = chooseRuntime(undefined, undefined);
    expect(choice.runtime).toBe('real');
    expect(choice.headline).toMatch(/^runtime: real node .* because this machine can run it \(Linux, root, overlayfs\)/);
  });

  test('otherwise the process runtime, with the reason the real node cannot run', () => {
    const choice = chooseRuntime(undefined, reason);
    expect(choice.runtime).toBe('process');
    expect(choice.headline).toMatch(/^runtime: process runtime .* because the real node cannot run here: the real node needs root/);
  });

  test('--runtime overrides the choice, and says so', () => {
    expect(chooseRuntime('process', undefined)).toMatchObject({ runtime: 'process', headline: expect.stringMatching(/as --runtime process asks$/) });
    expect(chooseRuntime('real', undefined)).toMatchObject({ runtime: 'real', headline: expect.stringMatching(/as --runtime real asks$/) });
  });

  test('--runtime real where the machine cannot run it is one line with the reason', () => {
    expect(() => chooseRuntime('real', reason)).toThrow(RuntimeUnavailable);
    expect(() => chooseRuntime('real', reason)).toThrow(`--runtime real: ${reason}`);
  });
});

describe('demo cluster: is it the local control plane', () => {
  const kwok = (name: string) => ({ metadata: { name, annotations: { 'kwok.x-k8s.io/node': 'fake' } } });
  const real = { metadata: { name: 'tpo-node', labels: { 'tpo.dev/real-node': 'true' } } };
  const other = { metadata: { name: 'worker-1' } };

  test.each<[string, string, object[], boolean]>([
    ['KWOK nodes on loopback', '127.0.0.1', [kwok('kwok-node-0'), kwok('kwok-node-1')], true],
    ['KWOK nodes and the real node', '127.0.0.1', [kwok('kwok-node-0'), real], true],
    ['only the real node', '127.0.0.1', [real], false],
    ['another node beside KWOK', '127.0.0.1', [kwok('kwok-node-0'), other], false],
    ['a remote API server', '203.0.113.7', [kwok('kwok-node-0')], false],
    ['no nodes', '127.0.0.1', [], false],
  ])('%s: %s', (_what, host, nodes, local) => {
    expect(isLocalControlPlane(host, nodes as never)).toBe(local);
  });
});

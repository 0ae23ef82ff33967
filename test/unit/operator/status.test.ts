import type { Condition } from '../../../src/api/telemetry-pipeline.ts';
import { mergeConditions, metaTime } from '../../../src/operator/conditions.ts';
import { computeStatus, deploymentObserved, statusChanged, statusWriteDelay, type DeploymentView } from '../../../src/operator/status.ts';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0, 400);
const T1 = T0 + 60_000;

describe('mergeConditions', () => {
  const cond = (type: Condition['type'], status: Condition['status'], lastTransitionTime: string): Condition => ({
    type,
    status,
    lastTransitionTime,
    reason: 'R',
    message: '',
    observedGeneration: 1,
  });

  test('metaTime drops sub-second precision', () => {
    expect(metaTime(T0)).toBe('2025-06-01T12:00:00Z');
  });

  test('keeps lastTransitionTime while the status holds, moves it when it flips', () => {
    const previous = [cond('Ready', 'False', 'old'), cond('Degraded', 'False', 'old'), cond('example.com/Custom', 'True', 'x')];
    const next = mergeConditions(
      previous,
      [
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
        { type: 'Ready', status: 'True', reason: 'Available', message: '1/1' },
        { type: 'ConfigValid', status: 'True', reason: 'Rendered', message: '' },
      ],
      2,
      T1,
    );
    expect(next.map((c) => [c.type, c.lastTransitionTime, c.observedGeneration])).toEqual([
      ['Ready', metaTime(T1), 2],
      ['ConfigValid', metaTime(T1), 2],
      ['Degraded', 'old', 2],
      ['example.com/Custom', 'x', 1],
    ]);
  });
});

describe('computeStatus', () => {
  const rendered = { ok: true as const, configHash: 'abc', selector: 'a=b', replicas: 2 };
  const dep = (status: DeploymentView['status'], generation = 1): DeploymentView => ({ metadata: { generation }, status });
  const cond = (s: ReturnType<typeof computeStatus>, type: string) => {
    const c = s.conditions?.find((x) => x.type === type);
    return c && `${c.status}/${c.reason}`;
  };

  test.each<[string, DeploymentView | undefined, string, string, string]>([
    ['no Deployment yet', undefined, 'False/RolloutPending', 'True/RollingOut', 'False/AsExpected'],
    ['Deployment not yet observed', dep({ observedGeneration: 1 }, 2), 'False/RolloutPending', 'True/RollingOut', 'False/AsExpected'],
    ['pods starting', dep({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }), 'False/RollingOut', 'True/RollingOut', 'False/AsExpected'],
    ['old pods still terminating', dep({ observedGeneration: 1, replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), 'False/RollingOut', 'True/RollingOut', 'False/AsExpected'],
    ['all ready', dep({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), 'True/Available', 'False/RolloutComplete', 'False/AsExpected'],
    [
      'progress deadline exceeded',
      dep({ observedGeneration: 1, replicas: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'slow' }] }),
      'False/RolloutFailed',
      'False/ProgressDeadlineExceeded',
      'True/ProgressDeadlineExceeded',
    ],
  ])('%s', (_name, deployment, ready, progressing, degraded) => {
    const s = computeStatus({ previous: undefined, generation: 3, render: rendered, deployment, now: T0 });
    expect([cond(s, 'Ready'), cond(s, 'Progressing'), cond(s, 'Degraded'), cond(s, 'ConfigValid')]).toEqual([
      ready,
      progressing,
      degraded,
      'True/Rendered',
    ]);
    expect(s.observedGeneration).toBe(3);
    expect(s.configHash).toBe('abc');
  });

  test('an invalid spec keeps the last config hash and selector and names the field', () => {
    const previous = computeStatus({
      previous: undefined,
      generation: 1,
      render: rendered,
      deployment: dep({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
      now: T0,
    });
    const s = computeStatus({
      previous: { ...previous, autoscaling: { desiredReplicas: 2 } },
      generation: 2,
      render: { ok: false, reason: 'InvalidSpec', message: 'spec.exporters[0].otlp.endpoint: must be host:port' },
      deployment: dep({ observedGeneration: 1, replicas: 2, readyReplicas: 2 }),
      now: T1,
    });
    expect(s.configHash).toBe('abc');
    expect(s.selector).toBe('a=b');
    expect(s.conditions?.find((c) => c.type === 'ConfigValid')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message: 'spec.exporters[0].otlp.endpoint: must be host:port',
      lastTransitionTime: metaTime(T1),
    });
    expect(cond(s, 'Degraded')).toBe('True/ConfigInvalid');
    expect(s.replicas).toBe(2);
  });

  test('statusChanged ignores autoscaling and key order, and sees real changes', () => {
    const s = computeStatus({ previous: undefined, generation: 1, render: rendered, deployment: undefined, now: T0 });
    const reordered = JSON.parse(JSON.stringify({ autoscaling: { desiredReplicas: 3 }, ...s }));
    expect(statusChanged(reordered, s)).toBe(false);
    const again = computeStatus({ previous: s, generation: 1, render: rendered, deployment: undefined, now: T1 });
    expect(statusChanged(s, again)).toBe(false);
    expect(statusChanged(s, { ...s, readyReplicas: 1 })).toBe(true);
    expect(statusChanged(undefined, s)).toBe(true);
  });
});

test('deploymentObserved', () => {
  expect(deploymentObserved(undefined)).toBe(false);
  expect(deploymentObserved({ metadata: { generation: 2 }, status: { observedGeneration: 2 } })).toBe(true);
  expect(deploymentObserved({ metadata: { generation: 1 }, status: {} })).toBe(false);
});

describe('statusWriteDelay', () => {
  const rendered = { ok: true as const, configHash: 'abc', selector: 'a=b', replicas: 1 };
  const rolling = computeStatus({ previous: undefined, generation: 1, render: rendered, deployment: undefined, now: T0 });
  const done = computeStatus({
    previous: undefined,
    generation: 1,
    render: rendered,
    deployment: { metadata: { generation: 1 }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 } },
    now: T0,
  });
  test.each<[string, typeof rolling, number | undefined, number, number]>([
    ['rolling, just changed: wait the rest of the window', rolling, T0, T0 + 1000, 4000],
    ['rolling, window over: write', rolling, T0, T0 + 5000, 0],
    ['rolling, no change by this process: write', rolling, undefined, T0, 0],
    ['complete: write at once', done, T0, T0 + 10, 0],
  ])('%s', (_name, next, startedAt, now, expected) => {
    expect(statusWriteDelay(next, startedAt, now, 5000)).toBe(expected);
  });
});

describe('a StatefulSet (spec.persistence) is read as a Deployment is', () => {
  const rendered = { ok: true as const, configHash: 'abc', selector: 'a=b', replicas: 2 };
  const sts = (status: DeploymentView['status'], generation = 1): DeploymentView => ({ kind: 'StatefulSet', metadata: { generation }, status });

  test.each<[string, DeploymentView, string, string]>([
    ['not yet observed', sts({ observedGeneration: 1 }, 2), 'False/RolloutPending', 'waiting for the StatefulSet controller'],
    ['one pod ready', sts({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }), 'False/RollingOut', '1/2 collectors ready'],
    ['all ready', sts({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), 'True/Available', '2/2 collectors ready'],
  ])('%s', (_name, deployment, ready, message) => {
    const s = computeStatus({ previous: undefined, generation: 1, render: rendered, deployment, now: T0 });
    const c = s.conditions!.find((x) => x.type === 'Ready')!;
    expect([`${c.status}/${c.reason}`, c.message]).toEqual([ready, message]);
    expect(s).toMatchObject({ replicas: deployment.status?.replicas ?? 0, readyReplicas: deployment.status?.readyReplicas ?? 0 });
  });
});

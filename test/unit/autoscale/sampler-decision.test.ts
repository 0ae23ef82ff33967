// The sampling tier's replica count from what the samplers hold: traces against num_traces, heap against the limit.
import { historyFrom, HPA_SCALE_UP, type History } from '../../../src/operator/autoscale/behavior.ts';
import { decideSamplers, type SamplerLoad } from '../../../src/operator/autoscale/sampler-decision.ts';

const MIB = 1024 * 1024;
const BEHAVIOR = { minReplicas: 2, maxReplicas: 10, scaleDownStabilizationSeconds: 300, ...HPA_SCALE_UP };
const NOW = 1_000_000;
const LONG_WATCHED: History = historyFrom(NOW - 3_600_000);

function decide(pods: (SamplerLoad | undefined)[], current: number, history = LONG_WATCHED) {
  return decideSamplers({ pods, numTraces: 50_000, heapLimitBytes: 384 * MIB, targetUtilization: 0.7, currentReplicas: current, history, now: NOW, behavior: BEHAVIOR });
}

const pod = (tracesOnMemory: number, heapMiB = 50): SamplerLoad => ({ tracesOnMemory, heapBytes: heapMiB * MIB });

test.each<[string, (SamplerLoad | undefined)[], number, number, number | undefined]>([
  // 2 x 20,000 traces = 40,000; one sampler holds 35,000 at 70 %: 2 samplers.
  ['light load stays at the minimum', [pod(20_000), pod(20_000)], 2, 2, 2],
  // 2 x 40,000 = 80,000 / 35,000 = 2.3: 3 samplers.
  ['traces past the target add samplers', [pod(40_000), pod(40_000)], 2, 3, 3],
  // heap 2 x 300 MiB = 600 MiB / (384 x 0.7 = 268.8 MiB) = 2.2: 3, though few traces are held.
  ['memory past the target adds samplers', [pod(1000, 300), pod(1000, 300)], 2, 3, 3],
  // heap 2 x 1000 MiB / 268.8 MiB = 7.4: 8 asked, 6 allowed from 2 by the scale-up limit (4 pods or 100 % per period).
  ['a surge is limited per period', [pod(50_000, 1000), pod(50_000, 1000)], 2, 6, 8],
  ['never above maxReplicas', Array.from({ length: 10 }, () => pod(50_000)), 10, 10, 15],
  ['a failed scrape never scales down', [pod(0), undefined, pod(0)], 3, 3, 3],
  ['nothing measured keeps the count', [undefined, undefined], 3, 3, undefined],
])('%s', (_name, pods, current, desired, recommendation) => {
  const decision = decide(pods, current);
  expect(decision.desiredReplicas).toBe(desired);
  expect(decision.recommendation).toBe(recommendation);
});

test('scale-down waits for the stabilization window, then follows the highest recommendation in it', () => {
  let history = LONG_WATCHED;
  const busy = decideSamplers({ pods: [pod(60_000), pod(60_000), pod(60_000), pod(60_000)], numTraces: 50_000, heapLimitBytes: 384 * MIB, targetUtilization: 0.7, currentReplicas: 4, history, now: NOW, behavior: BEHAVIOR });
  history = busy.newHistory;
  expect(busy.desiredReplicas).toBe(7);
  const quiet = (now: number) =>
    decideSamplers({ pods: [pod(100), pod(100), pod(100), pod(100)], numTraces: 50_000, heapLimitBytes: 384 * MIB, targetUtilization: 0.7, currentReplicas: 4, history, now, behavior: BEHAVIOR });
  expect(quiet(NOW + 60_000).desiredReplicas).toBe(4);
  expect(quiet(NOW + 301_000).desiredReplicas).toBe(2);
});

test('the reason names what drove the decision', () => {
  expect(decide([pod(40_000), pod(40_000)], 2).reason).toBe('80,000 traces held (80 % of num_traces per sampler) at a 70 % target asks for 3 samplers: 2 -> 3');
  expect(decide([pod(1000, 300), pod(1000, 300)], 2).reason).toBe('heap 78 % of the memory limit per sampler at a 70 % target asks for 3 samplers: 2 -> 3');
});

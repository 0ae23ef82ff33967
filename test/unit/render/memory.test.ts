import { memorySizing } from '../../../src/operator/render/memory.ts';
import { pipeline } from './fixtures.ts';

function sizing(memory: string | number, memoryLimiter: Record<string, unknown> = {}) {
  return memorySizing(pipeline({ resources: { requests: { memory: '64Mi' }, limits: { memory } }, memoryLimiter }).spec);
}

test.each<[string | number, Record<string, unknown>, number, number, number]>([
  ['2Gi', {}, 1536, 384, 1152],
  ['1Gi', {}, 768, 192, 576],
  ['512Mi', {}, 384, 96, 288],
  ['4Gi', { limitPercent: 80, spikePercent: 20 }, 3276, 655, 2621],
  ['2G', {}, 1430, 357, 1073],
  [2147483648, {}, 1536, 384, 1152],
  ['128Mi', {}, 96, 24, 72],
  // 0 MiB would read as unset (20 % of limit_mib) to the memory_limiter: the smallest allowance is 1 MiB.
  ['2Gi', { spikePercent: 0 }, 1536, 1, 1535],
  ['69Mi', { limitPercent: 95, spikePercent: 1 }, 65, 1, 64],
])('limit %p %p -> limit_mib %p, spike_limit_mib %p, heap %p', (memory, limiter, limitMiB, spikeLimitMiB, heapMiB) => {
  expect(sizing(memory, limiter)).toEqual({ limitMiB, spikeLimitMiB, heapMiB, checkInterval: '1s' });
});

test('check interval comes from the spec', () => {
  expect(sizing('2Gi', { checkInterval: '500ms' }).checkInterval).toBe('500ms');
});

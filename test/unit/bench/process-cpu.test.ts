import { cpuDelta, parseProcStat, parseStatCpuSeconds, processCpuSeconds } from '../../../bench/operator/process-cpu.ts';

test('utime + stime of a /proc/<pid>/stat line, counted after the last parenthesis of the command', () => {
  // Fields 14 and 15 (utime 2150, stime 347 ticks); the command holds a space and a parenthesis.
  const stat = '4242 (kube (api) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 2150 347 0 0 20 0 12 0 100 2990196 339043';
  expect(parseStatCpuSeconds(stat)).toBeCloseTo(24.97);
  expect(() => parseStatCpuSeconds('garbage')).toThrow('not a /proc/<pid>/stat line');
});

test('this process has used some CPU; a pid that cannot exist has none to read', () => {
  expect(processCpuSeconds(process.pid)).toBeGreaterThan(0);
  expect(processCpuSeconds(2 ** 31 - 1)).toBeUndefined();
});

test('cpuDelta: per name, only names in both snapshots, to 0.01 s', () => {
  expect(cpuDelta({ etcd: 1, operator: 2.004 }, { etcd: 3.5, operator: 4.01, bench: 9 })).toEqual({ etcd: 2.5, operator: 2.01 });
});

test('parseProcStat: busy includes steal, idle and iowait are left out', () => {
  const text = 'cpu  1000 10 500 90000 300 20 30 140 0 0\ncpu0 500 5 250 45000 150 10 15 70 0 0\n';
  expect(parseProcStat(text)).toEqual({ busy: 17, steal: 1.4 });
  expect(() => parseProcStat('intr 1 2 3')).toThrow('not /proc/stat');
});

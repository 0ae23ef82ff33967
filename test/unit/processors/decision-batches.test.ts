// When tail_sampling decides (upstream's id batcher) and what its decision cache remembers (an LRU by the trace
// id's last 8 bytes).
import { DecisionBatches, DecisionCache } from '../../../src/collector/processors/decision-batches.ts';

/** Runs `steps` ('+x' adds x, '-x' removes x, 'tick', 'stop') and returns what each tick handed out. */
function run(size: number, steps: string[]): string[] {
  const batches = new DecisionBatches(size);
  const out: string[] = [];
  for (const step of steps) {
    if (step === 'tick') {
      const { due, more } = batches.tick();
      out.push(`${[...due].join(',')}${more ? '' : '.'}`);
    } else if (step === 'stop') batches.stop();
    else if (step.startsWith('+')) batches.add(step.slice(1));
    else batches.remove(step.slice(1));
  }
  return out;
}

describe('DecisionBatches', () => {
  test.each<[string, number, string[], string[]]>([
    ['one batch: due at the second tick after arrival', 1, ['+a', 'tick', 'tick'], ['', 'a']],
    ['three batches: due at the fourth', 3, ['+a', 'tick', '+b', 'tick', 'tick', 'tick', 'tick'], ['', '', '', 'a', 'b']],
    ['a key added twice is due once', 1, ['+a', '+a', 'tick', 'tick', 'tick'], ['', 'a', '']],
    ['removed keys are not due', 2, ['+a', '+b', 'tick', '-a', 'tick', 'tick'], ['', '', 'b']],
    ['stopped: the ring, then the current batch, then nothing', 2, ['+a', 'tick', '+b', 'stop', 'tick', 'tick', 'tick', 'tick'], ['', '', 'a', 'b.', '.']],
    ['stopping twice changes nothing', 1, ['+a', 'stop', 'stop', 'tick', 'tick'], ['', 'a.']],
  ])('%s', (_name, size, steps, expected) => {
    expect(run(size, steps)).toEqual(expected);
  });
});

describe('DecisionBatches.moveEarlier (decision_wait_after_root_received)', () => {
  test('a key moves to the batch due sooner, never later', () => {
    const batches = new DecisionBatches(5);
    const at = batches.add('a');
    expect(at).toBe(5);
    expect(batches.moveEarlier('a', at, 9)).toBe(5);
    expect(batches.moveEarlier('a', at, 1)).toBe(1);
    const due = [1, 2, 3].map(() => [...batches.tick().due]);
    expect(due).toEqual([[], ['a'], []]);
  });

  test('from a batch of the ring', () => {
    const batches = new DecisionBatches(3);
    const at = batches.add('a');
    batches.tick();
    expect(batches.moveEarlier('a', at, 0)).toBe(1);
    expect([...batches.tick().due]).toEqual(['a']);
  });
});

describe('DecisionCache', () => {
  const key = (left: string, right: string) => left.padEnd(8, '.') + right.padEnd(8, '.');
  test.each<[string, number, string[], string, boolean]>([
    ['size 0 keeps nothing', 0, [key('a', 'a')], key('a', 'a'), false],
    ['a cached trace', 2, [key('a', 'a')], key('a', 'a'), true],
    ['keyed by the last 8 bytes', 2, [key('a', 'x')], key('b', 'x'), true],
    ['the least recently used goes first', 2, [key('a', 'a'), key('b', 'b'), key('c', 'c')], key('a', 'a'), false],
    ['the newest stays', 2, [key('a', 'a'), key('b', 'b'), key('c', 'c')], key('c', 'c'), true],
    ['a repeated put refreshes', 2, [key('a', 'a'), key('b', 'b'), key('a', 'a'), key('c', 'c')], key('a', 'a'), true],
  ])('%s', (_name, size, puts, asked, cached) => {
    const cache = new DecisionCache(size);
    for (const entry of puts) cache.put(entry);
    expect(cache.has(asked)).toBe(cached);
  });

  test('a lookup refreshes too', () => {
    const cache = new DecisionCache(2);
    cache.put(key('a', 'a'));
    cache.put(key('b', 'b'));
    expect(cache.has(key('a', 'a'))).toBe(true);
    cache.put(key('c', 'c'));
    expect([cache.has(key('a', 'a')), cache.has(key('b', 'b'))]).toEqual([true, false]);
  });
});

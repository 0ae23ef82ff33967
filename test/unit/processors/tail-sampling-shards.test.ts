// tail_sampling's shards as upstream's: which shard a trace goes to (values printed by upstream's traceIDToShard,
// Go), each shard's share of the config, and that sharding changes no decision below the limits.
import { pino } from 'pino';
import type { Payload } from '../../../src/collector/component.ts';
import { tailSamplingConfigSchema } from '../../../src/collector/processors/tail-sampling-config.ts';
import { shardConfig, traceShard } from '../../../src/collector/processors/tail-sampling-shards.ts';
import { TailSampler } from '../../../src/collector/processors/tail-sampling.ts';
import { Telemetry } from '../../../src/collector/telemetry.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { itemOf, items } from './harness.ts';
import { payload, traceName } from './tail-sampling-fixtures.ts';

test.each([
  ['00000000000000000000000000000000', 0, 0, 0],
  ['0102030405060708090a0b0c0d0e0f10', 0, 2, 226],
  ['ffeeddccbbaa99887766554433221100', 1, 6, 165],
  ['deadbeef000000000000000000000000', 1, 1, 187],
])('trace %s goes to shard %p of 2, %p of 7, %p of 256', (id, of2, of7, of256) => {
  const key = Buffer.from(id, 'hex').toString('latin1');
  expect([traceShard(key, 2), traceShard(key, 7), traceShard(key, 256)]).toEqual([of2, of7, of256]);
});

test('each shard gets its share: traces, caches and rate budgets divided, an unset burst first doubled', () => {
  const config = tailSamplingConfigSchema.parse({
    num_traces: 1000, expected_new_traces_per_sec: 100, num_shards: 4, decision_cache: { sampled_cache_size: 2, non_sampled_cache_size: 0 },
    policies: [
      { name: 'r', type: 'rate_limiting', rate_limiting: { spans_per_second: 10 } },
      { name: 'c', type: 'composite', composite: { max_total_spans_per_second: 100, composite_sub_policy: [{ name: 'b', type: 'bytes_limiting', bytes_limiting: { bytes_per_second: 3, burst_capacity: 9 } }] } },
    ],
  });
  const share = shardConfig(config, 4);
  expect([share.num_traces, share.expected_new_traces_per_sec, share.decision_cache]).toEqual([250, 25, { sampled_cache_size: 1, non_sampled_cache_size: 0 }]);
  expect(share.policies[0]!.rate_limiting).toEqual({ spans_per_second: 2, burst_capacity: 20 });
  expect(share.policies[1]!.composite.max_total_spans_per_second).toBe(25);
  expect(share.policies[1]!.composite.composite_sub_policy[0]!.bytes_limiting).toEqual({ bytes_per_second: 1, burst_capacity: 9 });
  expect(shardConfig(config, 1)).toBe(config);
});

test('below the limits, shards decide as one', async () => {
  const kept = async (shards: number) => {
    const clock = new FakeClock();
    const outputs: Payload[] = [];
    const config = tailSamplingConfigSchema.parse({ decision_wait: '1s', num_shards: shards, policies: [{ name: 'p', type: 'probabilistic', probabilistic: { sampling_percentage: 30 } }] });
    const sampler = new TailSampler({ id: 'tail_sampling', type: 'tail_sampling', logger: pino({ level: 'silent' }), telemetry: new Telemetry() } as never, config, { consume: (p) => void outputs.push(p) }, clock);
    await sampler.start();
    sampler.consume(payload([{ spans: Array.from({ length: 60 }, (_, i) => ({ trace: `t${i % 30}` })) }]));
    await clock.advance(2000);
    await sampler.shutdown(Date.now() + 1000);
    return items('traces', outputs).map((entry) => traceName(itemOf(entry).traceId)).sort();
  };
  const one = await kept(1);
  expect(one.length).toBeGreaterThan(0);
  expect(await kept(5)).toEqual(one);
});

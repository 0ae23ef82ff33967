// How the sampler-scaling scenario counts what became of each trace: kept whole, kept in part, dropped whole; and
// which missing spans count as lost.
import { keptInParts } from '../../support/sampler-scaling.ts';

const acked = new Map([['s1', 'A'], ['s2', 'A'], ['s3', 'B'], ['s4', 'B'], ['s5', 'C'], ['s6', 'C']]);

test.each([
  ['every span arrived', ['s1', 's2', 's3', 's4', 's5', 's6'], true, { kept: 3, partial: 0, lost: 0 }],
  ['keep-all: a trace kept in part and one missing are both lost spans', ['s1', 's2', 's3'], true, { kept: 1, partial: 1, lost: 3 }],
  ['policies: a trace dropped whole is no loss, one kept in part is', ['s1', 's2', 's3'], false, { kept: 1, partial: 1, lost: 1 }],
])('%s', (_name, arrivedIds, keepsAll, expected) => {
  const arrived = new Map(arrivedIds.map((id) => [id, 1]));
  expect(keptInParts(acked, arrived, keepsAll)).toEqual(expected);
});

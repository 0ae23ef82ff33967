import { planDrains, type ClaimView, type DrainInput, type DrainPlan, type JobView } from '../../../src/operator/drain.ts';

const claim = (ordinal: number, deleting = false): ClaimView => ({ name: `queue-p-collector-${ordinal}`, ordinal, deleting });
const job = (ordinal: number, state: JobView['state'] = 'active', failedAttempts = 0, deleting = false): JobView => ({
  name: `p-collector-drain-${ordinal}`,
  ordinal,
  state,
  failedAttempts,
  deleting,
});

function plan(input: Partial<DrainInput>): DrainPlan {
  return planDrains({ replicas: 1, claims: [], jobs: [], mountedByCollector: new Set(), canDrain: true, ...input });
}

const summary = (p: DrainPlan) => ({
  create: p.createJobs,
  deleteJobs: p.deleteJobs.map((d) => `${d.name}:${d.reason}`),
  deleteClaims: p.deleteClaims.map((d) => d.name),
  pending: p.pending.map((q) => `${q.claimName}:${q.state}`),
});

test.each<[string, Partial<DrainInput>, ReturnType<typeof summary>]>([
  ['claims of running replicas are left alone', { replicas: 2, claims: [claim(0), claim(1)] }, { create: [], deleteJobs: [], deleteClaims: [], pending: [] }],
  [
    'a scaled-away claim still mounted by its terminating pod waits',
    { claims: [claim(0), claim(1)], mountedByCollector: new Set(['queue-p-collector-1']) },
    { create: [], deleteJobs: [], deleteClaims: [], pending: ['queue-p-collector-1:WaitingForPod'] },
  ],
  [
    'once the pod is gone, a drain Job per scaled-away claim',
    { claims: [claim(0), claim(1), claim(2)] },
    { create: [1, 2], deleteJobs: [], deleteClaims: [], pending: ['queue-p-collector-1:Draining', 'queue-p-collector-2:Draining'] },
  ],
  [
    'a running Job is left to run',
    { claims: [claim(0), claim(1)], jobs: [job(1)] },
    { create: [], deleteJobs: [], deleteClaims: [], pending: ['queue-p-collector-1:Draining'] },
  ],
  [
    'a Job retrying after failed attempts is reported as such',
    { claims: [claim(1)], jobs: [job(1, 'active', 3)] },
    { create: [], deleteJobs: [], deleteClaims: [], pending: ['queue-p-collector-1:Retrying'] },
  ],
  [
    'a Job that succeeded lets its claim go, and is kept until the claim is being deleted',
    { claims: [claim(1)], jobs: [job(1, 'complete')] },
    { create: [], deleteJobs: [], deleteClaims: ['queue-p-collector-1'], pending: [] },
  ],
  [
    'then the Job goes too',
    { claims: [claim(1, true)], jobs: [job(1, 'complete')] },
    { create: [], deleteJobs: ['p-collector-drain-1:Drained'], deleteClaims: [], pending: [] },
  ],
  ['a Job whose claim is gone goes', { jobs: [job(1, 'complete')] }, { create: [], deleteJobs: ['p-collector-drain-1:Drained'], deleteClaims: [], pending: [] }],
  [
    'a Job that gave up is deleted (created again next pass); the claim stays',
    { claims: [claim(1)], jobs: [job(1, 'failed', 11)] },
    { create: [], deleteJobs: ['p-collector-drain-1:Failed'], deleteClaims: [], pending: ['queue-p-collector-1:Retrying'] },
  ],
  [
    'a Job being deleted is waited for, not created again',
    { claims: [claim(1)], jobs: [job(1, 'failed', 11, true)] },
    { create: [], deleteJobs: [], deleteClaims: [], pending: ['queue-p-collector-1:Retrying'] },
  ],
  [
    'a scale-up that wants the ordinal again deletes its drain Job',
    { replicas: 3, claims: [claim(0), claim(1), claim(2)], jobs: [job(2, 'active', 1)] },
    { create: [], deleteJobs: ['p-collector-drain-2:ScaledUp'], deleteClaims: [], pending: [] },
  ],
  [
    'an image that cannot drain keeps the claim and says so',
    { claims: [claim(1)], canDrain: false },
    { create: [], deleteJobs: [], deleteClaims: [], pending: ['queue-p-collector-1:Undrainable'] },
  ],
  ['a claim already being deleted is not pending', { claims: [claim(1, true)] }, { create: [], deleteJobs: [], deleteClaims: [], pending: [] }],
  [
    'scaled to zero: every claim is drained',
    { replicas: 0, claims: [claim(0), claim(1)] },
    { create: [0, 1], deleteJobs: [], deleteClaims: [], pending: ['queue-p-collector-0:Draining', 'queue-p-collector-1:Draining'] },
  ],
])('%s', (_name, input, expected) => {
  expect(summary(plan(input))).toEqual(expected);
});

test('pending entries name the Job and its failed attempts', () => {
  expect(plan({ claims: [claim(1)], jobs: [job(1, 'active', 2)] }).pending).toEqual([
    {
      claimName: 'queue-p-collector-1',
      ordinal: 1,
      state: 'Retrying',
      jobName: 'p-collector-drain-1',
      failedAttempts: 2,
      message: '2 drain attempt(s) did not deliver everything (backend unreachable?); the data stays on the volume',
    },
  ]);
});

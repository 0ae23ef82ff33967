// spec.persistence: where the exporters' sending queues live. Without it they are in memory, lost when a collector
// restarts or is scaled away. With it the fleet is a StatefulSet and every queue is upstream's file_storage on a
// volume: a PersistentVolumeClaim per replica (survives restarts, rescheduling and scale-in) or an emptyDir
// (survives container restarts only).
import { z } from 'zod';
import { quantity, withRules } from './schema-kit.ts';
import { parseQuantity } from './quantity.ts';

/** Where the file_storage extension keeps the queues, in every collector and drain pod. */
export const QUEUE_DIR = '/var/lib/otelcol/file_storage';

// The API server's own rule for a PVC's storage request is "> 0"; an emptyDir sizeLimit may be any quantity.
const SIZE_MESSAGE = 'size must be greater than 0';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const volumeClaim = withRules(
  z.strictObject({
    size: quantity('Storage requested for each replica\'s queue volume, such as 1Gi.'),
    storageClassName: z
      .string()
      .min(1)
      .max(253)
      .regex(DNS_SUBDOMAIN, 'must be a StorageClass name: lower-case letters, digits, "-" and "."')
      .optional()
      .describe('StorageClass of the volumes; left out, the cluster\'s default class.'),
    accessModes: z
      .array(z.enum(['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany']).describe('A PersistentVolume access mode.'))
      .min(1)
      .max(3)
      .superRefine((list, ctx) => {
        if (new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', message: 'accessModes must not repeat' });
      })
      .meta({ 'x-kubernetes-list-type': 'set' })
      .default(['ReadWriteOnce'])
      .describe(
        'Access modes of the volumes (default ReadWriteOnce). ReadWriteOncePod keeps a drain Job from starting while ' +
          'a collector still holds the volume; ReadOnlyMany cannot hold a queue and is refused.',
      ),
  }),
  [
    {
      rule: "quantity(string(self.size)).isGreaterThan(quantity('0'))",
      message: SIZE_MESSAGE,
      fieldPath: '.size',
      holds: (c) => parseQuantity(c.size) > 0,
    },
  ],
).describe(
  'A PersistentVolumeClaim per replica (the StatefulSet\'s volumeClaimTemplate). A queue survives container restarts, ' +
    'rescheduling and scale-in: a replica scaled away drains its queue while it terminates, and what is left is ' +
    'delivered by a drain Job before its volume is deleted (docs/persistence.md).',
);

const emptyDir = z
  .strictObject({
    sizeLimit: quantity('Most the queue directory may hold; beyond it the kubelet evicts the pod. Left out, no limit.').optional(),
  })
  .describe('An emptyDir per pod: a queue survives container restarts (a crash, an OOM kill), not the pod\'s deletion.');

export const PersistenceSchema = withRules(
  z.strictObject({ volumeClaim: volumeClaim.optional(), emptyDir: emptyDir.optional() }),
  [
    {
      rule: 'has(self.volumeClaim) != has(self.emptyDir)',
      message: 'set exactly one of volumeClaim and emptyDir',
      holds: (p) => (p.volumeClaim === undefined) !== (p.emptyDir === undefined),
    },
    // A StatefulSet's volumeClaimTemplates cannot change, so the API server refuses an update that would change
    // them rather than admit a spec the operator cannot apply. A transition rule (oldSelf): it runs only on an
    // update of a pipeline that had persistence; parseSpec sees one object at a time, with nothing to compare.
    {
      rule: '(has(self.volumeClaim) == has(oldSelf.volumeClaim)) && (!has(self.volumeClaim) || self.volumeClaim == oldSelf.volumeClaim)',
      message:
        'volumeClaim cannot be added, changed or removed on a fleet that has persistence (a StatefulSet\'s volume claims ' +
        'are immutable); remove spec.persistence first (see docs/persistence.md), then set the new one',
      holds: () => true,
    },
  ],
).describe(
  `Keep the exporters' sending queues on disk (upstream's file_storage extension, at ${QUEUE_DIR}) instead of in memory. ` +
    'The fleet becomes a StatefulSet. Left out, queues are in memory and the fleet is a Deployment.',
);

export type Persistence = z.output<typeof PersistenceSchema>;

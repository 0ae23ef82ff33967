// spec fields about the collector pods themselves: which image and command line they run, and which nodes they
// may land on. The rendered config is upstream-compatible, so these are what lets a fleet run the upstream
// OpenTelemetry Collector image, and place it, as well as this project's own.
import { z } from 'zod';
import { CONFIG_PATH } from './constants.ts';
import { withRules } from './schema-kit.ts';

// Kubernetes label keys and values (also taint keys and values): a key is an optional DNS-subdomain prefix and "/",
// then a name of at most 63 characters; a value is at most 63 characters, possibly empty.
const LABEL_KEY_PATTERN =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_KEY_MESSAGE =
  'must be a label key: an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
const LABEL_VALUE_PATTERN = '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$';

/** The DNS prefix of a label key is at most 253 characters (the pattern allows one "/" at most). */
const PREFIX_MESSAGE = 'the prefix of a label key (before "/") must be at most 253 characters';

function labelKey(description: string) {
  return z
    .string()
    .min(1)
    .max(317)
    .regex(new RegExp(LABEL_KEY_PATTERN), LABEL_KEY_MESSAGE)
    .refine((key) => key.indexOf('/') <= 253, PREFIX_MESSAGE)
    .meta({ 'x-kubernetes-validations': [{ rule: "self.indexOf('/') <= 253", message: PREFIX_MESSAGE }] })
    .describe(description);
}

function labelValue(description: string) {
  return z
    .string()
    .max(63)
    .regex(new RegExp(LABEL_VALUE_PATTERN), 'must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit')
    .describe(description);
}

const image = z
  .string()
  .min(1)
  .max(512)
  .optional()
  .describe(
    "Collector image. Unset: the operator's own image, started as `tpo collector --config " +
      `${CONFIG_PATH}\`. Set: an image whose entrypoint is an OpenTelemetry Collector, such as ` +
      'otel/opentelemetry-collector-contrib, started with its own entrypoint and the argument `--config=' +
      `${CONFIG_PATH}\` (override with command and args).`,
  );

/*
 * Why command and args are the container's string lists and not the OpenTelemetry Operator's `args` map: its
 * OpenTelemetryCollector appends `--key=value` for each map entry to a `--config` it adds itself and keeps the
 * image's entrypoint, so it can neither name another binary (/otelcol-contrib, /otelcol, `tpo collector`), nor
 * repeat or order flags, nor leave out its own. Kubernetes users know command and args from every Pod, with the
 * same meaning here, and what they write is exactly what runs: the operator adds nothing to a given command line.
 */
const command = z
  .array(z.string().max(1024).describe('One element of the command line.'))
  .max(32)
  .optional()
  .describe(
    "The collector container's command, as in a Pod: it replaces the image's ENTRYPOINT (and the image's CMD). " +
      `Given command and args are used verbatim, with nothing added: they must name the config file, ${CONFIG_PATH}. ` +
      'With neither given, the command line follows from image.',
  );

const args = z
  .array(z.string().max(4096).describe('One argument.'))
  .max(128)
  .optional()
  .describe(
    "The collector container's args, as in a Pod: arguments to command, or to the image's ENTRYPOINT when command " +
      `is not given. Given command and args are used verbatim, with nothing added: they must name the config file, ` +
      `${CONFIG_PATH}, for example [--config=${CONFIG_PATH}, --feature-gates=...] on an upstream collector image.`,
  );

const MAX_NODE_LABELS = 32;

// OpenAPI v3 has no propertyNames: the CRD checks the keys with a CEL rule, parseSpec with the key schema.
const nodeSelector = z
  .record(labelKey('Label key a node must have.'), labelValue('Value the node label must have.'), {
    error: (issue) => (issue.code === 'invalid_key' ? LABEL_KEY_MESSAGE : undefined),
  })
  .refine((labels) => Object.keys(labels).length <= MAX_NODE_LABELS, `at most ${MAX_NODE_LABELS} labels`)
  .meta({
    maxProperties: MAX_NODE_LABELS,
    'x-kubernetes-validations': [
      { rule: `self.all(k, k.matches('${LABEL_KEY_PATTERN.replace(/\\/g, '\\\\')}') && k.indexOf('/') <= 253)`, message: `label keys ${LABEL_KEY_MESSAGE}` },
    ],
  })
  .optional()
  .describe("Collector pods run only on nodes that have every one of these labels (the pod's nodeSelector).");

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

// The API server's own checks of a Toleration, so that a pipeline the CRD admits renders a pod template it admits.
const toleration = withRules(
  z.strictObject({
    key: labelKey('Taint key this toleration matches. Leave out, with operator Exists, to tolerate every taint.').optional(),
    operator: z
      .enum(['Exists', 'Equal'])
      .default('Equal')
      .describe('Equal: the taint value must equal value. Exists: any value of the taint key (leave value out).'),
    value: labelValue('Taint value to match, with operator Equal.').optional(),
    effect: z
      .enum(TAINT_EFFECTS)
      .optional()
      .describe('Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; left out, every effect.'),
    tolerationSeconds: z
      .number()
      .int()
      .min(0)
      .max(31_536_000)
      .optional()
      .describe(
        'With effect NoExecute: how long a running pod stays on a node after the taint appears, then it is evicted. ' +
          'Left out, it stays as long as the taint does.',
      ),
  }),
  [
    {
      rule: "has(self.key) || (has(self.operator) && self.operator == 'Exists')",
      message: 'operator must be Exists when key is left out (that tolerates every taint)',
      fieldPath: '.operator',
      holds: (t) => t.key !== undefined || t.operator === 'Exists',
    },
    {
      rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
      message: 'value must be left out when operator is Exists',
      fieldPath: '.value',
      holds: (t) => t.operator !== 'Exists' || (t.value ?? '') === '',
    },
    {
      rule: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
      message: 'tolerationSeconds needs effect NoExecute',
      fieldPath: '.tolerationSeconds',
      holds: (t) => t.tolerationSeconds === undefined || t.effect === 'NoExecute',
    },
  ],
).describe('A taint the collector pods tolerate (core/v1 Toleration).');

const tolerations = z
  .array(toleration)
  .max(32)
  .optional()
  .describe("Taints the collector pods tolerate, so they may run on tainted (for example dedicated) nodes (the pod's tolerations).");

/** Spread into the spec's object schema. */
export const podFields = { image, command, args, nodeSelector, tolerations };

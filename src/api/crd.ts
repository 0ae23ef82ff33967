// The TelemetryPipeline CustomResourceDefinition, generated from the zod schema (never edited by hand).
import { stringify } from 'yaml';
import { CATEGORIES, CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './constants.ts';
import { toStructuralSchema } from './openapi.ts';
import type { JsonSchema } from './structural.ts';
import { MAX_NAME_LENGTH, NAME_PATTERN, SpecSchema, StatusSchema } from './telemetry-pipeline.ts';

export function crdSchema(): JsonSchema {
  return {
    description:
      'TelemetryPipeline runs a fleet of OpenTelemetry collectors (a Deployment with its config, Service and disruption budget) and scales it from the throughput the collectors accept.',
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { description: 'Versioned schema of this object (fleet.telemetry.dev/v1alpha1).', type: 'string' },
      kind: { description: 'TelemetryPipeline.', type: 'string' },
      // The API server allows no description or other field on metadata here; the name rule is the CEL below.
      metadata: { type: 'object' },
      spec: toStructuralSchema(SpecSchema),
      status: toStructuralSchema(StatusSchema),
    },
    'x-kubernetes-validations': [
      {
        rule: `self.metadata.name.size() <= ${MAX_NAME_LENGTH} && self.metadata.name.matches('${NAME_PATTERN}')`,
        message: `metadata.name must start with a letter, hold only lower-case letters, digits and "-", and be at most ${MAX_NAME_LENGTH} characters (owned objects are named <name>-collector)`,
      },
    ],
  };
}

export function buildCrd(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: LIST_KIND, plural: PLURAL, singular: SINGULAR, shortNames: [...SHORT_NAMES], categories: [...CATEGORIES] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: crdSchema() },
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: [
            { name: 'Replicas', type: 'integer', description: 'Collector pods.', jsonPath: '.status.replicas' },
            { name: 'Ready', type: 'integer', description: 'Ready collector pods.', jsonPath: '.status.readyReplicas' },
            {
              name: 'Samplers',
              type: 'integer',
              description: 'Ready pods of the sampling tier (spec.processors.tailSampling).',
              jsonPath: '.status.sampler.readyReplicas',
            },
            {
              name: 'Spans/s',
              type: 'number',
              description: 'Spans per second the fleet accepted at the last evaluation.',
              jsonPath: '.status.autoscaling.spansPerSecond',
            },
            {
              name: 'Capacity',
              type: 'number',
              description: 'Spans per second one replica carries, learned from CPU or from the spec.',
              jsonPath: '.status.autoscaling.capacity.spansPerSecond',
            },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}

/** Path of the generated CRD in the repository (kubebuilder's <group>_<plural>.yaml convention). */
export const CRD_FILE = `crds/${GROUP}_${PLURAL}.yaml`;

const HEADER = '# Generated from src/api by `npm run gen:crd` (or `tpo crd`). Do not edit.\n';

/** The CRD as the YAML document checked in under crds/. */
export function crdYaml(): string {
  return HEADER + stringify(buildCrd(), { lineWidth: 0 });
}

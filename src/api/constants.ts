// Identity of the TelemetryPipeline API. Every other part (CRD, render, operator) takes these from here.
export const GROUP = 'fleet.telemetry.dev';
export const VERSION = 'v1alpha1';
export const KIND = 'TelemetryPipeline';
export const PLURAL = 'telemetrypipelines';
export const SINGULAR = 'telemetrypipeline';
export const LIST_KIND = 'TelemetryPipelineList';
export const SHORT_NAMES: readonly string[] = ['tp'];
export const CATEGORIES: readonly string[] = ['telemetry'];
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/**
 * Where every collector pod finds its rendered config (the ConfigMap's one key, mounted read-only). Part of the API:
 * a user who sets spec.command or spec.args names this file in them.
 */
export const CONFIG_DIR = '/etc/otelcol';
export const CONFIG_FILE = 'config.yaml';
export const CONFIG_PATH = `${CONFIG_DIR}/${CONFIG_FILE}`;

/** Where the Secrets a pipeline names (TLS certificates, bearer tokens) are mounted in collector pods, one directory each. */
export const SECRETS_DIR = '/etc/otelcol-secrets';

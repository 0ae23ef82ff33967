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

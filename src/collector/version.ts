// The package version, as the collector reports it (target_info's service_version). ../../package.json from
// src/collector (a clone) and from dist/collector (the installed package and the image) alike.
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

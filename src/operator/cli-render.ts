// `tpo render -f PIPELINE.yaml` and `tpo crd`: the operator's output without a cluster.
// I/O is injected so the commands are tested as functions; src/cli.ts passes the real process streams.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { crdYaml } from '../api/crd.ts';
import { parsePipeline } from '../api/telemetry-pipeline.ts';
import { DEFAULT_COLLECTOR_IMAGE } from './render/index.ts';
import { renderTieredFleet, tieredObjects } from './render/tiers.ts';

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** File contents; `-` is standard input. */
  readFile(path: string): string;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFileSync(path === '-' ? 0 : path, 'utf8'),
};

export const RENDER_USAGE = `usage: tpo render -f PIPELINE.yaml [--image IMAGE] [--replicas N]
  Prints the objects the operator applies for each TelemetryPipeline in the file (- for stdin).
  -f, --filename  the TelemetryPipeline YAML (several documents allowed)
  --image         collector image when spec.image is unset (default ${DEFAULT_COLLECTOR_IMAGE})
  --replicas      Deployment replicas (default: spec.replicas, within scaling.minReplicas..maxReplicas when scaling is enabled)
`;

export const CRD_USAGE = `usage: tpo crd
  Prints the TelemetryPipeline CustomResourceDefinition (as in crds/ and the Helm chart).
`;

const EXIT_OK = 0;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

function usageError(io: CommandIo, command: string, message: string, usage: string): number {
  io.stderr(`tpo ${command}: ${message}\n${usage}`);
  return EXIT_USAGE;
}

interface RenderArgs {
  file: string;
  image: string;
  replicas: number | undefined;
}

function parseRenderArgs(args: string[]): RenderArgs | string {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { filename: { type: 'string', short: 'f' }, image: { type: 'string' }, replicas: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return (error as Error).message;
  }
  if (values.filename === undefined) return 'render needs -f PIPELINE.yaml';
  const replicas = values.replicas === undefined ? undefined : Number(values.replicas);
  if (replicas !== undefined && !(Number.isInteger(replicas) && replicas >= 0)) return `--replicas must be a whole number, got "${values.replicas}"`;
  return { file: values.filename, image: values.image ?? DEFAULT_COLLECTOR_IMAGE, replicas };
}

/** Renders every document of the file; prints nothing to stdout unless all of them render. */
export function renderCommand(args: string[], io: CommandIo = processIo): number {
  const parsed = parseRenderArgs(args);
  if (typeof parsed === 'string') return usageError(io, 'render', parsed, RENDER_USAGE);
  let text: string;
  try {
    text = io.readFile(parsed.file);
  } catch (error) {
    io.stderr(`tpo: cannot read ${parsed.file}: ${(error as Error).message}\n`);
    return EXIT_INVALID;
  }
  const errors: string[] = [];
  const output: string[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    const where = `${parsed.file}: document ${index + 1}`;
    if (doc.errors.length > 0) {
      errors.push(...doc.errors.map((e) => `${where}: ${e.message}`));
      return;
    }
    const raw: unknown = doc.toJS();
    if (raw === null || raw === undefined) return;
    const result = parsePipeline(raw);
    if (!result.ok) {
      errors.push(...result.issues.map((i) => `${where}: ${i.path || '<root>'}: ${i.message}`));
      return;
    }
    const fleet = renderTieredFleet(result.pipeline, { image: parsed.image, ...(parsed.replicas !== undefined && { replicas: parsed.replicas }) });
    output.push(...tieredObjects(fleet).map((o) => stringify(o, { lineWidth: 0 })));
  });
  if (errors.length > 0) {
    io.stderr(`${errors.join('\n')}\n`);
    return EXIT_INVALID;
  }
  if (output.length === 0) {
    io.stderr(`tpo: ${parsed.file} holds no TelemetryPipeline\n`);
    return EXIT_INVALID;
  }
  io.stdout(output.join('---\n'));
  return EXIT_OK;
}

/** Prints the generated CRD. */
export function crdCommand(args: string[], io: CommandIo = processIo): number {
  if (args.length > 0) return usageError(io, 'crd', `takes no arguments, got "${args.join(' ')}"`, CRD_USAGE);
  io.stdout(crdYaml());
  return EXIT_OK;
}

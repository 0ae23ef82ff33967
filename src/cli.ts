#!/usr/bin/env node
// Entry point of `tpo`: a table of subcommands, each loaded only when run (a collector process never loads the
// operator's modules). A command resolves to the process exit code: 0 done, 1 failed, 2 usage error.
// This file runs before any other module loads, so it can still tell a too-old Node.js in one line.
import { readFileSync } from 'node:fs';

interface Command {
  readonly summary: string;
  /** The command's usage text, loaded without the command's dependencies. */
  usage(): Promise<string>;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  operator: {
    summary: 'run the operator: reconcile TelemetryPipelines and scale their collector fleets',
    usage: async () => (await import('./operator/options.ts')).USAGE,
    run: async (args) => (await import('./operator/main.ts')).operatorCommand(args),
  },
  collector: {
    summary: 'run the embedded OTLP collector (`tpo collector validate` checks a config)',
    usage: async () => (await import('./collector/cli.ts')).USAGE,
    run: async (args) => {
      (await import('./collector/startup-tiering.ts')).deferTiering(); // before the collector's modules load
      return (await import('./collector/cli.ts')).runCollectorCommand(args);
    },
  },
  render: {
    summary: 'print the objects the operator applies for a TelemetryPipeline, without a cluster',
    usage: async () => (await import('./operator/cli-render.ts')).RENDER_USAGE,
    run: async (args) => (await import('./operator/cli-render.ts')).renderCommand(args),
  },
  crd: {
    summary: 'print the TelemetryPipeline CustomResourceDefinition',
    usage: async () => (await import('./operator/cli-render.ts')).CRD_USAGE,
    run: async (args) => (await import('./operator/cli-render.ts')).crdCommand(args),
  },
};

const USAGE = `usage: tpo <command> [options]

commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

options:
  -h, --help     this text; \`tpo <command> --help\` describes a command's options
  --version      print the version
`;

interface PackageJson {
  readonly version: string;
  readonly engines: { readonly node: string };
}

// ../package.json from src/cli.ts (a clone) and from dist/cli.js (the installed package and the image) alike.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson;

/** Whether `version` is below the first (lowest) version that `engines.node` names, e.g. 22.19 in "^22.19.0 || >=24". */
function belowEngines(version: string, engines: string): boolean {
  const floor = /(\d+)\.(\d+)/.exec(engines);
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (!floor) return false;
  return major < Number(floor[1]) || (major === Number(floor[1]) && minor < Number(floor[2]));
}

async function main([name, ...args]: string[]): Promise<number> {
  if (belowEngines(process.versions.node, pkg.engines.node)) {
    process.stderr.write(`tpo: needs Node.js ${pkg.engines.node}, this is ${process.version}\n`);
    return 1;
  }
  if (name === '-h' || name === '--help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (name === '--version') {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined) {
    const problem = name === undefined ? 'missing command' : `unknown ${name.startsWith('-') ? 'option' : 'command'} "${name}"`;
    process.stderr.write(`tpo: ${problem}\n${USAGE}`);
    return 2;
  }
  // `--help` anywhere after the command prints its usage and does nothing else.
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(await command.usage());
    return 0;
  }
  return command.run(args);
}

process.exitCode = await main(process.argv.slice(2));

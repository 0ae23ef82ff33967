// Entry point of `tpo`: a table of subcommands, each loaded only when run (a collector process never loads the
// operator's modules). A command resolves to the process exit code.
type Command = (args: string[]) => number | Promise<number>;

const commands: Record<string, Command> = {
  collector: async (args) => (await import('./collector/cli.ts')).runCollectorCommand(args),
  render: async (args) => (await import('./operator/cli-render.ts')).renderCommand(args),
  crd: async (args) => (await import('./operator/cli-render.ts')).crdCommand(args),
  operator: async (args) => (await import('./operator/main.ts')).operatorCommand(args),
};

const [name, ...args] = process.argv.slice(2);
const command = name === undefined ? undefined : commands[name];
if (command === undefined) {
  process.stderr.write(`usage: tpo <${Object.keys(commands).join('|')}> [options]\n`);
  process.exitCode = 2;
} else {
  process.exitCode = await command(args);
}

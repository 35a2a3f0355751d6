/** `nabla` command line: dispatch, global help, and exit codes (0 ok, 1 claim failed, 2 usage/config). */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suggest } from '../experiment/config.js';
import { packageRoot } from '../experiment/env.js';
import { UsageError } from './args.js';
import { compareCommand } from './commands/compare.js';
import { doctorCommand } from './commands/doctor.js';
import { listCommand } from './commands/list.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { runsCommand } from './commands/runs.js';
import { tourCommand } from './commands/tour.js';
import { type CliOptions, type Command, createCli } from './context.js';

export const commands: readonly Command[] = [
  listCommand,
  runCommand,
  reportCommand,
  tourCommand,
  runsCommand,
  compareCommand,
  doctorCommand,
];

function version(): string {
  const root = packageRoot();
  if (!root) return 'unknown';
  try {
    return (
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ??
      'unknown'
    );
  } catch {
    return 'unknown';
  }
}

export function globalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `nabla — experiments that reproduce deep-learning papers, on a CPU

Usage: nabla <command> [options]      (nabla <command> --help for details)

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Exit codes: 0 success · 1 a claim failed (or a run errored) · 2 usage/config error · 130 interrupted.
Most commands accept --json for machine-readable output. Docs: docs/cli.md`;
}

/** Runs the CLI and returns the exit code (it never calls process.exit itself, except on a second Ctrl-C). */
export async function main(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const cli = createCli(options);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    cli.out(globalHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    cli.out(version());
    return 0;
  }
  if (name === 'help') {
    const target = commands.find((c) => c.name === rest[0]);
    cli.out(target ? target.usage : globalHelp());
    return target || rest[0] === undefined ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const guess = suggest(
      name,
      commands.map((c) => c.name),
    );
    cli.err(`nabla: unknown command "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
    cli.err('Run nabla --help for the list of commands.');
    return 2;
  }
  try {
    return await command.run(cli, rest);
  } catch (err) {
    if (err instanceof UsageError) {
      cli.err(`nabla ${command.name}: ${err.message}`);
      cli.err(`Run nabla ${command.name} --help for usage.`);
      return 2;
    }
    throw err;
  }
}

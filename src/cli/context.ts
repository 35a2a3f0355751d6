import type { OutputStream, ProgressMode } from '../experiment/progress.js';
import type { Experiment } from '../experiment/types.js';
import { experiments } from '../experiments/registry.js';
import { useColor } from './format.js';

export interface CliOptions {
  stdout?: OutputStream;
  stderr?: OutputStream;
  /** Experiments to offer (default: the registry). */
  registry?: readonly Experiment[];
  /** Install Ctrl-C handlers during runs (default true; tests pass false). */
  handleSigint?: boolean;
  /** Progress display (default `'auto'`: a bar on a TTY). */
  progress?: 'auto' | ProgressMode;
}

export interface Cli {
  stdout: OutputStream;
  stderr: OutputStream;
  registry: readonly Experiment[];
  handleSigint: boolean;
  progress: 'auto' | ProgressMode;
  color: boolean;
  /** A line on stdout. */
  out(line?: string): void;
  /** A line on stderr. */
  err(line?: string): void;
}

export function createCli(opts: CliOptions = {}): Cli {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  return {
    stdout,
    stderr,
    registry: opts.registry ?? experiments,
    handleSigint: opts.handleSigint ?? true,
    progress: opts.progress ?? 'auto',
    color: useColor(stdout),
    out: (line = '') => void stdout.write(`${line}\n`),
    err: (line = '') => void stderr.write(`${line}\n`),
  };
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(cli: Cli, args: readonly string[]): Promise<number>;
}

/** Prints a JSON document on stdout. */
export function printJson(cli: Cli, value: unknown): void {
  cli.out(
    JSON.stringify(
      value,
      (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
      2,
    ),
  );
}

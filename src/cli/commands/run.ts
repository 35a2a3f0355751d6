import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatClaim } from '../../experiment/claims.js';
import { ConfigError, suggest } from '../../experiment/config.js';
import { isNodeError } from '../../experiment/fs.js';
import { RunFolderError, readRunFolder } from '../../experiment/run-folder.js';
import { resolveRunRef } from '../../experiment/run-index.js';
import { ResumeError, type RunOutcome, resumeRun, runExperiment } from '../../experiment/runner.js';
import type { Experiment } from '../../experiment/types.js';
import { parse, parseSeed, UsageError } from '../args.js';
import { type Cli, type Command, printJson } from '../context.js';
import { paint } from '../format.js';
import { experimentFields } from './list.js';

export function findExperiment(cli: Cli, name: string): Experiment {
  const exp = cli.registry.find((e) => e.name === name);
  if (exp) return exp;
  const names = cli.registry.map((e) => e.name);
  const guess = suggest(name, names);
  throw new UsageError(
    `unknown experiment "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; known: ${names.join(', ') || '(none)'}`,
  );
}

function experimentHelp(exp: Experiment): string {
  const lines = [
    `${exp.name} — ${exp.title}`,
    `  ${exp.description}`,
    `  paper: ${exp.paper.authors} (${exp.paper.year}), ${exp.paper.title}`,
    `         ${exp.paper.spec}`,
    '',
    'Config fields (set with --set key=value):',
  ];
  for (const f of experimentFields(exp)) {
    lines.push(
      `  ${f.path.padEnd(18)} ${f.type.padEnd(12)} ${f.default !== undefined ? `default ${JSON.stringify(f.default)}` : ''}${f.description ? `  — ${f.description}` : ''}`,
    );
  }
  for (const p of ['quick', 'full'] as const) {
    const e = Object.entries(exp.presets[p]);
    lines.push(
      '',
      `--${p}: ${e.length ? e.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') : '(schema defaults)'}`,
    );
  }
  return lines.join('\n');
}

/** Human summary of a finished run on stdout. */
export function printOutcome(cli: Cli, out: RunOutcome): void {
  if (out.status === 'skipped') {
    cli.out(`${out.experiment}: skipped — ${out.message}`);
    return;
  }
  const r = out.result;
  const color = out.status === 'completed' ? 'green' : out.status === 'interrupted' ? 'yellow' : 'red';
  cli.out(
    `${paint(cli.color, 'bold', out.experiment)} ${paint(cli.color, color, out.status)}${r.durationS !== undefined ? ` in ${r.durationS.toFixed(1)} s` : ''}`,
  );
  if (r.error) cli.out(`  error: ${r.error.message}`);
  for (const c of r.claims)
    cli.out(`  ${paint(cli.color, c.passed ? 'green' : 'red', c.passed ? '✓' : '✗')} ${formatClaim(c)}`);
  cli.out(`  run folder: ${out.runDir}`);
  if (out.report) cli.out(`  report:     ${out.report.html}`);
  if (out.status === 'interrupted') cli.out(`  resume:     nabla run --resume ${out.runDir}`);
}

function outcomeJson(out: RunOutcome) {
  if (out.status === 'skipped')
    return { status: 'skipped', experiment: out.experiment, message: out.message, exitCode: out.exitCode };
  return {
    status: out.status,
    exitCode: out.exitCode,
    experiment: out.experiment,
    runDir: out.runDir,
    report: out.report ? { html: out.report.html, md: out.report.md } : null,
    result: out.result,
  };
}

function readConfigFile(path: string): { path: string; data: unknown } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--config ${path}: ${isNodeError(err) && err.code === 'ENOENT' ? 'no such file' : String(err)}`,
    );
  }
  try {
    return { path, data: JSON.parse(text) as unknown };
  } catch (err) {
    throw new UsageError(
      `--config ${path}: invalid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run one experiment (or resume an interrupted run)',
  usage: `Usage: nabla run <experiment> [--quick|--full] [--set key=value ...] [--config file.json] [--seed N] [--out dir] [--json]
       nabla run --resume <run-dir> [--set key=value ...] [--json]
       nabla run <experiment> --help        (config fields and presets)

Runs an experiment into <out>/<experiment>/<timestamp>-<seed>/ and writes its report.
Config = schema defaults ← preset ← --config file ← --set overrides (in that order).

Options:
      --quick             quick preset (default; ≤ ~60 s on 2 cores)
      --full              full preset (the paper's setup, scaled to a CPU)
      --set key=value     override a config field (repeatable; nested: a.b=1; values parsed as JSON)
      --config file.json  config fields from a JSON file (a run's config.json works too)
      --seed N            seed for the run's RNG (default 0)
      --out dir           runs root (default ./runs)
      --resume run-dir    continue an interrupted run from its last checkpoint (path, id, or "latest")
      --json              print the result as JSON on stdout
  -h, --help              this help

Ctrl-C stops after the current step and keeps everything logged; press it again to quit immediately.
Exit codes: 0 all claims passed · 1 a claim failed or the run errored · 2 usage/config error or
missing data · 130 interrupted.`,
  async run(cli, args) {
    const { values, positionals } = parse('run', args, {
      quick: { type: 'boolean' },
      full: { type: 'boolean' },
      set: { type: 'string', multiple: true },
      config: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      cli.out(positionals[0] ? experimentHelp(findExperiment(cli, positionals[0])) : runCommand.usage);
      return 0;
    }
    if (positionals.length > 1)
      throw new UsageError(
        `unexpected argument "${positionals[1]}" (one experiment per run; see nabla tour)`,
      );
    const common = {
      handleSigint: cli.handleSigint,
      progress: cli.progress,
      stderr: cli.stderr,
      ...(values.set ? { set: values.set } : {}),
    };
    let outcome: RunOutcome;
    try {
      if (values.resume !== undefined) {
        for (const flag of ['quick', 'full', 'config', 'seed'] as const) {
          if (values[flag] !== undefined) {
            throw new UsageError(
              `--${flag} cannot be combined with --resume (the run folder's config.json is used; --set may still override fields)`,
            );
          }
        }
        let dir: string;
        try {
          dir = resolveRunRef(values.resume, resolve(values.out ?? 'runs'));
        } catch (err) {
          throw new UsageError(`--resume: ${err instanceof Error ? err.message : String(err)}`);
        }
        const name = readRunFolder(dir).config.experiment;
        if (positionals[0] && positionals[0] !== name) {
          throw new UsageError(`--resume ${values.resume} is a run of "${name}", not "${positionals[0]}"`);
        }
        outcome = await resumeRun(findExperiment(cli, name), dir, common);
      } else {
        if (!positionals[0]) throw new UsageError('missing <experiment> (nabla list shows them)');
        const exp = findExperiment(cli, positionals[0]);
        if (values.quick && values.full) throw new UsageError('choose one of --quick and --full');
        outcome = await runExperiment(exp, {
          ...common,
          preset: values.full ? 'full' : 'quick',
          ...(values.config !== undefined ? { configFile: readConfigFile(values.config) } : {}),
          seed: parseSeed(values.seed) ?? 0,
          outDir: values.out ?? 'runs',
        });
      }
    } catch (err) {
      if (err instanceof ConfigError) {
        cli.err(`nabla run: invalid config:`);
        for (const issue of err.issues) cli.err(`  - ${issue}`);
        if (values.json) printJson(cli, { status: 'config-error', exitCode: 2, issues: err.issues });
        return 2;
      }
      if (err instanceof ResumeError || err instanceof RunFolderError || err instanceof RangeError) {
        throw new UsageError(err.message);
      }
      throw err;
    }
    if (values.json) printJson(cli, outcomeJson(outcome));
    else printOutcome(cli, outcome);
    return outcome.exitCode;
  },
};

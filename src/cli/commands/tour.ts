import { formatDuration } from '../../experiment/progress.js';
import { runTour } from '../../experiment/tour.js';
import { parse, parseSeed, UsageError } from '../args.js';
import { type Command, printJson } from '../context.js';
import { paint, table } from '../format.js';
import { findExperiment } from './run.js';

export const tourCommand: Command = {
  name: 'tour',
  summary: 'run the quick preset of every experiment and write an index page (npm start)',
  usage: `Usage: nabla tour [--only a,b] [--full] [--seed N] [--out dir] [--json]

Runs the quick preset of every registered experiment, then writes <out>/tour/<timestamp>/index.html
linking each report with its claims table. Experiments whose data is missing are skipped with the
command that installs it. Exit code 1 if any claim failed, 130 if interrupted.

Options:
      --only a,b   only these experiments (comma-separated names)
      --full       use the full presets instead (slow)
      --seed N     seed for every run (default 0)
      --out dir    runs root (default ./runs)
      --json       print the tour result as JSON on stdout
  -h, --help       this help`,
  async run(cli, args) {
    const { values, positionals } = parse('tour', args, {
      only: { type: 'string' },
      full: { type: 'boolean' },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      cli.out(tourCommand.usage);
      return 0;
    }
    if (positionals.length)
      throw new UsageError(`unexpected argument "${positionals[0]}" (use --only ${positionals[0]})`);
    const selected =
      values.only !== undefined
        ? values.only
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((name) => findExperiment(cli, name))
        : cli.registry;
    const seed = parseSeed(values.seed) ?? 0;
    const out = await runTour(selected, {
      preset: values.full ? 'full' : 'quick',
      seed,
      outDir: values.out ?? 'runs',
      handleSigint: cli.handleSigint,
      progress: cli.progress,
      stderr: cli.stderr,
    });
    if (values.json) {
      printJson(cli, { exitCode: out.exitCode, index: out.indexHtml, entries: out.entries });
      return out.exitCode;
    }
    cli.out();
    cli.out(
      table(
        ['experiment', 'status', 'claims', 'time', 'note'],
        out.entries.map((e) => {
          const failed = e.claims.filter((c) => !c.passed).length;
          const claims = e.claims.length ? `${e.claims.length - failed}/${e.claims.length}` : '–';
          const color =
            e.status === 'completed' && failed === 0
              ? 'green'
              : e.status === 'skipped' || e.status === 'not-run'
                ? 'yellow'
                : 'red';
          return [
            e.experiment,
            paint(cli.color, color, e.status),
            claims,
            e.durationS !== undefined ? formatDuration(e.durationS) : '–',
            e.message ?? '',
          ];
        }),
        [false, false, true, true, false],
      ),
    );
    cli.out();
    cli.out(`index: ${out.indexHtml}`);
    return out.exitCode;
  },
};

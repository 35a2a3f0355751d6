import { resolve } from 'node:path';
import { formatNumber } from '../../experiment/claims.js';
import { formatDuration } from '../../experiment/progress.js';
import type { RunIndexEntry } from '../../experiment/run-folder.js';
import { readRunIndex } from '../../experiment/run-index.js';
import { parse, parsePositiveInt } from '../args.js';
import { type Command, printJson } from '../context.js';
import { shortDate, table } from '../format.js';

export function keyNumbers(e: Pick<RunIndexEntry, 'summary'>, max = 3): string {
  return Object.entries(e.summary ?? {})
    .slice(0, max)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : String(v)}`)
    .join(' ');
}

export const runsCommand: Command = {
  name: 'runs',
  summary: 'list past runs (from runs/index.jsonl) with their key numbers',
  usage: `Usage: nabla runs [<experiment>] [--out dir] [--limit N] [--json]

Lists past runs from <out>/index.jsonl, oldest first. A run that crashed stays "running".

Options:
      --out dir    runs root (default ./runs)
      --limit N    only the last N runs
      --json       machine-readable output
  -h, --help       this help`,
  async run(cli, args) {
    const { values, positionals } = parse('runs', args, {
      out: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      cli.out(runsCommand.usage);
      return 0;
    }
    const root = resolve(values.out ?? 'runs');
    let runs = readRunIndex(root);
    if (positionals[0]) runs = runs.filter((r) => r.experiment === positionals[0]);
    const limit = parsePositiveInt('--limit', values.limit);
    if (limit !== undefined) runs = runs.slice(-limit);
    if (values.json) {
      printJson(
        cli,
        runs.map((r) => ({ ...r, path: resolve(root, r.dir) })),
      );
      return 0;
    }
    if (runs.length === 0) {
      cli.out(`No runs in ${root} yet. Start one with: nabla run <experiment>`);
      return 0;
    }
    cli.out(
      table(
        ['run', 'status', 'preset', 'seed', 'started', 'time', 'claims', 'key numbers'],
        runs.map((r) => [
          r.id,
          r.status,
          r.preset,
          String(r.seed),
          shortDate(r.startedAt),
          r.durationS !== undefined ? formatDuration(r.durationS) : '–',
          r.claims ? `${r.claims.passed}/${r.claims.total}` : '–',
          keyNumbers(r),
        ]),
        [false, false, false, true, false, true, true, false],
      ),
    );
    cli.out(`\n${runs.length} run(s) in ${root}. Compare: nabla compare <run> <run>`);
    return 0;
  },
};

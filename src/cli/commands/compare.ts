import { resolve } from 'node:path';
import { formatNumber, formatTarget } from '../../experiment/claims.js';
import { formatDuration } from '../../experiment/progress.js';
import { type RunFolder, RunFolderError, readRunFolder } from '../../experiment/run-folder.js';
import { resolveRunRef } from '../../experiment/run-index.js';
import { parse, UsageError } from '../args.js';
import { type Command, printJson } from '../context.js';
import { table } from '../format.js';

function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[prefix + k] = JSON.stringify(v);
  }
  return out;
}

function union(lists: string[][]): string[] {
  const seen = new Set<string>();
  for (const l of lists) for (const k of l) seen.add(k);
  return [...seen];
}

function lastMetrics(run: RunFolder): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of run.metrics)
    for (const [k, v] of Object.entries(m)) if (k !== 'step' && typeof v === 'number') out[k] = v;
  return out;
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'show runs side by side (config differences, summary numbers, claims)',
  usage: `Usage: nabla compare <run> <run> [<run> ...] [--all] [--out dir] [--json]

Shows runs side by side: status and timing, summary numbers, claims, last logged metrics, and the
config fields that differ. <run> is a path, a run id, a unique prefix/suffix, or "latest".

Options:
      --all       show every config field, not only those that differ
      --out dir   runs root used to resolve ids (default ./runs)
      --json      machine-readable output
  -h, --help      this help`,
  async run(cli, args) {
    const { values, positionals } = parse('compare', args, {
      all: { type: 'boolean' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      cli.out(compareCommand.usage);
      return 0;
    }
    if (positionals.length < 2) throw new UsageError('compare needs at least two runs');
    const root = resolve(values.out ?? 'runs');
    const runs = positionals.map((ref) => {
      try {
        return readRunFolder(resolveRunRef(ref, root));
      } catch (err) {
        if (err instanceof RunFolderError) throw new UsageError(err.message);
        throw err;
      }
    });
    const configs = runs.map((r) =>
      flatten({
        experiment: r.config.experiment,
        preset: r.config.preset,
        seed: r.config.seed,
        ...r.config.config,
      }),
    );
    const configKeys = union(configs.map(Object.keys));
    const differing = configKeys.filter((k) => new Set(configs.map((c) => c[k] ?? '–')).size > 1);
    const summaries = runs.map((r) => r.result?.summary ?? {});
    const summaryKeys = union(summaries.map(Object.keys));
    const claimNames = union(runs.map((r) => (r.result?.claims ?? []).map((c) => c.name)));
    const metrics = runs.map(lastMetrics);
    const metricNames = union(metrics.map(Object.keys));

    if (values.json) {
      printJson(cli, {
        runs: runs.map((r, i) => ({
          id: r.id,
          dir: r.dir,
          status: r.result?.status ?? 'running',
          durationS: r.result?.durationS ?? null,
          config: configs[i],
          summary: summaries[i],
          claims: r.result?.claims ?? [],
          lastMetrics: metrics[i],
        })),
        differingConfig: differing,
      });
      return 0;
    }

    const header = ['', ...runs.map((r) => r.id)];
    const rows: string[][] = [];
    const section = (title: string) => rows.push([`[${title}]`, ...runs.map(() => '')]);
    rows.push(['status', ...runs.map((r) => r.result?.status ?? 'running')]);
    rows.push([
      'duration',
      ...runs.map((r) => (r.result?.durationS !== undefined ? formatDuration(r.result.durationS) : '–')),
    ]);
    rows.push([
      'claims passed',
      ...runs.map((r) => {
        const c = r.result?.claims ?? [];
        return c.length ? `${c.filter((x) => x.passed).length}/${c.length}` : '–';
      }),
    ]);
    if (summaryKeys.length) {
      section('summary');
      for (const k of summaryKeys) {
        rows.push([
          k,
          ...summaries.map((s) =>
            s[k] === undefined ? '–' : typeof s[k] === 'number' ? formatNumber(s[k]) : String(s[k]),
          ),
        ]);
      }
    }
    if (claimNames.length) {
      section('claims');
      for (const name of claimNames) {
        rows.push([
          name,
          ...runs.map((r) => {
            const c = r.result?.claims.find((x) => x.name === name);
            return c ? `${formatNumber(c.value)} ${c.passed ? '✓' : '✗'} (${formatTarget(c)})` : '–';
          }),
        ]);
      }
    }
    if (metricNames.length) {
      section('last logged');
      for (const k of metricNames)
        rows.push([k, ...metrics.map((m) => (m[k] === undefined ? '–' : formatNumber(m[k])))]);
    }
    const shownConfig = values.all ? configKeys : differing;
    section(values.all ? 'config (* = differs)' : 'config differences');
    if (shownConfig.length === 0) rows.push(['(identical)', ...runs.map(() => '')]);
    for (const k of shownConfig)
      rows.push([values.all && differing.includes(k) ? `* ${k}` : k, ...configs.map((c) => c[k] ?? '–')]);
    cli.out(table(header, rows));
    if (!values.all && configKeys.length > differing.length) {
      cli.out(
        `\n${configKeys.length - differing.length} identical config field(s) hidden (--all shows them)`,
      );
    }
    return 0;
  },
};

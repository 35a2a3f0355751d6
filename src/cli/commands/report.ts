import { resolve } from 'node:path';
import { writeReport } from '../../experiment/report.js';
import { RunFolderError } from '../../experiment/run-folder.js';
import { resolveRunRef } from '../../experiment/run-index.js';
import { parse, UsageError } from '../args.js';
import { type Command, printJson } from '../context.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'regenerate report.html / report.md from a run folder',
  usage: `Usage: nabla report <run-dir> [--out dir] [--json]

Re-renders charts/*.svg and rewrites report.html and report.md from the files in the run folder
(config.json, result.json, metrics.jsonl, charts/*.vl.json). Works for interrupted runs too.

<run-dir> may be a path, a run id (<experiment>/<folder>), a unique prefix/suffix, or "latest".

Options:
      --out dir   runs root used to resolve ids (default ./runs)
      --json      print the written paths as JSON
  -h, --help      this help`,
  async run(cli, args) {
    const { values, positionals } = parse('report', args, {
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      cli.out(reportCommand.usage);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('expected exactly one <run-dir>');
    let dir: string;
    try {
      dir = resolveRunRef(positionals[0]!, resolve(values.out ?? 'runs'));
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    let out: Awaited<ReturnType<typeof writeReport>>;
    try {
      out = await writeReport(dir);
    } catch (err) {
      if (err instanceof RunFolderError) throw new UsageError(err.message);
      throw err;
    }
    const errors = [...out.charts, ...out.metricCharts].flatMap((c) => (c.error ? [c.error] : []));
    if (values.json) {
      printJson(cli, {
        runDir: dir,
        html: out.html,
        md: out.md,
        charts: [...out.charts, ...out.metricCharts].map((c) => c.file),
        errors,
      });
    } else {
      for (const e of errors) cli.err(`warning: ${e}`);
      cli.out(`report: ${out.html}`);
      cli.out(`        ${out.md}`);
    }
    return 0;
  },
};

import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { renderSvg } from '../../experiment/charts.js';
import { resolveConfig } from '../../experiment/config.js';
import { datasetStatuses } from '../../experiment/datasets.js';
import { getBackendInfo, packageVersion } from '../../experiment/env.js';
import { parse } from '../args.js';
import { type Command, printJson } from '../context.js';
import { paint } from '../format.js';

export const CHROMIUM = '/usr/bin/chromium';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'environment, backend and dataset availability',
  usage: `Usage: nabla doctor [--out dir] [--json]

Checks Node.js, the CPU, the engine backend, headless chart rendering, the datasets the experiments
need (and how to install the missing ones), and whether the runs folder is writable.
Exit code 1 when something required is broken (old Node.js, chart rendering, unwritable runs folder).

Options:
      --out dir   runs root to check (default ./runs)
      --json      machine-readable output
  -h, --help      this help`,
  async run(cli, args) {
    const { values } = parse('doctor', args, { out: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) {
      cli.out(doctorCommand.usage);
      return 0;
    }
    const nodeMajor = Number(process.versions.node.split('.')[0]);
    const cpus = os.cpus();
    const backend = await getBackendInfo();
    let charts: { ok: boolean; ms?: number; error?: string };
    const t = performance.now();
    try {
      const svg = await renderSvg({
        data: { values: [{ x: 1, y: 1 }] },
        mark: 'point',
        encoding: { x: { field: 'x', type: 'quantitative' } },
      });
      charts = { ok: svg.startsWith('<svg'), ms: Math.round(performance.now() - t) };
    } catch (err) {
      charts = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    const runsRoot = resolve(values.out ?? 'runs');
    let writable: { ok: boolean; error?: string };
    try {
      mkdirSync(runsRoot, { recursive: true });
      accessSync(runsRoot, constants.W_OK);
      writable = { ok: true };
    } catch (err) {
      writable = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    const datasets = datasetStatuses();
    const experiments = cli.registry.map((exp) => {
      let skip: string | null;
      try {
        skip = exp.requires(resolveConfig(exp, { preset: 'quick' }));
      } catch (err) {
        skip = err instanceof Error ? err.message : String(err);
      }
      let skipFull: string | null;
      try {
        skipFull = exp.requires(resolveConfig(exp, { preset: 'full' }));
      } catch (err) {
        skipFull = err instanceof Error ? err.message : String(err);
      }
      return { name: exp.name, quick: skip, full: skipFull };
    });
    const browser = existsSync(CHROMIUM);
    const report = {
      node: { version: process.version, ok: nodeMajor >= 20, required: '>=20' },
      os: { platform: process.platform, arch: process.arch, release: os.release() },
      cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: os.availableParallelism?.() ?? cpus.length },
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      backend,
      charts: {
        ...charts,
        vega: packageVersion('vega') ?? null,
        vegaLite: packageVersion('vega-lite') ?? null,
      },
      runsFolder: { path: runsRoot, ...writable },
      datasets,
      experiments,
      browser: { path: CHROMIUM, available: browser, neededFor: 'the end-to-end report test only' },
    };
    const ok = report.node.ok && charts.ok && writable.ok;
    if (values.json) {
      printJson(cli, { ok, ...report });
      return ok ? 0 : 1;
    }
    const mark = (good: boolean, soft = false) =>
      paint(cli.color, good ? 'green' : soft ? 'yellow' : 'red', good ? '✓' : soft ? '!' : '✗');
    cli.out('nabla doctor');
    cli.out(`  ${mark(report.node.ok)} Node.js   ${process.version} (need ${report.node.required})`);
    cli.out(`    OS        ${process.platform} ${process.arch} ${report.os.release}`);
    cli.out(`    CPU       ${report.cpu.model} × ${report.cpu.cores}, ${report.memoryGiB} GiB RAM`);
    for (const line of describeBackend(backend)) cli.out(line.replace('%', mark(backend.available, true)));
    cli.out(
      `  ${mark(charts.ok)} Charts    vega ${report.charts.vega ?? '?'}, vega-lite ${report.charts.vegaLite ?? '?'}: ${
        charts.ok ? `headless SVG rendering works (${charts.ms} ms)` : `rendering failed: ${charts.error}`
      }`,
    );
    cli.out(
      `  ${mark(writable.ok)} Runs      ${runsRoot}${writable.ok ? ' (writable)' : `: ${writable.error}`}`,
    );
    cli.out('    Datasets');
    for (const d of datasets) {
      cli.out(
        `  ${mark(d.available, true)}   ${d.name}: ${d.available ? d.location : `not found${d.note ? ` (${d.note})` : ''} — install: ${d.install}`}`,
      );
    }
    cli.out('    Experiments');
    for (const e of experiments) {
      const note = e.quick
        ? `quick preset skipped: ${e.quick}`
        : e.full
          ? `quick ok; full preset needs: ${e.full}`
          : 'quick and full runnable';
      cli.out(`  ${mark(!e.quick, true)}   ${e.name}: ${note}`);
    }
    cli.out(
      `  ${mark(browser, true)} Browser   ${browser ? CHROMIUM : `${CHROMIUM} not found`} (only for the end-to-end report test${browser ? '' : '; sudo apt-get install chromium'})`,
    );
    return ok ? 0 : 1;
  },
};

/** Human-readable backend lines: '%' marks where the status glyph goes. */
function describeBackend(backend: Awaited<ReturnType<typeof getBackendInfo>>): string[] {
  if (!backend.available) return [`  % Backend   ${backend.message}`];
  const info = backend.info as {
    backend?: string;
    available?: string[];
    nativeUnavailable?: string | null;
    gemm?: string;
    blas?: { name: string; path: string | null; config: string; lapack: boolean } | null;
    cpu?: Record<string, boolean | string> | null;
    threads?: number | null;
  };
  const lines = [`  % Backend   ${info.backend ?? '?'} (registered: ${(info.available ?? []).join(', ')})`];
  if (info.nativeUnavailable) lines.push(`    Native    unavailable: ${info.nativeUnavailable}`);
  if (info.gemm) lines.push(`    GEMM      ${info.gemm}`);
  if (info.blas) {
    lines.push(
      `    BLAS      ${info.blas.path ?? 'none'} (${info.blas.config}; LAPACK ${info.blas.lapack ? 'yes' : 'no'})`,
    );
  }
  if (info.cpu) {
    const feats = Object.entries(info.cpu)
      .filter(([k, v]) => v === true && k !== 'sse2')
      .map(([k]) => k);
    lines.push(
      `    CPU ISA   best ${String(info.cpu.bestIsa)}; ${feats.join(' ')}; ${info.threads ?? '?'} threads`,
    );
  }
  return lines;
}

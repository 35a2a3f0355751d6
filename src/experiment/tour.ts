/**
 * `nabla tour`: run the quick preset of every registered experiment, then write
 * `<runs>/tour/<timestamp>/index.html` linking each report with its claims table.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { namespaceSvgIds } from './charts.js';
import { type Claim, formatNumber } from './claims.js';
import { ConfigError } from './config.js';
import { writeFileAtomicSync, writeJsonSync } from './fs.js';
import { claimsTableHtml, claimsTableMd, escapeHtml, mdCell, page, statusBadge } from './html.js';
import { formatDuration, type OutputStream, type ProgressMode, Terminal } from './progress.js';
import { timestamp } from './run-folder.js';
import { runExperiment } from './runner.js';
import type { Experiment, PaperRef, PresetName, SummaryValue } from './types.js';

export type TourStatus = 'completed' | 'interrupted' | 'failed' | 'skipped' | 'error' | 'not-run';

export interface TourEntry {
  experiment: string;
  title: string;
  description: string;
  paper: PaperRef;
  status: TourStatus;
  /** Skip message (with the install command) or error message. */
  message?: string;
  runDir?: string;
  reportHtml?: string;
  claims: Claim[];
  summary: Record<string, SummaryValue>;
  durationS?: number;
}

export interface TourOptions {
  preset?: PresetName;
  seed?: number;
  outDir?: string;
  signal?: AbortSignal;
  handleSigint?: boolean;
  progress?: 'auto' | ProgressMode;
  stderr?: OutputStream;
}

export interface TourOutcome {
  dir: string;
  indexHtml: string;
  indexMd: string;
  entries: TourEntry[];
  /** 0 all claims passed (skips allowed); 1 a claim failed or a run failed; 130 interrupted. */
  exitCode: 0 | 1 | 130;
}

function rel(from: string, to: string): string {
  return relative(from, to).split('\\').join('/');
}

export async function runTour(
  experiments: readonly Experiment[],
  opts: TourOptions = {},
): Promise<TourOutcome> {
  const root = resolve(opts.outDir ?? 'runs');
  const term = new Terminal(opts.stderr ?? process.stderr);
  const internal = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, internal.signal]) : internal.signal;
  let sigints = 0;
  const onSigint = () => {
    if (++sigints === 1) {
      term.clearStatus();
      term.line(
        '[tour] Ctrl-C: stopping after the current step; the index will list what ran (Ctrl-C again to quit now)',
      );
      internal.abort();
    } else process.exit(130);
  };
  if (opts.handleSigint) process.on('SIGINT', onSigint);

  const entries: TourEntry[] = [];
  const thumbs = new Map<string, string>();
  const preset = opts.preset ?? 'quick';
  try {
    for (const [i, exp] of experiments.entries()) {
      const base = {
        experiment: exp.name,
        title: exp.title,
        description: exp.description,
        paper: exp.paper,
        claims: [] as Claim[],
        summary: {},
      };
      if (signal.aborted) {
        entries.push({ ...base, status: 'not-run', message: 'tour interrupted before this experiment' });
        continue;
      }
      term.line(`[tour] (${i + 1}/${experiments.length}) ${exp.name}: ${exp.title}`);
      try {
        const out = await runExperiment(exp, {
          preset,
          seed: opts.seed ?? 0,
          outDir: root,
          signal,
          handleSigint: false,
          ...(opts.progress ? { progress: opts.progress } : {}),
          ...(opts.stderr ? { stderr: opts.stderr } : {}),
        });
        if (out.status === 'skipped') {
          term.line(`[tour] skipped ${exp.name}: ${out.message}`);
          entries.push({ ...base, status: 'skipped', message: out.message });
          continue;
        }
        const entry: TourEntry = {
          ...base,
          status: out.status,
          runDir: out.runDir,
          claims: out.result.claims.map((c) => ({ ...c })),
          summary: out.result.summary,
        };
        if (out.result.durationS !== undefined) entry.durationS = out.result.durationS;
        if (out.result.error) entry.message = out.result.error.message;
        if (out.report) {
          entry.reportHtml = out.report.html;
          const thumb = [...out.report.charts, ...out.report.metricCharts].find((c) => c.svg);
          if (thumb?.svg) thumbs.set(exp.name, thumb.svg);
        }
        entries.push(entry);
      } catch (err) {
        const message =
          err instanceof ConfigError
            ? `invalid quick preset: ${err.message}`
            : err instanceof Error
              ? err.message
              : String(err);
        term.line(`[tour] error in ${exp.name}: ${message}`);
        entries.push({ ...base, status: 'error', message });
      }
    }
  } finally {
    if (opts.handleSigint) process.off('SIGINT', onSigint);
  }

  const dir = join(root, 'tour', timestamp());
  mkdirSync(dir, { recursive: true });
  const indexHtml = join(dir, 'index.html');
  const indexMd = join(dir, 'index.md');
  writeFileAtomicSync(indexHtml, renderTourHtml(entries, dir, thumbs, preset));
  writeFileAtomicSync(indexMd, renderTourMd(entries, dir, preset));
  writeJsonSync(join(dir, 'tour.json'), { preset, createdAt: new Date().toISOString(), entries });
  const interrupted = signal.aborted;
  const bad = entries.some(
    (e) => e.status === 'failed' || e.status === 'error' || e.claims.some((c) => !c.passed),
  );
  return { dir, indexHtml, indexMd, entries, exitCode: interrupted ? 130 : bad ? 1 : 0 };
}

function claimsCell(e: TourEntry): string {
  if (e.claims.length === 0) return '–';
  const passed = e.claims.filter((c) => c.passed).length;
  return `${passed}/${e.claims.length}`;
}

export function renderTourHtml(
  entries: readonly TourEntry[],
  dir: string,
  thumbs: ReadonlyMap<string, string>,
  preset: string,
): string {
  const ran = entries.filter((e) => e.runDir);
  const allPass = ran.filter((e) => e.status === 'completed' && e.claims.every((c) => c.passed)).length;
  const skipped = entries.filter((e) => e.status === 'skipped').length;
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const parts: string[] = [];
  parts.push(
    `<header><h1>nabla tour</h1><p class="sub">The ${escapeHtml(preset)} preset of every registered experiment — ${escapeHtml(
      new Date().toISOString(),
    )} — Node ${escapeHtml(process.version)}, ${escapeHtml(cpu)} × ${os.availableParallelism?.() ?? os.cpus().length}</p>`,
    `<ul class="meta"><li><b>Experiments</b> ${entries.length}</li><li><b>All claims passed</b> ${allPass}/${ran.length} run</li><li><b>Skipped</b> ${skipped}</li></ul></header>`,
  );
  const rows = entries
    .map((e) => {
      const name = e.reportHtml
        ? `<a href="${escapeHtml(rel(dir, e.reportHtml))}">${escapeHtml(e.title)}</a>`
        : escapeHtml(e.title);
      const claimsOk = e.claims.length > 0 && e.claims.every((c) => c.passed);
      const claimBadge = e.claims.length ? ` ${statusBadge(claimsOk ? 'pass' : 'fail')}` : '';
      return `<tr><td>${name}<br><code>${escapeHtml(e.experiment)}</code></td><td>${escapeHtml(e.paper.title)} (${e.paper.year})</td><td>${statusBadge(
        e.status,
      )}</td><td class="num">${claimsCell(e)}${claimBadge}</td><td class="num">${e.durationS !== undefined ? formatDuration(e.durationS) : '–'}</td></tr>`;
    })
    .join('\n');
  parts.push(
    `<table class="tour"><thead><tr><th>Experiment</th><th>Reproduces</th><th>Status</th><th>Claims</th><th>Time</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
  entries.forEach((e, i) => {
    parts.push(
      `<section class="experiment" id="exp-${escapeHtml(e.experiment)}"><h2>${
        e.reportHtml
          ? `<a href="${escapeHtml(rel(dir, e.reportHtml))}">${escapeHtml(e.title)}</a>`
          : escapeHtml(e.title)
      } ${statusBadge(e.status)}</h2><p class="sub">${escapeHtml(e.description)}<br>Reproduces <i>${escapeHtml(e.paper.title)}</i> — ${escapeHtml(
        e.paper.authors,
      )} (${e.paper.year}): ${escapeHtml(e.paper.spec)}</p>`,
    );
    if (e.message)
      parts.push(
        `<div class="banner ${e.status === 'skipped' ? 'warn' : 'fail'}">${escapeHtml(e.message)}</div>`,
      );
    const thumb = thumbs.get(e.experiment);
    if (thumb) parts.push(`<figure class="chart">${namespaceSvgIds(thumb, `t${i}-`)}</figure>`);
    if (e.runDir) {
      parts.push(claimsTableHtml(e.claims));
      const summary = Object.entries(e.summary);
      if (summary.length) {
        parts.push(
          `<p class="sub">${summary.map(([k, v]) => `${escapeHtml(k)} = ${escapeHtml(typeof v === 'number' ? formatNumber(v) : String(v))}`).join(' · ')}</p>`,
        );
      }
    }
    parts.push('</section>');
  });
  parts.push(
    `<footer>Generated by <code>nabla tour</code>. Each report opens from disk; no network needed.</footer>`,
  );
  return page('nabla tour', parts.join('\n'));
}

export function renderTourMd(entries: readonly TourEntry[], dir: string, preset: string): string {
  const out = [
    `# nabla tour (${preset} preset)\n`,
    '| Experiment | Status | Claims | Report |',
    '|---|---|---|---|',
  ];
  for (const e of entries) {
    out.push(
      `| ${mdCell(e.title)} (\`${e.experiment}\`) | ${e.status} | ${claimsCell(e)} | ${e.reportHtml ? `[report](${rel(dir, e.reportHtml)})` : mdCell(e.message ?? '–')} |`,
    );
  }
  out.push('');
  for (const e of entries) {
    out.push(`## ${e.title}\n`);
    if (e.message) out.push(`> ${e.message}\n`);
    if (e.runDir) out.push(claimsTableMd(e.claims));
  }
  return out.join('\n');
}

/**
 * Builds `report.html` (self-contained: inline CSS and SVG, no scripts, no network) and `report.md`
 * from a run folder alone, so `nabla report <run-dir>` can regenerate them at any time.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ChartSpec, curves, namespaceSvgIds, renderSvg } from './charts.js';
import { formatNumber } from './claims.js';
import { writeFileAtomicSync } from './fs.js';
import { claimsTableHtml, claimsTableMd, escapeHtml, mdCell, page, statusBadge } from './html.js';
import { formatDuration } from './progress.js';
import { RUN_FILES, type RunFolder, type RunResult, readRunFolder } from './run-folder.js';
import type { MetricChart, MetricRecord } from './types.js';

export interface RenderedChart {
  name: string;
  /** Path relative to the run folder (`charts/<name>.svg`). */
  file: string;
  caption?: string;
  svg?: string;
  error?: string;
}

export interface ReportOutput {
  html: string;
  md: string;
  charts: RenderedChart[];
  metricCharts: RenderedChart[];
}

const MAX_AUTO_METRIC_CHARTS = 8;

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'chart'
  );
}

/** Numeric metric keys in first-seen order. */
export function metricKeys(metrics: readonly MetricRecord[]): string[] {
  const keys = new Set<string>();
  for (const m of metrics)
    for (const [k, v] of Object.entries(m)) if (k !== 'step' && typeof v === 'number') keys.add(k);
  return [...keys];
}

function metricGroups(
  metrics: readonly MetricRecord[],
  declared: readonly MetricChart[] | undefined,
): MetricChart[] {
  const keys = metricKeys(metrics);
  if (declared?.length) {
    const groups = declared
      .map((g) => ({ ...g, keys: g.keys.filter((k) => keys.includes(k)) }))
      .filter((g) => g.keys.length);
    const covered = new Set(groups.flatMap((g) => g.keys));
    for (const k of keys) if (!covered.has(k)) groups.push({ title: k, keys: [k] });
    return groups.slice(0, MAX_AUTO_METRIC_CHARTS * 2);
  }
  return keys.slice(0, MAX_AUTO_METRIC_CHARTS).map((k) => ({ title: k, keys: [k] }));
}

async function render(name: string, spec: ChartSpec): Promise<{ svg?: string; error?: string }> {
  try {
    return { svg: await renderSvg(spec) };
  } catch (err) {
    return { error: `chart "${name}" failed to render: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** User charts: `charts/*.vl.json`, in the order recorded in result.json, then any others by name. */
function userChartNames(dir: string, result: RunResult | undefined): { name: string; caption?: string }[] {
  const chartDir = join(dir, RUN_FILES.charts);
  const onDisk = existsSync(chartDir)
    ? readdirSync(chartDir)
        .filter((f) => f.endsWith('.vl.json'))
        .map((f) => f.slice(0, -'.vl.json'.length))
        .sort()
    : [];
  const listed = (result?.charts ?? []).filter((c) => onDisk.includes(c.name));
  const rest = onDisk.filter((n) => !listed.some((c) => c.name === n)).map((name) => ({ name }));
  return [...listed, ...rest];
}

function lastValues(
  metrics: readonly MetricRecord[],
): { key: string; value: number; step: number; min: number }[] {
  const out = new Map<string, { key: string; value: number; step: number; min: number }>();
  for (const m of metrics) {
    for (const [k, v] of Object.entries(m)) {
      if (k === 'step' || typeof v !== 'number') continue;
      const prev = out.get(k);
      out.set(k, { key: k, value: v, step: m.step, min: prev ? Math.min(prev.min, v) : v });
    }
  }
  return [...out.values()];
}

function configRows(config: Record<string, unknown>, prefix = ''): [string, string][] {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(config)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      rows.push(...configRows(v as Record<string, unknown>, `${prefix}${k}.`));
    else rows.push([prefix + k, JSON.stringify(v)]);
  }
  return rows;
}

interface EnvLike {
  node?: string;
  platform?: string;
  arch?: string;
  cpu?: { model?: string; cores?: number };
  memoryGiB?: number;
  nabla?: string;
  backend?: { available?: boolean; info?: unknown; message?: string };
  git?: { commit?: string; dirty?: boolean };
  packages?: Record<string, string>;
}

function envRows(env: unknown): [string, string][] {
  if (typeof env !== 'object' || env === null) return [];
  const e = env as EnvLike;
  const rows: [string, string][] = [];
  if (e.nabla)
    rows.push([
      'nabla',
      e.nabla + (e.git?.commit ? ` (${e.git.commit.slice(0, 10)}${e.git.dirty ? ', dirty' : ''})` : ''),
    ]);
  if (e.node) rows.push(['Node.js', `${e.node} (${e.platform ?? '?'}/${e.arch ?? '?'})`]);
  if (e.cpu) rows.push(['CPU', `${e.cpu.model ?? '?'} × ${e.cpu.cores ?? '?'}`]);
  if (e.memoryGiB !== undefined) rows.push(['Memory', `${e.memoryGiB} GiB`]);
  if (e.backend)
    rows.push([
      'Backend',
      e.backend.available ? summarizeBackend(e.backend.info) : (e.backend.message ?? 'unavailable'),
    ]);
  if (e.packages)
    rows.push([
      'Packages',
      Object.entries(e.packages)
        .map(([k, v]) => `${k}@${v}`)
        .join(', '),
    ]);
  return rows;
}

function kvTable(rows: readonly [string, string][], numeric = false): string {
  return `<table><tbody>${rows
    .map(
      ([k, v]) =>
        `<tr><th>${escapeHtml(k)}</th><td${numeric ? ' class="num"' : ''}>${escapeHtml(v)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function summaryValue(v: number | string | boolean): string {
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

export interface ReportData {
  run: RunFolder;
  charts: RenderedChart[];
  metricCharts: RenderedChart[];
}

function resumeHint(run: RunFolder): string {
  return `nabla run --resume ${run.dir}`;
}

export function renderReportHtml({ run, charts, metricCharts }: ReportData): string {
  const r = run.result;
  const exp = r?.experiment;
  const title = exp?.title ?? run.config.experiment;
  const status = r?.status ?? 'running';
  const claims = r?.claims ?? [];
  const passed = claims.filter((c) => c.passed).length;
  const parts: string[] = [];
  parts.push(`<header><h1>${escapeHtml(title)}</h1>`);
  if (exp) parts.push(`<p class="sub">${escapeHtml(exp.description)}</p>`);
  parts.push(
    `<ul class="meta"><li><b>Run</b> <code>${escapeHtml(run.id)}</code></li><li><b>Status</b> ${statusBadge(status)}</li><li><b>Preset</b> ${escapeHtml(
      run.config.preset,
    )}</li><li><b>Seed</b> ${run.config.seed}</li>${r ? `<li><b>Started</b> ${escapeHtml(r.startedAt)}</li>` : ''}${
      r?.durationS !== undefined ? `<li><b>Duration</b> ${formatDuration(r.durationS)}</li>` : ''
    }${claims.length ? `<li><b>Claims</b> ${passed}/${claims.length} passed</li>` : ''}</ul></header>`,
  );
  if (status === 'interrupted' || status === 'running') {
    const what =
      status === 'interrupted'
        ? 'This run was interrupted'
        : 'This run did not finish (it is still running, or it crashed)';
    parts.push(
      `<div class="banner warn">${what}${r?.progress ? ` at step ${r.progress.step}/${r.progress.total}` : ''}. Resume it with <code>${escapeHtml(
        resumeHint(run),
      )}</code>.</div>`,
    );
  }
  if (r?.error) parts.push(`<div class="banner fail"><b>Error:</b> ${escapeHtml(r.error.message)}</div>`);
  if (exp) {
    const p = exp.paper;
    parts.push(
      `<h2>Reproduces</h2><p>${p.url ? `<a href="${escapeHtml(p.url)}">${escapeHtml(p.title)}</a>` : `<i>${escapeHtml(p.title)}</i>`} — ${escapeHtml(
        p.authors,
      )} (${p.year}).<br>${escapeHtml(p.spec)}</p>`,
    );
  }
  parts.push(`<h2>Claims</h2>${claimsTableHtml(claims)}`);
  const summary = Object.entries(r?.summary ?? {});
  if (summary.length)
    parts.push(
      `<h2>Summary</h2>${kvTable(
        summary.map(([k, v]) => [k, summaryValue(v)]),
        true,
      )}`,
    );
  const figure = (c: RenderedChart, i: number, prefix: string) =>
    c.svg
      ? `<figure class="chart" id="chart-${escapeHtml(prefix + slug(c.name))}">${namespaceSvgIds(c.svg, `${prefix}${i}-`)}<figcaption>${escapeHtml(
          c.caption ?? c.name,
        )}</figcaption></figure>`
      : `<div class="banner fail">${escapeHtml(c.error ?? `chart ${c.name} missing`)}</div>`;
  if (charts.length)
    parts.push(
      `<h2>Figures</h2><div class="charts">${charts.map((c, i) => figure(c, i, 'f')).join('\n')}</div>`,
    );
  if (metricCharts.length) {
    parts.push(
      `<h2>Metrics</h2><div class="charts">${metricCharts.map((c, i) => figure(c, i, 'm')).join('\n')}</div>`,
    );
  }
  const last = lastValues(run.metrics);
  if (last.length) {
    parts.push(
      `<h3>Last logged values</h3><table><thead><tr><th>Metric</th><th>Last</th><th>At step</th><th>Min</th></tr></thead><tbody>${last
        .map(
          (m) =>
            `<tr><td>${escapeHtml(m.key)}</td><td class="num">${formatNumber(m.value)}</td><td class="num">${m.step}</td><td class="num">${formatNumber(m.min)}</td></tr>`,
        )
        .join('')}</tbody></table>`,
    );
  }
  if (r?.notes) parts.push(`<h2>Notes</h2><pre>${escapeHtml(r.notes)}</pre>`);
  parts.push(`<h2>Config</h2>${kvTable(configRows(run.config.config))}`);
  if (run.config.overrides.length) {
    parts.push(
      `<p class="sub">Overrides: ${run.config.overrides.map((o) => `<code>${escapeHtml(o)}</code>`).join(' ')}</p>`,
    );
  }
  if (r?.resumes.length) {
    parts.push(
      `<p class="sub">Resumed ${r.resumes.length}×: ${r.resumes
        .map((x) => `${escapeHtml(x.at)}${x.fromStep !== undefined ? ` (from step ${x.fromStep})` : ''}`)
        .join('; ')}</p>`,
    );
  }
  const env = envRows(run.env);
  if (env.length) parts.push(`<h2>Environment</h2>${kvTable(env)}`);
  const files = ['config.json', 'env.json', 'metrics.jsonl', 'result.json', 'log.txt', 'report.md'].filter(
    (f) => existsSync(join(run.dir, f)),
  );
  parts.push(
    `<h2>Files</h2><p class="files">${files.map((f) => `<a href="${f}">${f}</a>`).join(' ')}</p><p class="sub">Regenerate with <code>nabla report ${escapeHtml(
      run.dir,
    )}</code></p>`,
  );
  parts.push(`<footer>Generated by nabla on ${escapeHtml(new Date().toISOString())}</footer>`);
  return page(`${title} — ${run.id}`, parts.join('\n'));
}

export function renderReportMarkdown({ run, charts, metricCharts }: ReportData): string {
  const r = run.result;
  const exp = r?.experiment;
  const out: string[] = [];
  out.push(`# ${exp?.title ?? run.config.experiment}\n`);
  if (exp) out.push(`${exp.description}\n`);
  out.push(
    `- **Run:** \`${run.id}\`\n- **Status:** ${r?.status ?? 'running'}\n- **Preset:** ${run.config.preset}\n- **Seed:** ${run.config.seed}${
      r ? `\n- **Started:** ${r.startedAt}` : ''
    }${r?.durationS !== undefined ? `\n- **Duration:** ${formatDuration(r.durationS)}` : ''}\n`,
  );
  if (r?.status === 'interrupted' || !r || r.status === 'running')
    out.push(`> Not finished. Resume with \`${resumeHint(run)}\`.\n`);
  if (r?.error) out.push(`> **Error:** ${r.error.message}\n`);
  if (exp)
    out.push(
      `## Reproduces\n\n*${exp.paper.title}* — ${exp.paper.authors} (${exp.paper.year}). ${exp.paper.spec}\n`,
    );
  out.push(`## Claims\n\n${claimsTableMd(r?.claims ?? [])}`);
  const summary = Object.entries(r?.summary ?? {});
  if (summary.length) {
    out.push(
      `## Summary\n\n| Key | Value |\n|---|---:|\n${summary.map(([k, v]) => `| ${mdCell(k)} | ${summaryValue(v)} |`).join('\n')}\n`,
    );
  }
  if (r?.notes) out.push(`## Notes\n\n${r.notes}\n`);
  const all = [...charts, ...metricCharts].filter((c) => c.svg);
  if (all.length)
    out.push(`## Charts\n\n${all.map((c) => `![${c.caption ?? c.name}](${c.file})`).join('\n\n')}\n`);
  out.push(
    `## Config\n\n| Key | Value |\n|---|---|\n${configRows(run.config.config)
      .map(([k, v]) => `| ${mdCell(k)} | \`${mdCell(v)}\` |`)
      .join('\n')}\n`,
  );
  const env = envRows(run.env);
  if (env.length) out.push(`## Environment\n\n${env.map(([k, v]) => `- **${k}:** ${v}`).join('\n')}\n`);
  return out.join('\n');
}

/** Renders all charts and writes `report.html` and `report.md` into the run folder. */
export async function writeReport(runDir: string): Promise<ReportOutput> {
  const run = readRunFolder(runDir);
  const charts: RenderedChart[] = [];
  for (const { name, caption } of userChartNames(run.dir, run.result)) {
    const file = `${RUN_FILES.charts}/${name}.svg`;
    let spec: ChartSpec;
    try {
      spec = JSON.parse(
        readFileSync(join(run.dir, RUN_FILES.charts, `${name}.vl.json`), 'utf8'),
      ) as ChartSpec;
    } catch (err) {
      charts.push({
        name,
        file,
        error: `chart "${name}": unreadable spec (${err instanceof Error ? err.message : String(err)})`,
      });
      continue;
    }
    const out = await render(name, spec);
    if (out.svg) writeFileAtomicSync(join(run.dir, file), out.svg);
    charts.push({ name, file, ...(caption !== undefined ? { caption } : {}), ...out });
  }
  const metricCharts: RenderedChart[] = [];
  for (const g of metricGroups(run.metrics, run.result?.metricCharts)) {
    const name = `metric-${slug(g.title)}`;
    const file = `${RUN_FILES.charts}/${name}.svg`;
    const spec = curves({
      data: run.metrics,
      y: g.keys,
      x: g.x ?? 'step',
      title: g.title,
      logX: g.logX ?? false,
      logY: g.logY ?? 'auto',
      height: 220,
    });
    const out = await render(name, spec);
    if (out.svg) writeFileAtomicSync(join(run.dir, file), out.svg);
    metricCharts.push({ name, file, caption: `${g.keys.join(', ')} vs ${g.x ?? 'step'}`, ...out });
  }
  const data: ReportData = { run, charts, metricCharts };
  const html = join(run.dir, RUN_FILES.reportHtml);
  const md = join(run.dir, RUN_FILES.reportMd);
  writeFileAtomicSync(html, renderReportHtml(data));
  writeFileAtomicSync(md, renderReportMarkdown(data));
  return { html, md, charts, metricCharts };
}

/** One line for the report: the active backend and its GEMM route (the full record stays in env.json). */
function summarizeBackend(info: unknown): string {
  if (typeof info !== 'object' || info === null) return String(info);
  const i = info as { backend?: unknown; gemm?: unknown; threads?: unknown };
  const parts = [String(i.backend ?? '?')];
  if (typeof i.gemm === 'string') parts.push(`GEMM: ${i.gemm}`);
  if (typeof i.threads === 'number') parts.push(`${i.threads} threads`);
  return parts.join('; ');
}

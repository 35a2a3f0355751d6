/**
 * The runner: creates (or reopens) a run folder, builds the `ctx` an experiment sees, handles Ctrl-C,
 * and writes result.json, the run index line and the report.
 */
import { appendFileSync, closeSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { charts as chartHelpers } from './charts.js';
import { createCheckpointer, readCheckpointSync } from './checkpoint.js';
import { type Claim, evaluateClaim } from './claims.js';
import { resolveConfig } from './config.js';
import { collectEnv } from './env.js';
import { stringifyJson, writeFileAtomicSync, writeJsonSync } from './fs.js';
import { createLogger, type OutputStream, Progress, type ProgressMode, Terminal } from './progress.js';
import { type ReportOutput, writeReport } from './report.js';
import { makeRng as defaultMakeRng, type MakeRng } from './rng.js';
import {
  createRunDir,
  RUN_FILES,
  type RunConfigFile,
  type RunResult,
  type RunStatus,
  readRunFolder,
  runIdOf,
  runsRootOf,
} from './run-folder.js';
import { appendRunIndex, indexDir } from './run-index.js';
import type {
  Experiment,
  ExperimentResult,
  MetricRecord,
  PresetName,
  ResumeState,
  RunContext,
  SummaryValue,
} from './types.js';

export interface RunOptions {
  /** Default `'quick'`. */
  preset?: PresetName | 'custom';
  /** Raw `key=value` overrides (`--set`). */
  set?: readonly string[];
  /** A parsed `--config` file. */
  configFile?: { path: string; data: unknown };
  /** Default 0. */
  seed?: number;
  /** Runs root; the run folder is `<outDir>/<experiment>/<timestamp>-<seed>`. Default `runs`. */
  outDir?: string;
  /** External stop signal (combined with Ctrl-C when `handleSigint`). */
  signal?: AbortSignal;
  /** Install the Ctrl-C handler (first: stop after the current step; second: exit now). Default false. */
  handleSigint?: boolean;
  /** `'auto'` (default): a bar when `stderr` is a TTY, plain lines otherwise. */
  progress?: 'auto' | ProgressMode;
  /** Where logs and progress go (default `process.stderr`). */
  stderr?: OutputStream;
  /** Generator factory (default: the local sfc32; swap in the engine PRNG later). */
  makeRng?: MakeRng;
  /** Write report.html/report.md at the end (default true). */
  report?: boolean;
}

export type ResumeOptions = Omit<RunOptions, 'preset' | 'configFile' | 'seed' | 'outDir'>;

export type RunOutcome =
  | { status: 'skipped'; experiment: string; message: string; exitCode: 2 }
  | {
      status: Exclude<RunStatus, 'running'>;
      experiment: string;
      runDir: string;
      result: RunResult;
      report: ReportOutput | undefined;
      /** 0: completed and all claims passed; 1: a claim failed or the run errored; 130: interrupted. */
      exitCode: 0 | 1 | 130;
    };

/** Thrown for a resume that cannot proceed (wrong experiment, already completed, …). */
export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeError';
  }
}

const CHART_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Runs an experiment in a new run folder. Throws `ConfigError` for a bad config. */
export async function runExperiment<C extends object>(
  exp: Experiment<C>,
  opts: RunOptions = {},
): Promise<RunOutcome> {
  const preset = opts.preset ?? 'quick';
  const config = resolveConfig(exp, {
    preset,
    ...(opts.configFile ? { file: opts.configFile } : {}),
    ...(opts.set ? { set: opts.set } : {}),
  });
  const skip = exp.requires(config);
  if (skip) return { status: 'skipped', experiment: exp.name, message: skip, exitCode: 2 };
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  const root = resolve(opts.outDir ?? 'runs');
  const runDir = createRunDir(root, exp.name, seed);
  const configFile: RunConfigFile = {
    experiment: exp.name,
    preset,
    seed,
    config: config as Record<string, unknown>,
    overrides: [...(opts.set ?? [])],
  };
  if (opts.configFile) configFile.configFile = resolve(opts.configFile.path);
  writeJsonSync(join(runDir, RUN_FILES.config), configFile);
  writeJsonSync(join(runDir, RUN_FILES.env), await collectEnv());
  const result: RunResult = {
    format: 'nabla.run/1',
    runId: runIdOf(runDir),
    experiment: { name: exp.name, title: exp.title, description: exp.description, paper: exp.paper },
    preset,
    seed,
    status: 'running',
    startedAt: new Date().toISOString(),
    resumes: [],
    summary: {},
    claims: [],
    charts: [],
    ...(exp.metricCharts ? { metricCharts: exp.metricCharts.map((g) => ({ ...g, keys: [...g.keys] })) } : {}),
  };
  return execute(exp, config, runDir, root, result, undefined, opts);
}

/** Continues an unfinished run from its latest checkpoint (from scratch when it has none). */
export async function resumeRun<C extends object>(
  exp: Experiment<C>,
  runDir: string,
  opts: ResumeOptions = {},
): Promise<RunOutcome> {
  const run = readRunFolder(runDir);
  if (run.config.experiment !== exp.name) {
    throw new ResumeError(`${runDir} is a run of "${run.config.experiment}", not "${exp.name}"`);
  }
  if (run.result?.status === 'completed') {
    throw new ResumeError(`${runDir} already completed; start a new run instead`);
  }
  const config = resolveConfig(exp, {
    preset: 'custom',
    base: run.config.config,
    ...(opts.set ? { set: opts.set } : {}),
  });
  const missing = exp.requires(config);
  if (missing) throw new ResumeError(`cannot resume ${runDir}: ${missing}`);
  if (opts.set?.length) {
    writeJsonSync(join(run.dir, RUN_FILES.config), {
      ...run.config,
      config,
      overrides: [...run.config.overrides, ...opts.set],
    });
  }
  const term = new Terminal(opts.stderr ?? process.stderr);
  const logger = createLogger(term, exp.name);
  const info = createCheckpointer(run.dir).latest();
  let resumeState: ResumeState | undefined;
  let kept: MetricRecord[];
  if (info) {
    resumeState = { checkpoint: info, data: readCheckpointSync(run.dir, info) };
    kept = info.step === undefined ? run.metrics : run.metrics.filter((m) => m.step <= info.step!);
    logger.info(
      `resuming from checkpoint "${info.name}"${info.step !== undefined ? ` at step ${info.step}` : ''}`,
    );
  } else {
    kept = [];
    logger.warn('no checkpoint in this run folder: starting again from step 0 (earlier metrics discarded)');
  }
  if (kept.length !== run.metrics.length) {
    writeFileAtomicSync(join(run.dir, RUN_FILES.metrics), kept.map((m) => `${stringifyJson(m)}\n`).join(''));
  }
  const now = new Date().toISOString();
  const prev = run.result;
  const result: RunResult = {
    format: 'nabla.run/1',
    runId: run.id,
    experiment: { name: exp.name, title: exp.title, description: exp.description, paper: exp.paper },
    preset: run.config.preset,
    seed: run.config.seed,
    status: 'running',
    startedAt: prev?.startedAt ?? now,
    resumes: [
      ...(prev?.resumes ?? []),
      { at: now, ...(info?.step !== undefined ? { fromStep: info.step } : {}) },
    ],
    summary: {},
    claims: [],
    charts: prev?.charts ?? [],
    ...(exp.metricCharts ? { metricCharts: exp.metricCharts.map((g) => ({ ...g, keys: [...g.keys] })) } : {}),
  };
  if (prev?.durationS !== undefined) result.durationS = prev.durationS;
  return execute(exp, config, run.dir, runsRootOf(run.dir), result, resumeState, opts, kept);
}

function indexLine(root: string, runDir: string, r: RunResult) {
  return {
    id: r.runId,
    experiment: r.experiment.name,
    dir: indexDir(root, runDir),
    preset: r.preset,
    seed: r.seed,
    status: r.status,
    startedAt: r.startedAt,
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    ...(r.durationS !== undefined ? { durationS: r.durationS } : {}),
    ...(r.claims.length
      ? { claims: { passed: r.claims.filter((c) => c.passed).length, total: r.claims.length } }
      : {}),
    ...(Object.keys(r.summary).length ? { summary: r.summary } : {}),
  };
}

async function execute<C extends object>(
  exp: Experiment<C>,
  config: C,
  runDir: string,
  root: string,
  result: RunResult,
  resumeState: ResumeState | undefined,
  opts: ResumeOptions,
  priorMetrics: MetricRecord[] = [],
): Promise<RunOutcome> {
  const resultPath = join(runDir, RUN_FILES.result);
  writeJsonSync(resultPath, result);
  appendRunIndex(root, indexLine(root, runDir, result));

  const term = new Terminal(opts.stderr ?? process.stderr);
  const mode: ProgressMode =
    !opts.progress || opts.progress === 'auto' ? (term.tty ? 'tty' : 'plain') : opts.progress;
  const logPath = join(runDir, RUN_FILES.log);
  const logger = createLogger(term, exp.name, (line) => appendFileSync(logPath, `${line}\n`));
  const progress = new Progress(term, { mode, label: exp.name });

  const internal = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, internal.signal]) : internal.signal;
  let sigints = 0;
  const onSigint = () => {
    sigints++;
    if (sigints === 1) {
      progress.finish();
      logger.warn('Ctrl-C: stopping after the current step (press Ctrl-C again to quit immediately)');
      internal.abort(new Error('interrupted by Ctrl-C'));
    } else {
      term.clearStatus();
      term.line(`[${exp.name}] second Ctrl-C: exiting now (metrics logged so far are kept in ${runDir})`);
      process.exit(130);
    }
  };
  if (opts.handleSigint) process.on('SIGINT', onSigint);

  const metricsFd = openSync(join(runDir, RUN_FILES.metrics), 'a');
  const metrics: MetricRecord[] = [...priorMetrics];
  const claims: Claim[] = [];
  const summary: Record<string, SummaryValue> = {};
  const charts = new Map<string, { name: string; caption?: string }>(result.charts.map((c) => [c.name, c]));
  let lastProgress: { step: number; total: number } | undefined;
  const makeRng = opts.makeRng ?? defaultMakeRng;
  const t0 = performance.now();
  let lastTick = t0;

  const ctx: RunContext<C> = {
    config,
    seed: result.seed,
    rng: makeRng(result.seed),
    makeRng,
    logger,
    signal,
    runDir,
    preset: result.preset,
    resumeState,
    charts: chartHelpers,
    checkpoint: createCheckpointer(runDir),
    async tick() {
      const t = performance.now();
      if (t - lastTick < 25) return;
      lastTick = t;
      await new Promise<void>((r) => setImmediate(r));
    },
    progress(step, total, info) {
      lastProgress = { step, total };
      progress.update(step, total, info);
    },
    log(record) {
      if (typeof record.step !== 'number' || !Number.isFinite(record.step)) {
        throw new TypeError(`ctx.log: "step" must be a finite number, got ${JSON.stringify(record.step)}`);
      }
      const clean: MetricRecord = { step: record.step };
      for (const [k, v] of Object.entries(record)) if (v !== undefined && k !== 'step') clean[k] = v;
      writeSync(metricsFd, `${stringifyJson(clean)}\n`);
      metrics.push(clean);
    },
    metrics: () => metrics.slice(),
    chart(name, spec, options = {}) {
      if (!CHART_NAME_RE.test(name) || name.startsWith('metric-')) {
        throw new Error(`ctx.chart: name "${name}" must match ${CHART_NAME_RE} and not start with "metric-"`);
      }
      writeFileAtomicSync(join(runDir, RUN_FILES.charts, `${name}.vl.json`), stringifyJson(spec));
      charts.set(name, { name, ...(options.caption !== undefined ? { caption: options.caption } : {}) });
    },
    claim(name, value, target) {
      const c = evaluateClaim({ name, value, ...target });
      const i = claims.findIndex((x) => x.name === name);
      if (i >= 0) claims[i] = c;
      else claims.push(c);
      return c;
    },
    summary(key, value) {
      summary[key] = value;
    },
  };

  logger.info(`run folder ${runDir}`);
  let returned: ExperimentResult | undefined;
  let error: Error | undefined;
  try {
    returned = (await exp.run(config, ctx)) || undefined;
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
  } finally {
    closeSync(metricsFd);
    progress.finish();
  }

  for (const c of returned?.claims ?? []) {
    const e = evaluateClaim(c);
    const i = claims.findIndex((x) => x.name === c.name);
    if (i >= 0) claims[i] = e;
    else claims.push(e);
  }
  for (const [k, v] of Object.entries(returned?.summary ?? {})) if (v !== undefined) summary[k] = v;

  const reachedEnd = lastProgress !== undefined && lastProgress.step >= lastProgress.total;
  const status: Exclude<RunStatus, 'running'> = error
    ? signal.aborted && !reachedEnd
      ? 'interrupted'
      : 'failed'
    : signal.aborted && !reachedEnd
      ? 'interrupted'
      : 'completed';
  const elapsed = (performance.now() - t0) / 1000;
  result.status = status;
  result.finishedAt = new Date().toISOString();
  result.durationS = Math.round(((result.durationS ?? 0) + elapsed) * 1000) / 1000;
  if (lastProgress) result.progress = lastProgress;
  result.summary = summary;
  result.claims = claims.map(
    (c) =>
      ({
        ...c,
        target: c.op === 'in' ? [c.target[0], c.target[1]] : c.target,
      }) as RunResult['claims'][number],
  );
  result.charts = [...charts.values()];
  if (returned?.notes) result.notes = returned.notes;
  if (error && status === 'failed')
    result.error = { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  writeJsonSync(resultPath, result);
  appendRunIndex(root, indexLine(root, runDir, result));

  if (error && status === 'failed') logger.warn(`failed: ${error.message}`);
  const failedClaims = claims.filter((c) => !c.passed).length;
  const claimText = claims.length ? `, ${claims.length - failedClaims}/${claims.length} claims passed` : '';
  logger.info(`${status} in ${elapsed.toFixed(1)} s${claimText}`);
  if (status === 'interrupted') logger.info(`resume with: nabla run --resume ${runDir}`);

  let report: ReportOutput | undefined;
  if (opts.report !== false) {
    try {
      report = await writeReport(runDir);
      logger.info(`report ${report.html}`);
      for (const c of [...report.charts, ...report.metricCharts]) if (c.error) logger.warn(c.error);
    } catch (err) {
      logger.warn(`could not write the report: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (opts.handleSigint) process.off('SIGINT', onSigint);
  const exitCode = status === 'interrupted' ? 130 : status === 'failed' || failedClaims > 0 ? 1 : 0;
  return { status, experiment: exp.name, runDir, result, report, exitCode };
}

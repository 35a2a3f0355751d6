/**
 * Run-folder layout and the schemas of the files in it:
 *
 *   runs/<experiment>/<timestamp>-<seed>/
 *     config.json      resolved config (+ experiment, preset, seed, overrides)
 *     env.json         versions, backend, CPU
 *     metrics.jsonl    one ctx.log() record per line
 *     result.json      status, claims, summary numbers
 *     log.txt          logger output
 *     charts/<name>.vl.json + charts/<name>.svg
 *     checkpoints/<name>.json|.bin + checkpoints/latest.json
 *     report.html, report.md
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { isNodeError, isRecord, parseJsonLines, readJsonFile } from './fs.js';
import type { MetricRecord } from './types.js';

export const RUN_FILES = {
  config: 'config.json',
  env: 'env.json',
  metrics: 'metrics.jsonl',
  result: 'result.json',
  log: 'log.txt',
  charts: 'charts',
  checkpoints: 'checkpoints',
  reportHtml: 'report.html',
  reportMd: 'report.md',
} as const;

export const INDEX_FILE = 'index.jsonl';

const numberish = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform((v) => Number(v))]);

const claimBase = {
  name: z.string(),
  value: numberish,
  passed: z.boolean(),
  description: z.string().optional(),
};
export const claimSchema = z.union([
  z.object({ ...claimBase, op: z.enum(['<', '<=', '>', '>=']), target: z.number() }),
  z.object({ ...claimBase, op: z.literal('in'), target: z.tuple([z.number(), z.number()]) }),
]);

export const paperSchema = z.object({
  title: z.string(),
  authors: z.string(),
  year: z.number(),
  spec: z.string(),
  url: z.string().optional(),
});

export const runStatusSchema = z.enum(['running', 'completed', 'interrupted', 'failed']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const presetSchema = z.enum(['quick', 'full', 'custom']);

/** `config.json`. */
export const runConfigFileSchema = z.object({
  experiment: z.string(),
  preset: presetSchema,
  seed: z.number().int(),
  config: z.record(z.string(), z.unknown()),
  overrides: z.array(z.string()).default([]),
  configFile: z.string().optional(),
});
export type RunConfigFile = z.infer<typeof runConfigFileSchema>;

const summarySchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));

/** `result.json`. Written with status `running` at the start, rewritten atomically at the end. */
export const runResultSchema = z.object({
  format: z.literal('nabla.run/1'),
  runId: z.string(),
  experiment: z.object({ name: z.string(), title: z.string(), description: z.string(), paper: paperSchema }),
  preset: presetSchema,
  seed: z.number(),
  status: runStatusSchema,
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  durationS: z.number().optional(),
  resumes: z.array(z.object({ at: z.string(), fromStep: z.number().optional() })).default([]),
  progress: z.object({ step: z.number(), total: z.number() }).optional(),
  summary: summarySchema.default({}),
  claims: z.array(claimSchema).default([]),
  charts: z.array(z.object({ name: z.string(), caption: z.string().optional() })).default([]),
  metricCharts: z
    .array(
      z.object({
        title: z.string(),
        keys: z.array(z.string()),
        x: z.string().optional(),
        logX: z.boolean().optional(),
        logY: z.union([z.boolean(), z.literal('auto')]).optional(),
      }),
    )
    .optional(),
  notes: z.string().optional(),
  error: z.object({ message: z.string(), stack: z.string().optional() }).optional(),
});
export type RunResult = z.infer<typeof runResultSchema>;

/** One line of `runs/index.jsonl`; the last line for an `id` wins. */
export const runIndexEntrySchema = z.object({
  id: z.string(),
  experiment: z.string(),
  /** Run folder relative to the index's directory. */
  dir: z.string(),
  preset: presetSchema,
  seed: z.number(),
  status: runStatusSchema,
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  durationS: z.number().optional(),
  claims: z.object({ passed: z.number(), total: z.number() }).optional(),
  summary: summarySchema.optional(),
});
export type RunIndexEntry = z.infer<typeof runIndexEntrySchema>;

/** `20250131-142501` in local time. */
export function timestamp(d: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Creates `<root>/<experiment>/<timestamp>-<seed>` (with `_2`, `_3`, … on a collision). */
export function createRunDir(root: string, experiment: string, seed: number, now: Date = new Date()): string {
  const parent = join(resolve(root), experiment);
  mkdirSync(parent, { recursive: true });
  const base = `${timestamp(now)}-${seed}`;
  for (let i = 1; ; i++) {
    const dir = join(parent, i === 1 ? base : `${base}_${i}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if (!(isNodeError(err) && err.code === 'EEXIST')) throw err;
    }
  }
}

/** The runs root (where `index.jsonl` lives) of a run folder: two levels up. */
export function runsRootOf(runDir: string): string {
  return dirname(dirname(resolve(runDir)));
}

/** `<experiment>/<folder>`. */
export function runIdOf(runDir: string): string {
  const abs = resolve(runDir);
  return `${basename(dirname(abs))}/${basename(abs)}`;
}

export class RunFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFolderError';
  }
}

function parseFile<T>(dir: string, file: string, schema: z.ZodType<T>): T | undefined {
  let data: unknown;
  try {
    data = readJsonFile(join(dir, file));
  } catch (err) {
    throw new RunFolderError(
      `${join(dir, file)}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (data === undefined) return undefined;
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new RunFolderError(`${join(dir, file)}: field "${i.path.join('.')}": ${i.message}`);
  }
  return parsed.data;
}

/** Reads `metrics.jsonl` (non-finite numbers restored; unparseable lines skipped). */
export function readMetrics(runDir: string): MetricRecord[] {
  let text: string;
  try {
    text = readFileSync(join(runDir, RUN_FILES.metrics), 'utf8');
  } catch {
    return [];
  }
  const out: MetricRecord[] = [];
  for (const rec of parseJsonLines(text)) {
    if (!isRecord(rec) || typeof rec.step !== 'number') continue;
    const m: MetricRecord = { step: rec.step };
    for (const [k, v] of Object.entries(rec)) {
      if (k === 'step') continue;
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') m[k] = Number(v);
      else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null)
        m[k] = v;
    }
    out.push(m);
  }
  return out;
}

export interface RunFolder {
  dir: string;
  id: string;
  config: RunConfigFile;
  env: unknown;
  result: RunResult | undefined;
  metrics: MetricRecord[];
}

/** Reads a run folder; throws {@link RunFolderError} when `dir` is not one. */
export function readRunFolder(dir: string): RunFolder {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new RunFolderError(`${dir}: no such run folder`);
  const config = parseFile(abs, RUN_FILES.config, runConfigFileSchema);
  if (!config) throw new RunFolderError(`${dir}: not a run folder (no ${RUN_FILES.config})`);
  return {
    dir: abs,
    id: runIdOf(abs),
    config,
    env: readJsonFile(join(abs, RUN_FILES.env)),
    result: parseFile(abs, RUN_FILES.result, runResultSchema),
    metrics: readMetrics(abs),
  };
}

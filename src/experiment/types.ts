/** Public types of the experiment framework. */
import type { z } from 'zod';
import type { ChartHelpers, ChartSpec } from './charts.js';
import type { Claim, ClaimInput, ClaimTarget } from './claims.js';
import type { Json } from './fs.js';
import type { MakeRng, Rng } from './rng.js';

export type PresetName = 'quick' | 'full';

/** The paper (or spec) an experiment reproduces. */
export interface PaperRef {
  title: string;
  authors: string;
  year: number;
  /** What exactly is reproduced: section/figure/table, or a URL. */
  spec: string;
  url?: string;
}

/** A group of logged metric keys drawn together in the report's "Metrics" section. */
export interface MetricChart {
  title: string;
  keys: readonly string[];
  /** x field, default `step`. */
  x?: string;
  logX?: boolean;
  /** Default `'auto'`. */
  logY?: boolean | 'auto';
}

/** A scalar in `result.json`'s summary. */
export type SummaryValue = number | string | boolean;

/** What `run` may return (everything is optional; `ctx.claim`/`ctx.summary` can be used instead). */
export interface ExperimentResult {
  /** Key numbers (undefined entries are dropped). */
  summary?: Record<string, SummaryValue | undefined>;
  claims?: readonly ClaimInput[];
  /** Free text (Markdown-ish, shown preformatted) for the report. */
  notes?: string;
}

/** One metrics record; `step` is required, other values are numbers (or short labels). */
export interface MetricRecord {
  step: number;
  [key: string]: number | string | boolean | null | undefined;
}

export interface ProgressInfo {
  loss?: number;
  [key: string]: number | undefined;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface CheckpointInfo {
  name: string;
  kind: 'json' | 'bytes';
  step?: number;
  savedAt: string;
}

export interface Checkpointer {
  /**
   * Saves `data` as checkpoint `name` (JSON → `checkpoints/<name>.json`, bytes → `.bin`), atomically
   * (temp file + rename), and marks it as the latest. Pass `step` so that a resumed run drops metrics
   * logged after this checkpoint.
   */
  save(name: string, data: Json | Uint8Array, options?: { step?: number }): Promise<void>;
  /** Loads checkpoint `name`, or the latest one when omitted; `undefined` when there is none. */
  load(name?: string): Promise<Json | Uint8Array | undefined>;
  /** Loads a JSON checkpoint and validates it with `schema` (throws naming the bad field). */
  loadJson<T>(schema: z.ZodType<T>, name?: string): Promise<T | undefined>;
  /** The latest checkpoint's metadata. */
  latest(): CheckpointInfo | undefined;
}

/** Passed to `run` when a run is resumed from a checkpoint. */
export interface ResumeState {
  checkpoint: CheckpointInfo;
  data: Json | Uint8Array;
}

/** Everything an experiment gets from the runner. */
export interface RunContext<C extends object = object> {
  readonly config: Readonly<C>;
  readonly seed: number;
  /** Seeded by `seed`. */
  readonly rng: Rng;
  /** Makes further independent generators (e.g. `makeRng(seed + 1)` for data). */
  readonly makeRng: MakeRng;
  readonly logger: Logger;
  /** Aborted on the first Ctrl-C: finish the current step, optionally checkpoint, and return. */
  readonly signal: AbortSignal;
  readonly runDir: string;
  readonly preset: PresetName | 'custom';
  /** Set when resuming (`nabla run --resume <dir>`) and a checkpoint exists. */
  readonly resumeState: ResumeState | undefined;
  /** Vega-Lite spec builders; pass the result to {@link RunContext.chart}. */
  readonly charts: ChartHelpers;
  readonly checkpoint: Checkpointer;
  /**
   * Lets pending events run (Ctrl-C, timers): it yields to the event loop at most every ~25 ms and
   * is otherwise free, so `await ctx.tick()` once per step in CPU-bound loops.
   */
  tick(): Promise<void>;
  /** Reports progress (`step` completed out of `total`); drawn as a bar on a TTY. */
  progress(step: number, total: number, info?: ProgressInfo): void;
  /** Appends one record to `metrics.jsonl`. */
  log(metrics: MetricRecord): void;
  /** All records logged so far (including those of the interrupted run when resuming). */
  metrics(): MetricRecord[];
  /** Registers a chart; it is rendered to `charts/<name>.svg` and shown in the report. */
  chart(name: string, spec: ChartSpec, options?: { caption?: string }): void;
  /** Records and returns a claim. */
  claim(name: string, value: number, target: ClaimTarget): Claim;
  /** Records a summary number shown in the report, `nabla runs` and `nabla compare`. */
  summary(key: string, value: SummaryValue): void;
}

/** What `defineExperiment` accepts. */
export interface ExperimentSpec<S extends z.ZodObject> {
  /** kebab-case identifier used on the command line. */
  name: string;
  title: string;
  /** One line. */
  description: string;
  paper: PaperRef;
  /** A zod object; it is made `.strict()` so unknown fields are rejected. */
  configSchema: S;
  /** `quick`: ≤ ~60 s on 2 cores, used by `nabla tour`. `full`: the paper's setup scaled to a CPU. */
  presets: { quick: Partial<z.output<S>>; full: Partial<z.output<S>> };
  /** Return `null` when runnable, else a skip message that includes the exact install command. */
  requires?: (config: z.output<S>) => string | null;
  /** Groups of metric keys to chart together in the report (default: one chart per numeric key). */
  metricCharts?: readonly MetricChart[];
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `async run() {}` return nothing
  run: (config: z.output<S>, ctx: RunContext<z.output<S>>) => Promise<ExperimentResult | undefined | void>;
}

/** A defined experiment. `Experiment` (= `Experiment<object>`) is the type stored in registries. */
export interface Experiment<C extends object = object> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly paper: PaperRef;
  readonly configSchema: z.ZodType<C>;
  readonly presets: Readonly<Record<PresetName, Partial<C>>>;
  readonly metricCharts: readonly MetricChart[] | undefined;
  requires(config: C): string | null;
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `async run() {}` return nothing
  run(config: C, ctx: RunContext<C>): Promise<ExperimentResult | undefined | void>;
}

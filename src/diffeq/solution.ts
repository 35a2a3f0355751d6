/** The result of `diffeqsolve`. */
import type { DType } from '../core/dtype.js';
import { ArgumentError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { isSuccess, type ResultCode } from './errors.js';
import { rowWhereLeaves } from './kernels.js';
import type { DenseEntry } from './loop.js';
import { type Tree, type TreeDef, treeUnflatten } from './tree.js';

/** Per-sample statistics of an independently stepped batch. */
export interface PerSampleStats {
  /** Attempted steps per sample. */
  steps: Int32Array;
  accepted: Int32Array;
  rejected: Int32Array;
  /** How each sample's solve ended. */
  results: ResultCode[];
  /** The time each sample reached. */
  tFinal: Float64Array;
}

/** Statistics of a solve. */
export interface SolveStats {
  /** Attempted steps (accepted + rejected; summed over samples of an independent batch). */
  steps: number;
  accepted: number;
  rejected: number;
  /** Loop iterations (equal to `steps` for a jointly stepped problem). */
  iterations: number;
  /** Vector-field evaluations (each evaluates the whole batch). */
  fevals: number;
  /** Jacobian evaluations (implicit solvers). */
  jacobianEvals: number;
  /** Newton iterations (implicit solvers). */
  newtonIters: number;
  /** Newton solves that did not converge (each rejected its step). */
  newtonFailures: number;
  /** The step limit. */
  maxSteps: number;
  /** Wall time of the solve loop (ms). */
  wallTimeMs: number;
  /** Time spent in the vector field (ms). */
  vfTimeMs: number;
  /** Solver overhead: loop wall time minus vector-field time (ms), torchode's "loop time". */
  loopTimeMs: number;
  /** Loop time per step (ms). */
  loopTimePerStepMs: number;
  /** Per-sample statistics for independently stepped batches, else null. */
  perSample: PerSampleStats | null;
}

/** Where the solve stopped because of an event. */
export interface EventInfo {
  /** Whether the event triggered (per sample for independent batches: any sample). */
  occurred: boolean;
  /** Per sample: whether the event triggered. */
  mask: Uint8Array;
  /** Per sample: the event time (NaN where it did not trigger). */
  t: Float64Array;
}

/** Everything `Solution` is built from. */
export interface SolutionInit<Y extends Tree> {
  t0: number;
  t1: number;
  ts: Tensor | null;
  ys: Y | null;
  stats: SolveStats;
  result: ResultCode;
  message: string;
  event: EventInfo | null;
  dtype: DType;
  warnings: string[];
  dense: DenseEntry[] | null;
  def: TreeDef;
  rows: number;
  independent: boolean;
  tFinal: Float64Array;
}

/** The result of a solve (Diffrax's `Solution`). */
export class Solution<Y extends Tree = Tree> {
  /** Integration interval. */
  readonly t0: number;
  readonly t1: number;
  /**
   * Save times: `[T]` (float64), or `[T, batch]` for independently stepped batches.
   * NaN where nothing was saved (after an event or a failure).
   */
  readonly ts: Tensor | null;
  /**
   * Saved values: the state tree with a leading time axis on every leaf (`[T, …]`), or
   * the tree returned by `SaveAt.fn`. Null when nothing was saved.
   */
  readonly ys: Y | null;
  /** Step counts, function evaluations and timings. */
  readonly stats: SolveStats;
  /** How the solve ended. */
  readonly result: ResultCode;
  /** A human-readable explanation for failures ('' on success). */
  readonly message: string;
  /** Event information when an `Event` was given. */
  readonly event: EventInfo | null;
  /** The floating dtype the solve ran in. */
  readonly dtype: DType;
  /** Notes about automatic choices (e.g. promotion to float64). */
  readonly warnings: readonly string[];
  private readonly dense: DenseEntry[] | null;
  private readonly def: TreeDef;
  private readonly rows: number;
  private readonly independent: boolean;
  private readonly tFinal: Float64Array;
  private denseSol: DenseSolution | null = null;

  constructor(init: SolutionInit<Y>) {
    this.t0 = init.t0;
    this.t1 = init.t1;
    this.ts = init.ts;
    this.ys = init.ys;
    this.stats = init.stats;
    this.result = init.result;
    this.message = init.message;
    this.event = init.event;
    this.dtype = init.dtype;
    this.warnings = init.warnings;
    this.dense = init.dense;
    this.def = init.def;
    this.rows = init.rows;
    this.independent = init.independent;
    this.tFinal = init.tFinal;
  }

  /** Whether the solve succeeded (`successful` or `eventOccurred`). */
  get ok(): boolean {
    return isSuccess(this.result);
  }

  /** The state at time `t` from the dense solution (needs `SaveAt({dense: true})`). */
  evaluate(t: number): Y {
    return treeUnflatten<Y>(this.def, this.denseSolution('evaluate').evaluate(t));
  }

  /** dy/dt at time `t` from the dense solution's interpolant. */
  derivative(t: number): Y {
    return treeUnflatten<Y>(this.def, this.denseSolution('derivative').derivative(t));
  }

  private denseSolution(op: string): DenseSolution {
    if (!this.dense)
      throw new ArgumentError(
        `Solution.${op}: the dense solution was not saved; pass saveat: new SaveAt({dense: true})`,
      );
    this.denseSol ??= new DenseSolution(
      this.dense,
      this.rows,
      this.t0,
      this.t1,
      this.tFinal,
      this.independent,
    );
    return this.denseSol;
  }
}

/** Evaluates the piecewise interpolant of a solve (per row for independent batches). */
export class DenseSolution {
  private denseIndex: number[][] | null = null;

  constructor(
    private readonly dense: readonly DenseEntry[],
    private readonly rows: number,
    private readonly t0: number,
    private readonly t1: number,
    private readonly tFinal: Float64Array,
    private readonly independent: boolean,
  ) {}

  private locate(t: number, op: string): { entries: number[]; theta: Float64Array } {
    const rows = this.rows;
    if (!this.denseIndex) {
      this.denseIndex = Array.from({ length: rows }, () => [] as number[]);
      this.dense.forEach((e, i) => {
        for (let b = 0; b < rows; b++) if (e.accept[b]) this.denseIndex![b]!.push(i);
      });
    }
    const dir = this.t1 >= this.t0 ? 1 : -1;
    const entries: number[] = [];
    const theta = new Float64Array(rows);
    for (let b = 0; b < rows; b++) {
      const idx = this.denseIndex[b]!;
      const tEnd = this.tFinal[b]!;
      if (
        (t - this.t0) * dir < -1e-12 * Math.max(1, Math.abs(t)) ||
        (t - tEnd) * dir > 1e-12 * Math.max(1, Math.abs(t))
      ) {
        throw new ArgumentError(
          `Solution.${op}: t = ${t} is outside the solved interval [${this.t0}, ${tEnd}]${this.independent ? ` of sample ${b}` : ''}`,
        );
      }
      if (idx.length === 0) throw new ArgumentError(`Solution.${op}: no steps were taken`);
      // Binary search: last accepted step starting at or before t.
      let lo = 0;
      let hi = idx.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((this.dense[idx[mid]!]!.interp.t0[b]! - t) * dir <= 0) lo = mid;
        else hi = mid - 1;
      }
      const e = this.dense[idx[lo]!]!;
      entries.push(idx[lo]!);
      const dt = e.interp.dt[b]!;
      theta[b] = Math.min(e.thetaEnd[b]!, Math.max(0, (t - e.interp.t0[b]!) / dt));
    }
    return { entries, theta };
  }

  private evalWith(t: number, op: string, deriv: boolean): Tensor[] {
    const { entries, theta } = this.locate(t, op);
    const dense = this.dense;
    const uniq = [...new Set(entries)];
    let out: Tensor[] | null = null;
    for (const i of uniq) {
      const e = dense[i]!;
      const v = deriv ? e.interp.derivative(theta) : e.interp.evaluate(theta);
      if (!out) out = v;
      else
        out = rowWhereLeaves(
          Uint8Array.from(entries, (x) => (x === i ? 1 : 0)),
          v,
          out,
        );
    }
    return out!;
  }

  /** The state leaves at time `t`. */
  evaluate(t: number): Tensor[] {
    return this.evalWith(t, 'evaluate', false);
  }

  /** dy/dt leaves at time `t`. */
  derivative(t: number): Tensor[] {
    return this.evalWith(t, 'derivative', true);
  }
}

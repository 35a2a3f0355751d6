/**
 * The solver interface and the local interpolant a step produces.
 *
 * Batches: a state leaf's leading dimension may be split into `rows` that step
 * independently (per-sample step sizes). Every per-step quantity that varies by row
 * (`t0`, `dt`, θ) is a `Float64Array` of length `rows`; for a jointly stepped
 * problem `rows = 1`.
 */
import type { DType } from '../../core/dtype.js';
import type { Tensor } from '../../core/tensor.js';
import { combine } from '../kernels.js';
import type { AbstractTerm } from '../terms/base.js';

/** Counters a solve accumulates (shared by the solver and the loop). */
export interface SolverCounters {
  /** Vector-field evaluations (each evaluation of the whole batch counts once). */
  fevals: number;
  /** Jacobian evaluations by implicit solvers (each costs one VJP per state component). */
  jacobianEvals: number;
  /** Newton iterations by implicit solvers. */
  newtonIters: number;
  /** Newton solves that failed to converge (the step was rejected). */
  newtonFailures: number;
  /** Milliseconds spent inside the vector field. */
  vfTimeMs: number;
}

/** What a solver can ask of the integration loop. */
export interface StepContext {
  /** Number of independently stepped rows (1 for a jointly stepped problem). */
  readonly rows: number;
  /** Whether rows step independently (then the vector field receives `[rows]` time tensors). */
  readonly independent: boolean;
  /** Floating dtype of the state. */
  readonly dtype: DType;
  /** The term being integrated. */
  readonly term: AbstractTerm;
  /** Elements per row of each leaf. */
  readonly leafRowSizes: readonly number[];
  /** Shapes of the leaves. */
  readonly leafShapes: readonly (readonly number[])[];
  /** Tolerances (from the step-size controller; used by implicit solvers' Newton iterations). */
  readonly rtol: number;
  readonly atol: number;
  /** Counters. */
  readonly counters: SolverCounters;
  /**
   * Whether the solve is being differentiated through (grad mode on and the state or the
   * vector field depends on tensors requiring grad).
   */
  readonly differentiable: boolean;
  /** The vector field at per-row times `t` (checked, counted and timed). */
  vf(t: Float64Array, y: readonly Tensor[]): Tensor[];
  /** `vf · control` for terms whose control is not time. */
  vfProd(t: Float64Array, y: readonly Tensor[], control: unknown): Tensor[];
  /** The term's control over `[t0, t1]` per row. */
  contr(t0: Float64Array, t1: Float64Array): unknown;
}

/** What one step returns. */
export interface StepResult {
  /** The candidate state at `t0 + dt`. */
  y1: Tensor[];
  /** The local error estimate per leaf (raw, not differentiable), or null for solvers without one. */
  err: Float64Array[] | null;
  /** The dense interpolant over the step (present when requested). */
  interp: Interpolant | null;
  /** `f(t0 + dt, y1)` when the step produced it (FSAL), for reuse by the next step. */
  k1: Tensor[] | null;
  /** Rows whose nonlinear solve failed (implicit solvers), or null. */
  failed: Uint8Array | null;
}

/** A solver: one step from `t0` to `t0 + dt` (per row). */
export interface AbstractSolver {
  /** Display name. */
  readonly name: string;
  /** Order of convergence on ODEs. */
  readonly order: number;
  /** Order of the local error estimate (used by the PID controller), or null without one. */
  readonly errorOrder: number | null;
  /** Whether the solver is implicit (uses Newton iterations). */
  readonly implicit: boolean;
  /**
   * Advances `y0` by `dt`. `k0` is `f(t0, y0)` when already known (FSAL); `needDense`
   * asks for the interpolant.
   */
  step(
    ctx: StepContext,
    t0: Float64Array,
    dt: Float64Array,
    y0: readonly Tensor[],
    k0: readonly Tensor[] | null,
    needDense: boolean,
  ): StepResult;
}

/** Evaluates a polynomial given by coefficients of θ⁰, θ¹, … */
export function polyval(p: Float64Array, x: number): number {
  let v = 0;
  for (let d = p.length - 1; d >= 0; d--) v = v * x + p[d]!;
  return v;
}

/** Derivative of a polynomial in the same representation. */
export function polyder(p: Float64Array): Float64Array {
  const out = new Float64Array(Math.max(1, p.length - 1));
  for (let d = 1; d < p.length; d++) out[d - 1] = d * p[d]!;
  return out;
}

/**
 * The local interpolant of a step: `y(t0 + θ·dt) = y0 + s·Σ_j β_j(θ)·v_j` with
 * polynomial weights `β_j` over the step's vectors `v_j` (stage derivatives and,
 * for Hermite interpolation, `f(t1, y1)`), where `s = dt` for ODE terms and 1 when
 * the vectors already include the control. Differentiable in `y0` and the vectors.
 */
export class Interpolant {
  private dpolys: Float64Array[] | null = null;
  /** Step start and size per row (copied: callers may reuse their arrays). */
  readonly t0: Float64Array;
  readonly dt: Float64Array;

  constructor(
    readonly rows: number,
    t0: Float64Array,
    dt: Float64Array,
    readonly y0: readonly Tensor[],
    readonly vecs: readonly (readonly Tensor[])[],
    readonly polys: readonly Float64Array[],
    readonly scaleByDt: boolean,
  ) {
    this.t0 = Float64Array.from(t0);
    this.dt = Float64Array.from(dt);
  }

  private weights(
    theta: Float64Array,
    polys: readonly Float64Array[],
    deriv: boolean,
    rowMask?: ArrayLike<number>,
  ): Float64Array {
    const rows = this.rows;
    const np = polys.length;
    const w = new Float64Array(np * rows);
    let deg = 0;
    for (const p of polys) deg = Math.max(deg, p.length);
    const pw = new Float64Array(deg);
    for (let b = 0; b < rows; b++) {
      if (rowMask && rowMask[b]! < 0) continue;
      const dtb = this.dt[b]!;
      const s = deriv ? (this.scaleByDt ? 1 : 1 / dtb) : this.scaleByDt ? dtb : 1;
      if (s === 0 || !Number.isFinite(s)) continue;
      const th = theta[b]!;
      let x = 1;
      for (let d = 0; d < deg; d++) {
        pw[d] = x;
        x *= th;
      }
      for (let j = 0; j < np; j++) {
        const p = polys[j]!;
        let v = 0;
        for (let d = 0; d < p.length; d++) v += p[d]! * pw[d]!;
        w[j * rows + b] = s * v;
      }
    }
    return w;
  }

  /**
   * The state at `t0 + θ·dt` (θ per row, in [0, 1]). Rows where `rowMask` is negative
   * are not computed (they hold y0).
   */
  evaluate(theta: Float64Array, rowMask?: ArrayLike<number>): Tensor[] {
    const w = this.weights(theta, this.polys, false, rowMask);
    return this.y0.map((y, l) =>
      combine(
        y,
        this.vecs.map((v) => v[l]!),
        w,
        this.rows,
      ),
    );
  }

  /** dy/dt at `t0 + θ·dt`. */
  derivative(theta: Float64Array): Tensor[] {
    this.dpolys ??= this.polys.map(polyder);
    const w = this.weights(theta, this.dpolys, true);
    return this.y0.map((_, l) =>
      combine(
        null,
        this.vecs.map((v) => v[l]!),
        w,
        this.rows,
      ),
    );
  }

  /** The same interpolant with its tensors detached (for storage by adjoints). */
  detach(): Interpolant {
    return new Interpolant(
      this.rows,
      this.t0,
      this.dt,
      this.y0.map((t) => t.detach()),
      this.vecs.map((v) => v.map((t) => t.detach())),
      this.polys,
      this.scaleByDt,
    );
  }
}

/**
 * The reversible Heun method (Kidger, Foster, Li & Lyons 2021): algebraically
 * reversible, for ODEs and Stratonovich SDEs, one vector-field evaluation per step.
 *
 * State (y, ŷ, v) with v = vf(t, ŷ). Forward step over [t0, t1] with control ΔX:
 *
 *     ŷ1 = 2y0 − ŷ0 + v0·ΔX,   v1 = vf(t1, ŷ1),   y1 = y0 + ½(v0 + v1)·ΔX
 *
 * and its exact inverse `ŷ0 = 2y1 − ŷ1 − v1·ΔX`, `v0 = vf(t0, ŷ0)`,
 * `y0 = y1 − ½(v0 + v1)·ΔX` (used by `ReversibleAdjoint`).
 */
import { ArgumentError } from '../../../core/errors.js';
import type { Tensor } from '../../../core/tensor.js';
import { combine } from '../../kernels.js';
import type { AbstractSolver, StepContext, StepResult } from '../base.js';
import { rawCombination } from '../explicit-rk.js';
import { requireJoint, type TermStepContext, termContext } from './context.js';
import { linearInterpolant, product, rawVF, type SDEOrders, stepTimes } from './structure.js';

/** The solver state of reversible Heun at time `t`. */
export interface ReversibleHeunState {
  t: number;
  /** The solution y. */
  y: Tensor[];
  /** The auxiliary state ŷ. */
  yhat: Tensor[];
  /** `vf(t, ŷ)` as returned by the term (for a `MultiTerm`, the array of its parts). */
  vf: unknown;
}

interface Track {
  current: ReversibleHeunState;
  pending: ReversibleHeunState | null;
}

function sameLeaves(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const HALF2 = Float64Array.of(0.5, 0.5);

/**
 * Reversible Heun. ODEs: order 2 (terms: an `ODETerm`). SDEs (terms:
 * `MultiTerm(drift, diffusion)`, any noise type): converges to the **Stratonovich**
 * solution, strong order 0.5 (1.0 for commutative and additive noise), weak order 1.
 * Error estimate `½(v1 − v0)·ΔX` (order 1) for `PIDController`. Not A-stable: its
 * stability region is the imaginary interval (−i, i) of z = λΔt, like leapfrog.
 *
 * It carries (ŷ, v) from step to step, so it needs jointly stepped solves, and a step
 * cannot be re-run from a stored state alone: use it with `DirectAdjoint` or
 * `ReversibleAdjoint` (exact gradients in O(1) memory), not `RecursiveCheckpointAdjoint`.
 */
export class ReversibleHeun implements AbstractSolver {
  readonly name = 'ReversibleHeun';
  readonly order = 2;
  readonly errorOrder = 2;
  readonly implicit = false;
  readonly sde: SDEOrders = {
    calculus: 'stratonovich',
    strongOrder: { general: 0.5, commutative: 1, additive: 1 },
    weakOrder: 1,
  };
  private readonly tracks = new WeakMap<object, Track>();

  /** The state at `t0` of a solve: ŷ0 = y0, v0 = vf(t0, y0). */
  initialState(ctx: TermStepContext, t: number, y: readonly Tensor[]): ReversibleHeunState {
    return { t, y: [...y], yhat: [...y], vf: rawVF(ctx, ctx.term, t, y) };
  }

  /** One forward step of the state from `ta` to `tb`; also returns the error estimate. */
  forward(
    ctx: TermStepContext,
    s: ReversibleHeunState,
    tb: number,
    control: unknown,
  ): { next: ReversibleHeunState; err: Float64Array[] } {
    const term = ctx.term;
    const p0 = product(ctx, term, s.vf, control);
    const yhat = s.y.map((y, l) => combine(y, [y, s.yhat[l]!, p0[l]!], Float64Array.of(1, -1, 1), 1));
    const vf = rawVF(ctx, term, tb, yhat);
    const p1 = product(ctx, term, vf, control);
    const y = s.y.map((y0, l) => combine(y0, [p0[l]!, p1[l]!], HALF2, 1));
    const err = rawCombination([p0, p1], Float64Array.of(-0.5, 0.5), 1);
    return { next: { t: tb, y, yhat, vf }, err };
  }

  /**
   * The exact inverse of `forward`: the state at `ta` from the state at `tb` (control
   * over [ta, tb]). `evalVF` evaluates the vector field at the reconstructed ŷ (default:
   * `term.vf`; `ReversibleAdjoint` passes one that keeps the graph).
   */
  inverse(
    ctx: TermStepContext,
    s: ReversibleHeunState,
    ta: number,
    control: unknown,
    evalVF: (t: number, yhat: Tensor[]) => unknown = (t, yhat) => rawVF(ctx, ctx.term, t, yhat),
  ): ReversibleHeunState {
    const term = ctx.term;
    const p1 = product(ctx, term, s.vf, control);
    const yhat = s.y.map((y, l) => combine(y, [y, s.yhat[l]!, p1[l]!], Float64Array.of(1, -1, -1), 1));
    const vf = evalVF(ta, yhat);
    const p0 = product(ctx, term, vf, control);
    const y = s.y.map((y1, l) => combine(y1, [p0[l]!, p1[l]!], Float64Array.of(-0.5, -0.5), 1));
    return { t: ta, y, yhat, vf };
  }

  /** The state of a solve after its last step (for `ReversibleAdjoint`). */
  finalState(ctx: StepContext, y: readonly Tensor[]): ReversibleHeunState | null {
    const tr = this.tracks.get(ctx);
    if (!tr) return null;
    if (tr.pending && sameLeaves(tr.pending.y, y)) return tr.pending;
    if (sameLeaves(tr.current.y, y)) return tr.current;
    return null;
  }

  private resolve(ctx: TermStepContext, ta: number, y0: readonly Tensor[]): ReversibleHeunState {
    const tr = this.tracks.get(ctx);
    if (tr?.pending && tr.pending.t === ta && sameLeaves(tr.pending.y, y0)) {
      tr.current = tr.pending;
      tr.pending = null;
      return tr.current;
    }
    if (tr && tr.current.t === ta && sameLeaves(tr.current.y, y0)) return tr.current;
    if (ta === ctx.t0) {
      const current = this.initialState(ctx, ta, y0);
      this.tracks.set(ctx, { current, pending: null });
      return current;
    }
    throw new ArgumentError(
      `${this.name}: the step from t = ${ta} does not continue the previous step. The solver carries (ŷ, vf(ŷ)) ` +
        'from step to step, so a step cannot be re-run from a stored state: use DirectAdjoint or ReversibleAdjoint ' +
        '(not RecursiveCheckpointAdjoint)',
    );
  }

  step(
    ctx0: StepContext,
    t0: Float64Array,
    dt: Float64Array,
    y0: readonly Tensor[],
    _k0: readonly Tensor[] | null,
    needDense: boolean,
  ): StepResult {
    const ctx = termContext(ctx0, this.name);
    requireJoint(ctx, this.name);
    const [ta, tb] = stepTimes(t0, dt);
    const s = this.resolve(ctx, ta, y0);
    const { next, err } = this.forward(ctx, s, tb, ctx.term.contr(ta, tb));
    this.tracks.get(ctx)!.pending = next;
    return {
      y1: next.y,
      err,
      interp: needDense ? linearInterpolant(t0, dt, y0, next.y) : null,
      k1: null,
      failed: null,
    };
  }
}

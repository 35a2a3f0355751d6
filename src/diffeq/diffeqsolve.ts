/**
 * `diffeqsolve`: the single entry point (Diffrax's design). Terms, solver, step-size
 * controller, save options, event and adjoint are separate, swappable objects.
 */
import type { DType } from '../core/dtype.js';
import { isFloating } from '../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { cast, contiguous } from '../ops/cast.js';
import type { AbstractAdjoint } from './adjoint/base.js';
import { DirectAdjoint } from './adjoint/direct.js';
import type { StepSizeController } from './controllers/base.js';
import { ConstantStepSize } from './controllers/constant.js';
import { DiffEqError, RESULT_CODES, type ResultCode } from './errors.js';
import { Engine, type Problem } from './loop.js';
import { Event, SaveAt } from './saveat.js';
import { Solution } from './solution.js';
import type { AbstractSolver } from './solvers/base.js';
import type { AbstractTerm } from './terms/base.js';
import { type Tree, treeFlatten, treeUnflatten } from './tree.js';

/** Options of `diffeqsolve`. */
export interface DiffEqSolveOptions<Y extends Tree = Tree, Args = unknown> {
  /** Extra argument passed to the vector field (tensors requiring grad in it get gradients from the adjoints). */
  args?: Args;
  /** What to save (default: the final state). */
  saveat?: SaveAt<Y>;
  /** Step-size controller (default `ConstantStepSize`, which needs `dt0`). */
  stepsizeController?: StepSizeController;
  /** How to differentiate the solve (default `DirectAdjoint`). */
  adjoint?: AbstractAdjoint;
  /** Terminating event. */
  event?: Event<Y>;
  /** Step limit (attempted steps, per sample for independent batches; default 4096). */
  maxSteps?: number;
  /** Throw a `DiffEqError` on failure (default true); otherwise return the result code. */
  throw?: boolean;
  /**
   * 'joint' (default): the state is one system, stepped together. 'independent': the
   * leading dimension of every leaf is a batch whose samples step independently
   * (per-sample step sizes, accept/reject, events and statistics, like torchode); the
   * vector field then receives `t` as a `[batch]` tensor.
   */
  batch?: 'joint' | 'independent';
  /**
   * Floating dtype of the solve. 'auto' (default): float64 when y0 is float64 or not
   * floating, or when the controller's rtol is below 1e-5 (float32 cannot reach it; a
   * warning is recorded in `solution.warnings`); otherwise y0's dtype.
   */
  dtype?: 'auto' | DType;
}

function checkTimes(ts: Float64Array, t0: number, t1: number, what: string): void {
  const dir = t1 >= t0 ? 1 : -1;
  const lo = Math.min(t0, t1);
  const hi = Math.max(t0, t1);
  for (let i = 0; i < ts.length; i++) {
    const v = ts[i]!;
    if (!Number.isFinite(v) || v < lo || v > hi) {
      throw new ArgumentError(`diffeqsolve: ${what}[${i}] = ${v} is outside [t0, t1] = [${t0}, ${t1}]`);
    }
    if (i > 0 && (v - ts[i - 1]!) * dir < 0) {
      throw new ArgumentError(
        `diffeqsolve: ${what} must be sorted in the direction of integration (${what}[${i - 1}] = ${ts[i - 1]}, ${what}[${i}] = ${v})`,
      );
    }
  }
}

/**
 * Solves `dy = f(t, y)·dX` from `t0` to `t1`.
 *
 * @param terms the term (e.g. `new ODETerm(f)`)
 * @param solver the solver (e.g. `new Tsit5()`)
 * @param dt0 the initial step (signed like `t1 − t0`), or null to let an adaptive
 *   controller choose it
 * @param y0 the initial state: a tensor or a tree of tensors
 *
 * @example
 * const sol = diffeqsolve(new ODETerm((t, y) => y.neg()), new Tsit5(), 0, 1, null, y0, {
 *   stepsizeController: new PIDController({ rtol: 1e-6, atol: 1e-9 }),
 *   saveat: new SaveAt({ ts: [0, 0.5, 1] }),
 * });
 */
export function diffeqsolve<Y extends Tree, Args = unknown>(
  terms: AbstractTerm<Y, Args>,
  solver: AbstractSolver,
  t0: number,
  t1: number,
  dt0: number | null | undefined,
  y0: Y,
  opts: DiffEqSolveOptions<Y, Args> = {},
): Solution<Y> {
  const op = 'diffeqsolve';
  if (!terms || typeof (terms as AbstractTerm).vf !== 'function') {
    throw new ArgumentError(`${op}: terms must be a term such as new ODETerm(f)`);
  }
  if (!solver || typeof solver.step !== 'function')
    throw new ArgumentError(`${op}: solver must be a solver such as new Tsit5()`);
  if (typeof t0 !== 'number' || typeof t1 !== 'number' || !Number.isFinite(t0) || !Number.isFinite(t1)) {
    throw new ArgumentError(`${op}: t0 and t1 must be finite numbers (got ${t0}, ${t1})`);
  }
  const dt = dt0 ?? null;
  if (dt !== null && (!Number.isFinite(dt) || dt === 0)) {
    throw new ArgumentError(`${op}: dt0 must be a non-zero finite number or null (got ${dt})`);
  }
  if (dt !== null && t1 !== t0 && Math.sign(dt) !== Math.sign(t1 - t0)) {
    throw new ArgumentError(
      t1 < t0
        ? `${op}: t1 = ${t1} < t0 = ${t0} but dt0 = ${dt} is positive; to integrate backwards in time pass a negative dt0 ` +
            '(or dt0 = null with an adaptive controller)'
        : `${op}: dt0 = ${dt} is negative but t1 = ${t1} > t0 = ${t0}; dt0 must have the sign of t1 − t0`,
    );
  }
  const controller = opts.stepsizeController ?? new ConstantStepSize();
  if (!controller.adaptive && dt === null && !controller.fixedStep?.(t0, 0, t1 >= t0 ? 1 : -1, t1)) {
    throw new ArgumentError(`${op}: ConstantStepSize needs dt0 (or use PIDController with dt0 = null)`);
  }
  if (controller.adaptive && solver.errorOrder === null) {
    throw new ArgumentError(
      `${op}: ${solver.name} has no error estimate, so it cannot be used with an adaptive controller; ` +
        'use ConstantStepSize (with dt0) or an adaptive solver (Heun, Bosh3, Tsit5, Dopri5, Dopri8, Kvaerno5)',
    );
  }
  const maxSteps = opts.maxSteps ?? 4096;
  if (!(maxSteps >= 1)) throw new ArgumentError(`${op}: maxSteps must be ≥ 1 (got ${maxSteps})`);
  const independent = (opts.batch ?? 'joint') === 'independent';
  if (opts.batch !== undefined && opts.batch !== 'joint' && opts.batch !== 'independent') {
    throw new ArgumentError(`${op}: batch must be 'joint' or 'independent' (got '${opts.batch}')`);
  }

  // State leaves and dtype.
  const flat = treeFlatten(y0, `${op}: y0`, 'y0');
  if (flat.leaves.length === 0) throw new ArgumentError(`${op}: y0 has no tensors`);
  const warnings: string[] = [];
  const requested = opts.dtype ?? 'auto';
  let dtype: DType;
  if (requested === 'auto') {
    const any64 = flat.leaves.some((l) => l.dtype === 'float64' || !isFloating(l.dtype));
    const tight = controller.adaptive && controller.rtol < 1e-5;
    dtype = any64 || tight ? 'float64' : 'float32';
    if (!any64 && tight) {
      warnings.push(
        `diffeqsolve: solving in float64 because rtol = ${controller.rtol} is below what float32 can deliver (pass dtype: 'float32' to override)`,
      );
    }
  } else {
    if (!isFloating(requested))
      throw new ArgumentError(`${op}: dtype must be 'auto', 'float32' or 'float64'`);
    dtype = requested;
  }
  const leaves = flat.leaves.map((l) => contiguous(l.dtype === dtype ? l : cast(l, dtype)));
  let rows = 1;
  if (independent) {
    const lead = leaves[0]!.shape[0];
    for (const [i, l] of leaves.entries()) {
      if (l.ndim === 0 || l.shape[0] !== lead) {
        throw new ShapeError(
          `${op}: batch 'independent' needs every state leaf to have the same leading (batch) dimension; ` +
            `${flat.paths[i]} has shape ${fmtShape(l.shape)}${lead !== undefined ? ` (expected [${lead}, …])` : ''}`,
        );
      }
    }
    rows = lead!;
    if (rows === 0) throw new ShapeError(`${op}: the batch is empty`);
  }

  // Saves.
  const saveat = (opts.saveat ?? new SaveAt()) as SaveAt;
  let saveTs: Float64Array[];
  if (saveat.ts === null) saveTs = new Array<Float64Array>(rows).fill(new Float64Array(0));
  else if (Array.isArray(saveat.ts)) {
    if (!independent) throw new ArgumentError(`${op}: per-sample SaveAt.ts need batch: 'independent'`);
    if (saveat.ts.length !== rows) {
      throw new ArgumentError(`${op}: SaveAt.ts has ${saveat.ts.length} rows for a batch of ${rows}`);
    }
    saveTs = saveat.ts;
  } else saveTs = new Array<Float64Array>(rows).fill(saveat.ts as Float64Array);
  const seen = new Set<Float64Array>();
  saveTs.forEach((ts, b) => {
    if (seen.has(ts)) return;
    seen.add(ts);
    checkTimes(ts, t0, t1, independent && Array.isArray(saveat.ts) ? `SaveAt.ts[${b}]` : 'SaveAt.ts');
  });
  if (saveat.steps && independent) {
    throw new ArgumentError(
      `${op}: SaveAt({steps: true}) is not supported with batch: 'independent' (steps differ per sample)`,
    );
  }
  const event = opts.event ?? null;
  if (event !== null && !(event instanceof Event)) throw new ArgumentError(`${op}: event must be an Event`);

  const problem: Problem = {
    term: terms as AbstractTerm,
    solver,
    controller,
    t0,
    t1,
    dt0: dt,
    y0: leaves,
    def: flat.def,
    paths: flat.paths,
    args: opts.args,
    rows,
    independent,
    dtype,
    saveat,
    saveTs,
    maxSteps,
    event: event as Event | null,
  };
  const engine = new Engine(problem);
  const adjoint = opts.adjoint ?? new DirectAdjoint();
  const { run, ys, ts, T } = adjoint.solve(engine);

  // Results.
  const codes = Array.from(run.results, (c) => RESULT_CODES[c]!);
  let result: ResultCode = 'successful';
  let message = '';
  let failed = 0;
  codes.forEach((c, b) => {
    if (c !== 'successful' && c !== 'eventOccurred') {
      failed++;
      if (result === 'successful' || result === 'eventOccurred') {
        result = c;
        message = run.messages[b]!;
      }
    }
  });
  if (failed > 1) message += ` (${failed} of ${rows} samples failed)`;
  if (result === 'successful' && run.eventRows.some((e) => e === 1)) result = 'eventOccurred';
  let steps = 0;
  let accepted = 0;
  let rejected = 0;
  for (let b = 0; b < rows; b++) {
    steps += run.rowSteps[b]!;
    accepted += run.rowAccepted[b]!;
    rejected += run.rowRejected[b]!;
  }
  const c = run.counters;
  const loopTime = Math.max(0, run.wallMs - c.vfTimeMs);
  const sol = new Solution<Y>({
    t0,
    t1,
    ts: T > 0 ? Tensor._fromData(ts, independent ? [T, rows] : [T], 'float64') : null,
    ys: ys ? treeUnflatten<Y>(run.outDef, ys) : null,
    stats: {
      steps,
      accepted,
      rejected,
      iterations: run.iterations,
      fevals: c.fevals,
      jacobianEvals: c.jacobianEvals,
      newtonIters: c.newtonIters,
      newtonFailures: c.newtonFailures,
      maxSteps,
      wallTimeMs: run.wallMs,
      vfTimeMs: c.vfTimeMs,
      loopTimeMs: loopTime,
      loopTimePerStepMs: run.iterations > 0 ? loopTime / run.iterations : 0,
      perSample: independent
        ? {
            steps: run.rowSteps,
            accepted: run.rowAccepted,
            rejected: run.rowRejected,
            results: codes,
            tFinal: run.tFinal,
          }
        : null,
    },
    result,
    message,
    event: event
      ? {
          occurred: run.eventRows.some((e) => e === 1),
          mask: run.eventRows,
          t: Float64Array.from(run.tFinal, (v, b) => (run.eventRows[b] ? v : Number.NaN)),
        }
      : null,
    dtype,
    warnings,
    dense: run.dense,
    def: flat.def,
    rows,
    independent,
    tFinal: run.tFinal,
  });
  if ((opts.throw ?? true) && !sol.ok) throw new DiffEqError(message, result, sol);
  return sol;
}

/** `NeuralODE`: a module whose forward pass solves dy/dt = field(t, y). */
import { ArgumentError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { AnyModule } from '../nn/module.js';
import { Module } from '../nn/module.js';
import { full } from '../ops/creation.js';
import { concat } from '../ops/join.js';
import { reshape } from '../ops/view.js';
import type { AbstractAdjoint } from './adjoint/base.js';
import type { StepSizeController } from './controllers/base.js';
import { ConstantStepSize } from './controllers/constant.js';
import { PIDController } from './controllers/pid.js';
import { diffeqsolve } from './diffeqsolve.js';
import { SaveAt } from './saveat.js';
import type { Solution } from './solution.js';
import type { AbstractSolver } from './solvers/base.js';
import { Tsit5 } from './solvers/explicit-rk.js';
import type { Time } from './terms/base.js';
import { ODETerm } from './terms/ode.js';

/**
 * How time enters the vector field: 'none' (`field.forward(y)`, autonomous), 'concat'
 * (`field.forward([y, t])`: t appended as a last feature) or 'arg' (`field.forward(t, y)`
 * with t a scalar tensor, or `[batch]` for independent batches).
 */
export type TimeInput = 'none' | 'concat' | 'arg';

/** Options of `NeuralODE`. */
export interface NeuralODEOptions {
  /** Solver (default Tsit5). */
  solver?: AbstractSolver;
  /** Integration interval (default [0, 1]). */
  t0?: number;
  t1?: number;
  /** Output times: forward returns `[T, …y.shape]`; without them it returns y(t1). */
  ts?: readonly number[];
  /** Initial step; with a number and no controller the steps are constant. */
  dt0?: number | null;
  /** Tolerances of the default PID controller (defaults 1e-3 / 1e-6). */
  rtol?: number;
  atol?: number;
  /** Explicit controller (overrides rtol/atol/dt0 defaults). */
  stepsizeController?: StepSizeController;
  /** How gradients are computed (default DirectAdjoint). */
  adjoint?: AbstractAdjoint;
  /** Step limit (default 4096). */
  maxSteps?: number;
  /** How time enters the field (default 'none'). */
  time?: TimeInput;
  /** Step the batch jointly (default) or each sample independently. */
  batch?: 'joint' | 'independent';
}

/** Calls a module's forward with time supplied as `mode` says. */
export function callField(field: AnyModule, mode: TimeInput, t: Time, y: Tensor): Tensor {
  const fwd = field as unknown as { forward(...a: unknown[]): Tensor };
  if (mode === 'none') return fwd.forward(y);
  if (mode === 'arg') return fwd.forward(t instanceof Tensor ? t : full([], t, { dtype: y.dtype }), y);
  // concat: append t as a feature along the last axis.
  const lead = y.shape.slice(0, -1);
  let tt: Tensor;
  if (t instanceof Tensor) {
    // [batch] times for independent batches: broadcast over the middle dims.
    tt = reshape(t.to(y.dtype), [
      t.size,
      ...new Array<number>(Math.max(0, lead.length - 1)).fill(1),
      1,
    ]).expand(...lead, 1);
  } else tt = full([...lead, 1], t, { dtype: y.dtype });
  return fwd.forward(concat([y, tt], -1));
}

/**
 * A neural ODE (Chen et al. 2018): `forward(y0)` solves dy/dt = field(t, y) and returns
 * y(t1), or the states at `ts` stacked on a new leading axis. The field's parameters are
 * the module's parameters (and are passed to the adjoints).
 *
 * @example
 * const f = new Sequential(new Linear(2, 32), new Tanh(), new Linear(32, 2));
 * const node = new NeuralODE(f, { t1: 1, rtol: 1e-4, atol: 1e-6 });
 * const y1 = node.forward(y0); // [batch, 2]
 */
export class NeuralODE extends Module<[Tensor], Tensor> {
  /** The vector field. */
  readonly field: AnyModule;
  /** Options (mutable, e.g. to change tolerances during training). */
  opts: NeuralODEOptions;
  /** The solution of the last forward call. */
  lastSolution: Solution<Tensor> | null = null;

  constructor(field: AnyModule, opts: NeuralODEOptions = {}) {
    super();
    if (!(field instanceof Module)) throw new ArgumentError('NeuralODE: field must be a Module');
    this.field = field;
    this.opts = opts;
    Object.defineProperty(this, 'lastSolution', { enumerable: false, writable: true, value: null });
  }

  /** The term integrated by this model. */
  term(): ODETerm<Tensor> {
    const mode = this.opts.time ?? 'none';
    return new ODETerm<Tensor>((t, y) => callField(this.field, mode, t, y), { params: this.field });
  }

  /** Solves from y0 with optional overrides of the options; returns the full solution. */
  solve(y0: Tensor, overrides: NeuralODEOptions = {}): Solution<Tensor> {
    const o = { ...this.opts, ...overrides };
    const t0 = o.t0 ?? 0;
    const t1 = o.t1 ?? 1;
    const dt0 = o.dt0 ?? null;
    const controller =
      o.stepsizeController ??
      (dt0 !== null && o.rtol === undefined && o.atol === undefined
        ? new ConstantStepSize()
        : new PIDController({ rtol: o.rtol ?? 1e-3, atol: o.atol ?? 1e-6 }));
    const sol = diffeqsolve(this.term(), o.solver ?? new Tsit5(), t0, t1, dt0, y0, {
      saveat: o.ts ? new SaveAt({ ts: o.ts }) : new SaveAt({ t1: true }),
      stepsizeController: controller,
      ...(o.adjoint ? { adjoint: o.adjoint } : {}),
      ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}),
      ...(o.batch ? { batch: o.batch } : {}),
      dtype: y0.dtype === 'float64' ? 'float64' : 'auto',
    });
    this.lastSolution = sol;
    return sol;
  }

  /** y(t1) (shape of y0), or `[T, …y0.shape]` when `ts` is set. */
  forward(y0: Tensor): Tensor {
    const sol = this.solve(y0);
    const ys = sol.ys!;
    return this.opts.ts ? ys : reshape(ys, y0.shape);
  }

  override extraRepr(): string {
    return `t=[${this.opts.t0 ?? 0}, ${this.opts.t1 ?? 1}], solver=${(this.opts.solver ?? new Tsit5()).name}`;
  }
}

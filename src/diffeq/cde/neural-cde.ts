/**
 * `NeuralCDE` (Kidger et al. 2020): z(t0) = ζ_θ(X(t0)), dz = f_θ(z)·dX(t), output = ℓ_θ(z(T)),
 * with X an interpolated data path.
 */
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { ReLU, Softplus, Tanh } from '../../nn/layers/activation.js';
import { Sequential } from '../../nn/layers/containers.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import { reshape } from '../../ops/view.js';
import type { PRNGKey } from '../../random/key.js';
import { splitKey } from '../../random/key.js';
import type { AbstractAdjoint } from '../adjoint/base.js';
import { BacksolveAdjoint, InterpolatedAdjoint } from '../adjoint/continuous.js';
import type { StepSizeController } from '../controllers/base.js';
import { ConstantStepSize } from '../controllers/constant.js';
import { PIDController } from '../controllers/pid.js';
import { diffeqsolve } from '../diffeqsolve.js';
import type { AbstractPath } from '../path.js';
import { SaveAt } from '../saveat.js';
import type { Solution } from '../solution.js';
import type { AbstractSolver } from '../solvers/base.js';
import { Tsit5 } from '../solvers/explicit-rk.js';
import type { AbstractTerm } from '../terms/base.js';
import { ControlTerm } from '../terms/control.js';
import { ODETerm } from '../terms/ode.js';
import { InterpolatedPath } from './path.js';

/**
 * How the CDE is integrated:
 * - `'ode'` (Diffrax's `ControlTerm(...).to_ode()`, torchcde's `cdeint`): dz/dt = f(z)·dX/dt
 *   using the path's derivative — any ODE solver, adaptive stepping and every adjoint work.
 *   The default for Hermite paths (C¹).
 * - `'control'`: the `ControlTerm` itself: each step uses the increment X(t_{n+1}) − X(t_n) for
 *   all its stages. Exact for a linear piece, so it is the default for linear and rectilinear
 *   paths, whose derivative jumps at the knots (an ODE stage evaluated exactly at a knot would
 *   see the next piece's slope); the default adaptive controller then ends steps on the knots
 *   (`jumpTs`), and with constant steps `dt0` should divide the knot spacing. For other paths
 *   it is first order. Needs a discretise-then-optimise adjoint (Direct or RecursiveCheckpoint).
 */
export type CDEMode = 'ode' | 'control';

/** Options of `NeuralCDE`. */
export interface NeuralCDEOptions {
  /** Width of the vector-field MLP (default 128). */
  width?: number;
  /** Hidden layers of the vector-field MLP (default 1). */
  depth?: number;
  /** Activation of the hidden layers (default softplus; the final activation is always tanh). */
  activation?: 'softplus' | 'relu' | 'tanh';
  /** Solver (default Tsit5). */
  solver?: AbstractSolver;
  /** Fixed step (with no rtol/atol/controller: constant steps). */
  dt0?: number | null;
  /** Tolerances of the default PID controller (defaults 1e-3 / 1e-6). */
  rtol?: number;
  atol?: number;
  /** Explicit controller (overrides the defaults). */
  stepsizeController?: StepSizeController;
  /**
   * Make the default PID controller end steps on the path's knots (`jumpTs`; default: true for
   * piecewise-linear paths, false for Hermite paths, whose second derivative only jumps there).
   */
  knotJumps?: boolean;
  /** How gradients are computed (default DirectAdjoint). */
  adjoint?: AbstractAdjoint;
  /** Step limit (default 4096). */
  maxSteps?: number;
  /** 'ode' or 'control' (default: 'ode' for Hermite paths, 'control' for linear/rectilinear; see `CDEMode`). */
  mode?: CDEMode;
  /** Read out at these times (`[T, …batch, outputs]`) instead of only at the end of the path. */
  ts?: readonly number[];
  /** Parameter dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Key for reproducible initialisation. */
  key?: PRNGKey;
}

/** `f_θ`: MLP hidden → width (×depth) → hidden·channels with a final tanh, reshaped to a matrix. */
class CDEField extends Module {
  readonly net: Sequential;
  constructor(
    readonly hidden: number,
    readonly channels: number,
    width: number,
    depth: number,
    activation: 'softplus' | 'relu' | 'tanh',
    dtype: 'float32' | 'float64',
    key: PRNGKey | undefined,
  ) {
    super();
    const keys = key ? splitKey(key, depth + 1) : new Array<undefined>(depth + 1).fill(undefined);
    const act = () =>
      activation === 'relu' ? new ReLU() : activation === 'tanh' ? new Tanh() : new Softplus();
    const layers: Module[] = [];
    let fan = hidden;
    for (let i = 0; i < depth; i++) {
      layers.push(new Linear(fan, width, { dtype, key: keys[i] }), act());
      fan = width;
    }
    layers.push(new Linear(fan, hidden * channels, { dtype, key: keys[depth] }), new Tanh());
    this.net = new Sequential(...(layers as never[]));
  }
  /** `[…, hidden]` → `[…, hidden, channels]`. */
  forward(z: Tensor): Tensor {
    const out = this.net.forward(z);
    return reshape(out, [...z.shape, this.channels]);
  }
}

/**
 * A neural controlled differential equation (Kidger, Morrill, Foster, Lyons 2020):
 * `z(t0) = ζ_θ(X(t0))` (linear), `dz = f_θ(z) dX(t)` with `f_θ` an MLP ending in tanh that
 * returns a `[hidden, channels]` matrix, and a linear readout of `z(t1)` (or of z at `ts`).
 * The CDE is solved by `diffeqsolve` with a `ControlTerm(f, path)` (see `CDEMode`). Gradients
 * flow to the parameters and, through the path's coefficients, to the data values; the
 * continuous adjoints receive both.
 *
 * @example
 * const path = hermiteCubicBackwardDifferences(x, { times, timeChannel: true });
 * const model = new NeuralCDE(path.shape.at(-1)!, 8, 1, { width: 128 });
 * const logits = model.forward(path); // [batch, 1]
 */
export class NeuralCDE extends Module<[AbstractPath], Tensor> {
  /** ζ_θ: channels → hidden. */
  readonly initial: Linear;
  /** f_θ: hidden → [hidden, channels]. */
  readonly field: CDEField;
  /** Readout: hidden → outputs. */
  readonly readout: Linear;
  /** Options (mutable, e.g. to change tolerances during training). */
  opts: NeuralCDEOptions;
  /** The solution of the last forward call. */
  lastSolution: Solution<Tensor> | null = null;

  constructor(
    readonly channels: number,
    readonly hidden: number,
    readonly outputs: number,
    opts: NeuralCDEOptions = {},
  ) {
    super();
    for (const [name, v] of [
      ['channels', channels],
      ['hidden', hidden],
      ['outputs', outputs],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`NeuralCDE: ${name} must be a positive integer (got ${v})`);
    const dtype = opts.dtype ?? 'float32';
    const [k0, k1, k2] = opts.key ? splitKey(opts.key, 3) : [undefined, undefined, undefined];
    this.initial = new Linear(channels, hidden, { dtype, key: k0 });
    this.field = new CDEField(
      hidden,
      channels,
      opts.width ?? 128,
      opts.depth ?? 1,
      opts.activation ?? 'softplus',
      dtype,
      k1,
    );
    this.readout = new Linear(hidden, outputs, { dtype, key: k2 });
    this.opts = opts;
    Object.defineProperty(this, 'lastSolution', { enumerable: false, writable: true, value: null });
  }

  /** The mode used for `path` (the option, else 'control' for piecewise-linear paths and 'ode' otherwise). */
  modeFor(path: AbstractPath, mode: CDEMode | undefined = this.opts.mode): CDEMode {
    if (mode !== undefined) return mode;
    if (path instanceof InterpolatedPath) return path.kind === 'hermite' ? 'ode' : 'control';
    return typeof path.derivative === 'function' ? 'ode' : 'control';
  }

  /** The term integrated for `path` (an `ODETerm` in 'ode' mode, the `ControlTerm` in 'control' mode). */
  term(path: AbstractPath, mode: CDEMode = this.modeFor(path)): AbstractTerm<Tensor> {
    // Declared for the continuous adjoints: the field's parameters and the path's coefficients.
    const params = [
      ...this.field.parameters(),
      ...(path instanceof InterpolatedPath ? path.tensors().filter((t) => t.requiresGrad) : []),
    ];
    const control = new ControlTerm<Tensor>((_t, z) => this.field.forward(z), path, { params });
    if (mode === 'control') return control;
    if (mode !== 'ode')
      throw new ArgumentError(`NeuralCDE: mode must be 'ode' or 'control' (got ${String(mode)})`);
    const deriv = path.derivative;
    if (typeof deriv !== 'function')
      throw new ArgumentError("NeuralCDE: mode 'ode' needs a path with a derivative; use mode 'control'");
    return new ODETerm<Tensor>(
      (t, z) => {
        if (typeof t !== 'number')
          throw new ArgumentError('NeuralCDE: per-sample (independent) time stepping is not supported');
        return control.prod(control.vf(t, z, undefined), deriv.call(path, t));
      },
      { params },
    );
  }

  /** Solves the CDE along `path` and returns the solution of the hidden state. */
  solve(path: AbstractPath, overrides: NeuralCDEOptions = {}): Solution<Tensor> {
    const o = { ...this.opts, ...overrides };
    const C = path.shape[path.shape.length - 1];
    if (C !== this.channels)
      throw new ShapeError(
        `NeuralCDE: the path has shape ${fmtShape(path.shape)} (channels ${C}) but the model expects ${this.channels} channels`,
      );
    const x0 = path.evaluate(path.t0);
    const z0 = this.initial.forward(
      x0.dtype === this.initial.weight.dtype ? x0 : x0.to(this.initial.weight.dtype),
    );
    const dt0 = o.dt0 ?? null;
    const jumps =
      path instanceof InterpolatedPath && (o.knotJumps ?? path.kind !== 'hermite')
        ? [...path.grid]
        : undefined;
    const controller =
      o.stepsizeController ??
      (dt0 !== null && o.rtol === undefined && o.atol === undefined
        ? new ConstantStepSize()
        : new PIDController({
            rtol: o.rtol ?? 1e-3,
            atol: o.atol ?? 1e-6,
            ...(jumps ? { jumpTs: jumps } : {}),
          }));
    const mode = this.modeFor(path, o.mode);
    if (
      mode === 'control' &&
      (o.adjoint instanceof BacksolveAdjoint || o.adjoint instanceof InterpolatedAdjoint)
    )
      throw new ArgumentError(
        `NeuralCDE: ${o.adjoint.name} needs mode 'ode' (the continuous adjoints differentiate dz/dt = f(z)·dX/dt); use DirectAdjoint or RecursiveCheckpointAdjoint with mode 'control'`,
      );
    const sol = diffeqsolve(this.term(path, mode), o.solver ?? new Tsit5(), path.t0, path.t1, dt0, z0, {
      saveat: o.ts ? new SaveAt({ ts: o.ts }) : new SaveAt({ t1: true }),
      stepsizeController: controller,
      ...(o.adjoint ? { adjoint: o.adjoint } : {}),
      ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}),
      dtype: z0.dtype === 'float64' ? 'float64' : 'auto',
    });
    this.lastSolution = sol;
    return sol;
  }

  /** The readout of z(t1) (`[…batch, outputs]`), or of z at `ts` (`[T, …batch, outputs]`). */
  forward(path: AbstractPath): Tensor {
    const sol = this.solve(path);
    const ys = sol.ys!;
    const z = this.opts.ts ? ys : reshape(ys, ys.shape.slice(1));
    return this.readout.forward(z);
  }

  override extraRepr(): string {
    return `channels=${this.channels}, hidden=${this.hidden}, outputs=${this.outputs}, mode=${this.opts.mode ?? 'auto'}`;
  }
}

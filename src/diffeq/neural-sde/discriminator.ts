/**
 * The SDE-GAN discriminator: a neural CDE on the sample path (Kidger et al. 2021),
 * H₀ = ξ_φ(t₀, Y₀), dH = f_φ(t, H)dt + g_φ(t, H)∘dY, D = m_φ·H averaged over t₀ and t₁.
 */

import { noGrad } from '../../autograd/mode.js';
import type { DType } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import { mean } from '../../ops/reduce.js';
import { reshape } from '../../ops/view.js';
import type { PRNGKey } from '../../random/key.js';
import type { AbstractAdjoint } from '../adjoint/base.js';
import { linearInterpolation } from '../cde/interpolation.js';
import { StepTo } from '../controllers/constant.js';
import { diffeqsolve } from '../diffeqsolve.js';
import { SaveAt } from '../saveat.js';
import { ControlTerm } from '../terms/control.js';
import { MultiTerm } from '../terms/multi.js';
import { ODETerm } from '../terms/ode.js';
import { MatrixField, subKeysOf, TimeField, withTime } from './fields.js';
import { MLP } from './mlp.js';
import { checkTimes, makeSolver, refineGrid, type SolverChoice, type Times } from './times.js';

/** Options of `CDEDiscriminator` (defaults: the spec's sizes). */
export interface CDEDiscriminatorOptions {
  /** Size of the hidden state H (default 16). */
  hiddenSize?: number;
  /** Width of the MLPs (default 16). */
  width?: number;
  /** Hidden layers of the MLPs (default 1). */
  depth?: number;
  /** Solver (default reversible Heun). */
  solver?: SolverChoice;
  /** Solver steps per interval of the observation times (default 1; steps end on the knots). */
  substeps?: number;
  /** How the solve is differentiated (default `DirectAdjoint`). */
  adjoint?: AbstractAdjoint;
  /** Multiply t by this before feeding it to the networks (default 1). */
  timeScale?: number;
  /** Parameter dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Key for a reproducible initialisation. */
  key?: PRNGKey;
}

/**
 * A neural-CDE discriminator for sample paths `[batch, T, dataSize]` observed at shared
 * times `ts` (NaN = missing). The data are linearly interpolated (missing values bridged
 * within each channel, NaNs at the start replaced by 0, the last observation carried
 * forward — Diffrax's `linear_interpolation(replace_nans_at_start=0, fill_forward_nans_at_end=True)`),
 * and the CDE is solved with steps on the observation times. ξ_φ (on `[t₀, Y₀]`), f_φ and g_φ
 * are MLPs with LipSwish hidden activations (f_φ, g_φ with a final tanh, no scale), so that
 * clipping every linear weight to ±1/out_features (`clipWeights`) bounds the Lipschitz
 * constant of the discriminator. Differentiable w.r.t. the parameters and the data.
 *
 * @example
 * const disc = new CDEDiscriminator(1, { key: randomKey(2) });
 * const score = disc.forward(ts, ys); // [batch]
 */
export class CDEDiscriminator extends Module<[Times, Tensor], Tensor> {
  /** ξ_φ: `[t₀, Y₀]` → H₀. */
  readonly initial: MLP;
  /** f_φ(t, H). */
  readonly drift: TimeField;
  /** g_φ(t, H): `[…, hidden, dataSize]`. */
  readonly control: MatrixField;
  /** m_φ: H → score. */
  readonly readout: Linear;
  readonly hiddenSize: number;
  readonly dtype: DType;
  readonly timeScale: number;
  /** Options (mutable). */
  opts: CDEDiscriminatorOptions;

  constructor(
    readonly dataSize: number,
    opts: CDEDiscriminatorOptions = {},
  ) {
    super();
    const H = opts.hiddenSize ?? 16;
    for (const [name, v] of [
      ['dataSize', dataSize],
      ['hiddenSize', H],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`CDEDiscriminator: ${name} must be a positive integer (got ${v})`);
    this.hiddenSize = H;
    this.dtype = opts.dtype ?? 'float32';
    this.timeScale = opts.timeScale ?? 1;
    const [k0, k1, k2, k3] = subKeysOf(opts.key, 4);
    const mlp = {
      width: opts.width ?? 16,
      depth: opts.depth ?? 1,
      dtype: opts.dtype,
      timeScale: opts.timeScale,
    };
    this.initial = new MLP(1 + dataSize, H, { ...mlp, activation: 'lipswish', key: k0 });
    this.drift = new TimeField(H, H, { ...mlp, finalActivation: 'tanh', key: k1 });
    this.control = new MatrixField(H, H, dataSize, { ...mlp, finalActivation: 'tanh', key: k2 });
    this.readout = new Linear(H, 1, { dtype: this.dtype, key: k3 });
    this.opts = opts;
    makeSolver('CDEDiscriminator', opts.solver);
  }

  /** The parameters of the initial network ξ_φ (the spec scales their updates by 10). */
  initialParameters(): Tensor[] {
    return this.initial.parameters();
  }

  /** Every `Linear` layer of the discriminator. */
  linearLayers(): Linear[] {
    return this.modules().filter((m): m is Linear => m instanceof Linear);
  }

  /**
   * Clips every linear layer's weight entries to [−1/out_features, 1/out_features] (in
   * place; the spec's "careful clipping"). Call after every optimiser step.
   */
  clipWeights(): void {
    noGrad(() => {
      for (const l of this.linearLayers()) {
        const lim = 1 / l.outFeatures;
        const w = l.weight;
        const d = w._storage.data as Float32Array | Float64Array;
        let changed = false;
        for (let i = 0; i < d.length; i++) {
          const v = d[i]!;
          if (v > lim) {
            d[i] = lim;
            changed = true;
          } else if (v < -lim) {
            d[i] = -lim;
            changed = true;
          }
        }
        if (changed) w._storage.version++;
      }
    });
  }

  /** `[batch]` scores of the paths `ys` (`[batch, T, dataSize]`) observed at `ts`. */
  forward(ts: Times, ys: Tensor): Tensor {
    const op = 'CDEDiscriminator';
    const t = checkTimes(op, ts);
    if (ys.ndim !== 3 || ys.shape[1] !== t.length || ys.shape[2] !== this.dataSize)
      throw new ShapeError(
        `${op}: ys must be [batch, T = ${t.length}, dataSize = ${this.dataSize}] (got ${fmtShape(ys.shape)})`,
      );
    const y = ys.dtype === this.dtype ? ys : ys.to(this.dtype);
    const path = linearInterpolation(y, { times: t, replaceNansAtStart: 0 });
    const t0 = t[0]!;
    const t1 = t[t.length - 1]!;
    const h0 = this.initial.forward(withTime(op, t0, path.evaluate(t0), this.timeScale));
    const drift = new ODETerm<Tensor>((tt, h) => this.drift.forward(tt, h), { params: this.drift });
    const cdeTerm = new ControlTerm<Tensor>((tt, h) => this.control.forward(tt, h), path, {
      params: [...this.control.parameters(), ...path.tensors().filter((x) => x.requiresGrad)],
    });
    const grid = refineGrid(op, t, this.opts.substeps ?? 1);
    const sol = diffeqsolve(
      new MultiTerm(drift, cdeTerm),
      makeSolver(op, this.opts.solver),
      t0,
      t1,
      grid[1]! - t0,
      h0,
      {
        saveat: new SaveAt({ t0: true, t1: true }),
        stepsizeController: new StepTo(grid),
        maxSteps: grid.length + 1,
        ...(this.opts.adjoint ? { adjoint: this.opts.adjoint } : {}),
        dtype: this.dtype,
      },
    );
    const scores = this.readout.forward(sol.ys!); // [2, batch, 1]
    return reshape(mean(scores, 0), [ys.shape[0]!]);
  }

  override extraRepr(): string {
    return `data=${this.dataSize}, hidden=${this.hiddenSize}`;
  }
}

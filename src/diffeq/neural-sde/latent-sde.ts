/**
 * Latent SDE (Li, Wong, Chen & Duvenaud 2020; torchsde's `latent_sde` examples): a
 * variational model of time series whose latent path follows an SDE.
 *
 * - Prior: Z₀ ~ N(μ_p, σ_p²), dZ = h_θ(t, Z)dt + g_θ(Z)dW.
 * - Posterior: Z₀ ~ N(μ_q(c₀), σ_q(c₀)²), dZ = f_φ(t, Z, c_t)dt + g_θ(Z)dW, with the context
 *   c_t from a GRU run backwards over the observations. The diffusion is **shared**, which
 *   keeps the KL between the path measures finite.
 * - ELBO = E_q[Σᵢ log p(y_{tᵢ} | Z_{tᵢ})] − KL(q(Z₀) ‖ p(Z₀)) − E_q ∫ ½‖(f − h)/g‖² dt, the last
 *   term integrated alongside Z as an extra state channel with zero diffusion (torchsde's
 *   `logqp=True`).
 */
import type { DType } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { add, div, mul, sub } from '../../ops/binary.js';
import { zeros } from '../../ops/creation.js';
import { chunk, concat } from '../../ops/join.js';
import { mean, sum } from '../../ops/reduce.js';
import { abs, exp, square } from '../../ops/unary.js';
import { narrow, permute, select, unsqueeze } from '../../ops/view.js';
import { type PRNGKey, splitKey } from '../../random/key.js';
import { randn } from '../../random/sample.js';
import type { AbstractAdjoint } from '../adjoint/base.js';
import { BrownianInterval } from '../brownian/interval.js';
import { StepTo } from '../controllers/constant.js';
import { diffeqsolve } from '../diffeqsolve.js';
import { SaveAt } from '../saveat.js';
import type { Solution } from '../solution.js';
import type { Time } from '../terms/base.js';
import { ControlTerm } from '../terms/control.js';
import { MultiTerm } from '../terms/multi.js';
import { ODETerm } from '../terms/ode.js';
import { DiagonalDiffusion } from './diagonal.js';
import { subKeysOf, TimeField } from './fields.js';
import { ReverseGRUEncoder } from './gru.js';
import { checkTimes, makeSolver, refineGrid, type SolverChoice, type Times } from './times.js';

/**
 * The KL integrand `½‖(f − h)/g‖²` (summed over the last axis) between two SDEs with drifts
 * f (posterior) and h (prior) and the same diagonal diffusion g (Girsanov). Zero when f = h.
 */
export function pathKLIntegrand(posteriorDrift: Tensor, priorDrift: Tensor, diffusion: Tensor): Tensor {
  const s = posteriorDrift.shape;
  const same = (a: readonly number[]) => a.length === s.length && a.every((v, i) => v === s[i]);
  if (!same(priorDrift.shape) || !same(diffusion.shape))
    throw new ShapeError(
      `pathKLIntegrand: drifts and diffusion must have the same shape (got ${fmtShape(s)}, ${fmtShape(priorDrift.shape)}, ${fmtShape(diffusion.shape)})`,
    );
  const u = div(sub(posteriorDrift, priorDrift), diffusion);
  return mul(sum(square(u), -1), 0.5);
}

/** KL(N(μq, σq²) ‖ N(μp, σp²)) summed over the last axis, from means and log-standard deviations. */
export function gaussianKL(meanQ: Tensor, logStdQ: Tensor, meanP: Tensor, logStdP: Tensor): Tensor {
  // log σp − log σq + (σq² + (μq − μp)²)/(2σp²) − ½
  const varP = exp(mul(logStdP, 2));
  const t = div(add(exp(mul(logStdQ, 2)), square(sub(meanQ, meanP))), mul(varP, 2));
  return sum(sub(add(sub(logStdP, logStdQ), t), 0.5), -1);
}

/** Observation models of `LatentSDE`. */
export type Likelihood = 'gaussian' | 'laplace';

/** Options of `LatentSDE`. */
export interface LatentSDEOptions {
  /** Latent dimension (default 4). */
  latentSize?: number;
  /** Context dimension (default 16). */
  contextSize?: number;
  /** Hidden size of the GRU encoder (default 16). */
  encoderHidden?: number;
  /** Width of the drift MLPs (default 32). */
  width?: number;
  /** Hidden layers of the drift MLPs (default 1). */
  depth?: number;
  /** Width of each channel's diffusion network (default 16). */
  diffusionWidth?: number;
  /** Observation model (default `'gaussian'`). */
  likelihood?: Likelihood;
  /** Its scale: the standard deviation (Gaussian) or b (Laplace); default 0.1. */
  observationScale?: number;
  /** SDE solver (default Euler–Maruyama). */
  solver?: SolverChoice;
  /** Solver steps per observation interval (default 1). */
  substeps?: number;
  /** How the solve is differentiated (default `DirectAdjoint`). */
  adjoint?: AbstractAdjoint;
  /** Multiply t by this before feeding it to the drifts (default 1). */
  timeScale?: number;
  /** Parameter dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Key for a reproducible initialisation. */
  key?: PRNGKey;
}

/** Per-call options of `LatentSDE.elbo`. */
export interface ELBOOptions {
  /** Weight of the KL terms in `loss` (KL annealing; default 1). */
  klWeight?: number;
}

/** What `LatentSDE.elbo` returns (batch means). */
export interface LatentSDEOutput {
  /** −(logLikelihood − klWeight·(klInitial + klPath)): minimise this. */
  loss: Tensor;
  /** logLikelihood − klInitial − klPath. */
  elbo: Tensor;
  /** E_q Σᵢ log p(y_{tᵢ} | Z_{tᵢ}). */
  logLikelihood: Tensor;
  /** KL(q(Z₀) ‖ p(Z₀)). */
  klInitial: Tensor;
  /** E_q ∫ ½‖(f − h)/g‖² dt. */
  klPath: Tensor;
  /** Posterior latent paths `[T, batch, latent]`. */
  zs: Tensor;
  /** Reconstructions `[batch, T, dataSize]`. */
  reconstruction: Tensor;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * A latent SDE for time series `[batch, T, dataSize]` observed at shared times `ts`.
 * `elbo(ts, ys, key)` fits it (minimise `loss`); `samplePrior(ts, batch, key)` generates.
 *
 * Components: a reversed-time GRU encoder (`ReverseGRUEncoder`) giving a context c_i for
 * each observation time; q(Z₀) from c₀; posterior drift f_φ = MLP([t, Z, c_t]) with c_t the
 * context of the observation interval containing t; prior drift h_θ = MLP([t, Z]); a
 * diagonal diffusion g_θ(Z) ∈ (0, 1) shared by both (`DiagonalDiffusion`); a linear
 * decoder to data space and a Gaussian or Laplace likelihood with a fixed scale.
 *
 * @example
 * const model = new LatentSDE(1, { latentSize: 4, key: randomKey(0) });
 * const out = model.elbo(ts, ys, randomKey(1));
 * out.loss.backward();
 */
export class LatentSDE extends Module<[Times, Tensor, PRNGKey], LatentSDEOutput> {
  readonly encoder: ReverseGRUEncoder;
  /** c₀ → [μ_q, log σ_q]. */
  readonly qz0: Linear;
  readonly pz0Mean: Parameter;
  readonly pz0LogStd: Parameter;
  /** f_φ(t, [Z, c]). */
  readonly posteriorDrift: TimeField;
  /** h_θ(t, Z). */
  readonly priorDrift: TimeField;
  /** g_θ(Z), diagonal. */
  readonly diffusion: DiagonalDiffusion;
  /** Z → data. */
  readonly projector: Linear;
  readonly latentSize: number;
  readonly contextSize: number;
  readonly dtype: DType;
  /** Options (mutable). */
  opts: LatentSDEOptions;

  constructor(
    readonly dataSize: number,
    opts: LatentSDEOptions = {},
  ) {
    super();
    const L = opts.latentSize ?? 4;
    const C = opts.contextSize ?? 16;
    const sizes = { dataSize, latentSize: L, contextSize: C, encoderHidden: opts.encoderHidden ?? 16 };
    for (const [name, v] of Object.entries(sizes))
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`LatentSDE: ${name} must be a positive integer (got ${v})`);
    const lik = opts.likelihood ?? 'gaussian';
    if (lik !== 'gaussian' && lik !== 'laplace')
      throw new ArgumentError(`LatentSDE: likelihood must be 'gaussian' or 'laplace' (got ${String(lik)})`);
    const scale = opts.observationScale ?? 0.1;
    if (!(scale > 0)) throw new ArgumentError(`LatentSDE: observationScale must be positive (got ${scale})`);
    this.latentSize = L;
    this.contextSize = C;
    this.dtype = opts.dtype ?? 'float32';
    const dtype = this.dtype;
    const [k0, k1, k2, k3, k4, k5] = subKeysOf(opts.key, 6);
    const mlp = {
      width: opts.width ?? 32,
      depth: opts.depth ?? 1,
      activation: 'softplus' as const,
      dtype,
      timeScale: opts.timeScale,
    };
    this.encoder = new ReverseGRUEncoder(dataSize, sizes.encoderHidden, C, { dtype, key: k0 });
    this.qz0 = new Linear(C, 2 * L, { dtype, key: k1 });
    this.pz0Mean = new Parameter(zeros([L], { dtype }));
    this.pz0LogStd = new Parameter(zeros([L], { dtype }));
    this.posteriorDrift = new TimeField(L + C, L, { ...mlp, key: k2 });
    this.priorDrift = new TimeField(L, L, { ...mlp, key: k3 });
    this.diffusion = new DiagonalDiffusion(L, opts.diffusionWidth ?? 16, { dtype, key: k4 });
    this.projector = new Linear(L, dataSize, { dtype, key: k5 });
    this.opts = opts;
    makeSolver('LatentSDE', opts.solver ?? 'euler-maruyama');
  }

  /** `log p(y | Z)` summed over time and channels, averaged over the batch; `xs`, `ys` `[batch, T, D]`. */
  logLikelihood(xs: Tensor, ys: Tensor): Tensor {
    const s = this.opts.observationScale ?? 0.1;
    if ((this.opts.likelihood ?? 'gaussian') === 'laplace') {
      // log p = −|y − x|/b − log(2b)
      const lp = sub(mul(abs(sub(ys, xs)), -1 / s), Math.log(2 * s));
      return mean(sum(lp, [1, 2]));
    }
    const lp = sub(mul(square(sub(ys, xs)), -0.5 / (s * s)), Math.log(s) + 0.5 * LOG_2PI);
    return mean(sum(lp, [1, 2]));
  }

  /** The posterior drift, prior drift and diffusion at (t, Z) with context c (for tests and diagnostics). */
  fields(t: Time, z: Tensor, context: Tensor): { posterior: Tensor; prior: Tensor; diffusion: Tensor } {
    return {
      posterior: this.posteriorDrift.forward(t, concat([z, context], -1)),
      prior: this.priorDrift.forward(t, z),
      diffusion: this.diffusion.forward(z),
    };
  }

  /** Solves an SDE of the latent state (or augmented state) saving at `ts`. */
  private solve(
    ts: Float64Array,
    y0: Tensor,
    driftFn: (t: Time, y: Tensor) => Tensor,
    diffFn: (t: Time, y: Tensor) => Tensor,
    key: PRNGKey,
  ): Solution<Tensor> {
    const grid = refineGrid('LatentSDE', ts, this.opts.substeps ?? 1);
    const t0 = ts[0]!;
    const t1 = ts[ts.length - 1]!;
    const bm = new BrownianInterval({ t0, t1, shape: y0.shape, dtype: this.dtype, key, dt: grid[1]! - t0 });
    const drift = new ODETerm<Tensor>(driftFn, { params: this });
    const diffusion = new ControlTerm<Tensor>(diffFn, bm, { noise: 'diagonal', params: this.diffusion });
    return diffeqsolve(
      new MultiTerm(drift, diffusion),
      makeSolver('LatentSDE', this.opts.solver ?? 'euler-maruyama'),
      t0,
      t1,
      grid[1]! - t0,
      y0,
      {
        saveat: new SaveAt({ ts }),
        stepsizeController: new StepTo(grid),
        maxSteps: grid.length + 1,
        ...(this.opts.adjoint ? { adjoint: this.opts.adjoint } : {}),
        dtype: this.dtype,
      },
    );
  }

  /**
   * The ELBO of `ys` (`[batch, T, dataSize]`, finite) observed at `ts`, with one posterior
   * sample per series drawn from `key`.
   */
  elbo(ts: Times, ys: Tensor, key: PRNGKey, opts: ELBOOptions = {}): LatentSDEOutput {
    const op = 'LatentSDE.elbo';
    const t = checkTimes(op, ts);
    const T = t.length;
    if (ys.ndim !== 3 || ys.shape[1] !== T || ys.shape[2] !== this.dataSize)
      throw new ShapeError(
        `${op}: ys must be [batch, T = ${T}, dataSize = ${this.dataSize}] (got ${fmtShape(ys.shape)})`,
      );
    const y = ys.dtype === this.dtype ? ys : ys.to(this.dtype);
    const yd = y._contiguousData();
    for (let i = 0; i < yd.length; i++)
      if (!Number.isFinite(yd[i]!))
        throw new ArgumentError(`${op}: ys must be finite (entry ${i} is ${yd[i]})`);
    const klWeight = opts.klWeight ?? 1;
    const B = ys.shape[0]!;
    const L = this.latentSize;
    const [kz, kw] = splitKey(key, 2);
    const ctx = this.encoder.forward(y); // [T, B, C]
    const [qm, qls] = chunk(this.qz0.forward(select(ctx, 0, 0)), 2, -1) as [Tensor, Tensor];
    const z0 = add(qm, mul(exp(qls), randn([B, L], { dtype: this.dtype, key: kz })));
    const klInitial = mean(gaussianKL(qm, qls, this.pz0Mean, this.pz0LogStd));
    const span = Math.max(1, Math.abs(t[T - 1]!), Math.abs(t[0]!));
    const contextAt = (tt: number): Tensor => {
      // The observation interval [t_i, t_{i+1}) containing tt (tolerant of step-time round-off).
      let i = 0;
      while (i + 1 < T && t[i + 1]! <= tt + 1e-9 * span) i++;
      return select(ctx, 0, i);
    };
    const driftFn = (tt: Time, a: Tensor): Tensor => {
      const z = narrow(a, -1, 0, L);
      const f = this.fields(tt, z, contextAt(tt as number));
      const kl = pathKLIntegrand(f.posterior, f.prior, f.diffusion);
      return concat([f.posterior, unsqueeze(kl, -1)], -1);
    };
    const diffFn = (_t: Time, a: Tensor): Tensor => {
      const z = narrow(a, -1, 0, L);
      return concat([this.diffusion.forward(z), zeros([B, 1], { dtype: this.dtype })], -1);
    };
    const a0 = concat([z0, zeros([B, 1], { dtype: this.dtype })], -1);
    const sol = this.solve(t, a0, driftFn, diffFn, kw!);
    const as = sol.ys!; // [T, B, L + 1]
    const zs = narrow(as, -1, 0, L);
    const klPath = mean(select(select(as, 0, T - 1), -1, L));
    const reconstruction = permute(this.projector.forward(zs), [1, 0, 2]);
    const logLikelihood = this.logLikelihood(reconstruction, y);
    const kl = add(klInitial, klPath);
    return {
      loss: sub(mul(kl, klWeight), logLikelihood),
      elbo: sub(logLikelihood, kl),
      logLikelihood,
      klInitial,
      klPath,
      zs,
      reconstruction,
    };
  }

  /** Same as `elbo`. */
  forward(ts: Times, ys: Tensor, key: PRNGKey): LatentSDEOutput {
    return this.elbo(ts, ys, key);
  }

  /** `[batch, T, dataSize]` samples from the prior at the times `ts`. */
  samplePrior(ts: Times, batch: number, key: PRNGKey): Tensor {
    const op = 'LatentSDE.samplePrior';
    const t = checkTimes(op, ts);
    if (!Number.isInteger(batch) || batch < 1)
      throw new ArgumentError(`${op}: batch must be a positive integer (got ${batch})`);
    const [kz, kw] = splitKey(key, 2);
    const eps = randn([batch, this.latentSize], { dtype: this.dtype, key: kz });
    const z0 = add(this.pz0Mean, mul(exp(this.pz0LogStd), eps));
    const sol = this.solve(
      t,
      z0,
      (tt, z) => this.priorDrift.forward(tt, z),
      (_t, z) => this.diffusion.forward(z),
      kw!,
    );
    return permute(this.projector.forward(sol.ys!), [1, 0, 2]);
  }

  override extraRepr(): string {
    return `data=${this.dataSize}, latent=${this.latentSize}, context=${this.contextSize}, likelihood=${this.opts.likelihood ?? 'gaussian'}`;
  }
}

/**
 * Denoising diffusion (DDPM, Ho et al. 2020) for small vector data: the linear β schedule with
 * ᾱ_t = ∏_{s≤t}(1 − β_s), the closed-form forward process q(x_t | x_0), the L_simple training step
 * (survey §6, loss #22), a sinusoidal time embedding with a small MLP ε-model, and ancestral
 * sampling
 *
 *   x_{t−1} = (x_t − (1 − α_t)/√(1 − ᾱ_t) · ε̂(x_t, t)) / √α_t + σ_t ξ,   σ_t² = β_t, ξ ~ N(0, I),
 *
 * with no noise added at the last step (t = 1). Time steps are 1-based: t ∈ {1, …, T}.
 *
 * @module
 */
import { noGrad } from '../../autograd/mode.js';
import type { DType } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import { add, mul } from '../../ops/binary.js';
import { tensor } from '../../ops/creation.js';
import { concat } from '../../ops/join.js';
import { silu } from '../../ops/unary.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { foldIn, type PRNGKey } from '../../random/key.js';
import { randint, randn } from '../../random/sample.js';
import { diffusionSimpleLoss } from '../index.js';

/** A variance schedule: `betas[t−1] = β_t`, `alphas[t−1] = 1 − β_t`, `alphaBars[t−1] = ᾱ_t`. */
export interface DiffusionSchedule {
  /** Number of diffusion steps. */
  readonly T: number;
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  readonly alphaBars: Float64Array;
}

/**
 * The linear schedule β_t = β₁ + (β_T − β₁)(t − 1)/(T − 1), t = 1…T, and ᾱ_t = ∏_{s≤t}(1 − β_s).
 * DDPM's defaults are T = 1000, β₁ = 1e−4, β_T = 0.02 (convention, not from the survey).
 *
 * @throws ArgumentError unless T is a positive integer and 0 < β₁ ≤ β_T < 1.
 */
export function linearBetaSchedule(T: number, beta1 = 1e-4, betaT = 0.02): DiffusionSchedule {
  const op = 'linearBetaSchedule';
  if (!Number.isInteger(T) || T < 1)
    throw new ArgumentError(`${op}: T must be a positive integer (got ${T})`);
  if (!(beta1 > 0 && beta1 <= betaT && betaT < 1)) {
    throw new ArgumentError(`${op}: need 0 < beta1 <= betaT < 1 (got beta1=${beta1}, betaT=${betaT})`);
  }
  const betas = new Float64Array(T);
  const alphas = new Float64Array(T);
  const alphaBars = new Float64Array(T);
  let prod = 1;
  for (let i = 0; i < T; i++) {
    betas[i] = T === 1 ? beta1 : beta1 + ((betaT - beta1) * i) / (T - 1);
    alphas[i] = 1 - betas[i]!;
    prod *= alphas[i]!;
    alphaBars[i] = prod;
  }
  return { T, betas, alphas, alphaBars };
}

/** Time steps as a plain array of integers in 1…T (validated). */
function stepsOf(op: string, t: Tensor | ArrayLike<number>, n: number, T: number): number[] {
  const raw = t instanceof Tensor ? t.dataSync() : t;
  if (raw.length !== n) {
    const shape = t instanceof Tensor ? fmtShape(t.shape) : `[${raw.length}]`;
    throw new ShapeError(`${op}: expected ${n} time steps (one per sample), got ${shape}`);
  }
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = Number(raw[i]);
    if (!Number.isInteger(v) || v < 1 || v > T) {
      throw new ArgumentError(`${op}: time step ${v} at index ${i} is not an integer in 1..${T}`);
    }
    out[i] = v;
  }
  return out;
}

/** A `[n, 1, …, 1]` column (rank of `like`) holding `f(t_i)` for each sample. */
function perSample(values: number[], like: Tensor): Tensor {
  const shape = [values.length, ...like.shape.slice(1).map(() => 1)];
  return tensor(values, { dtype: like.dtype, shape });
}

/**
 * Draws x_t from q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I): returns √ᾱ_t·x0 + √(1 − ᾱ_t)·eps.
 * Differentiable in `x0` and `eps`.
 *
 * @param x0 - Clean data `[N, …]` (float).
 * @param t - One time step per sample, integers in 1…T.
 * @param eps - Standard normal noise with the shape of `x0`.
 * @throws ShapeError if `eps` and `x0` differ in shape or `t` has not N entries.
 */
export function qSample(
  schedule: DiffusionSchedule,
  x0: Tensor,
  t: Tensor | ArrayLike<number>,
  eps: Tensor,
): Tensor {
  const op = 'qSample';
  if (x0.ndim < 1) throw new ShapeError(`${op}: x0 must have a batch dimension, got ${fmtShape(x0.shape)}`);
  if (eps.shape.length !== x0.shape.length || eps.shape.some((d, i) => d !== x0.shape[i])) {
    throw new ShapeError(`${op}: eps ${fmtShape(eps.shape)} must have the shape of x0 ${fmtShape(x0.shape)}`);
  }
  const steps = stepsOf(op, t, x0.shape[0]!, schedule.T);
  const a = perSample(
    steps.map((s) => Math.sqrt(schedule.alphaBars[s - 1]!)),
    x0,
  );
  const b = perSample(
    steps.map((s) => Math.sqrt(1 - schedule.alphaBars[s - 1]!)),
    x0,
  );
  return add(mul(x0, a), mul(eps, b));
}

/**
 * Sinusoidal embedding of the time steps (Vaswani et al.): for k < dim/2, sin(t·ω_k) and
 * cos(t·ω_k) with ω_k = maxPeriod^(−k/(dim/2)). Returns `[N, dim]`.
 *
 * @throws ArgumentError if `dim` is not a positive even integer.
 */
export function timeEmbedding(
  t: Tensor | ArrayLike<number>,
  dim: number,
  opts: { dtype?: DType; maxPeriod?: number } = {},
): Tensor {
  const op = 'timeEmbedding';
  if (!Number.isInteger(dim) || dim < 2 || dim % 2 !== 0) {
    throw new ArgumentError(`${op}: dim must be a positive even integer (got ${dim})`);
  }
  const raw = t instanceof Tensor ? t.dataSync() : t;
  const n = raw.length;
  const half = dim / 2;
  const maxPeriod = opts.maxPeriod ?? 10_000;
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const ti = Number(raw[i]);
    for (let k = 0; k < half; k++) {
      const w = maxPeriod ** (-k / half);
      out[i * dim + k] = Math.sin(ti * w);
      out[i * dim + half + k] = Math.cos(ti * w);
    }
  }
  return tensor(out, { dtype: opts.dtype ?? 'float32', shape: [n, dim] });
}

/** Options of {@link EpsMLP}. */
export interface EpsMLPOptions {
  /** Hidden width (default 128). */
  hidden?: number;
  /** Number of hidden layers (default 3). */
  layers?: number;
  /** Size of the sinusoidal time embedding (default 16). */
  timeDim?: number;
  /** Longest period of the time embedding (default 10 000, as in DDPM; ~T suits small T). */
  maxPeriod?: number;
  dtype?: DType;
  key?: PRNGKey;
}

/**
 * A small ε-model for vector data: ε̂(x_t, t) = MLP([x_t, emb(t)]) with SiLU activations, where
 * the time embedding is re-injected (concatenated) at every hidden layer.
 */
export class EpsMLP extends Module<[Tensor, Tensor | ArrayLike<number>], Tensor> {
  readonly dataDim: number;
  readonly timeDim: number;
  readonly maxPeriod: number;
  readonly inputLayer: Linear;
  readonly hiddenLayers: Linear[];
  readonly output: Linear;

  constructor(dataDim: number, opts: EpsMLPOptions = {}) {
    super();
    const op = 'EpsMLP';
    if (!Number.isInteger(dataDim) || dataDim < 1)
      throw new ArgumentError(`${op}: dataDim must be a positive integer (got ${dataDim})`);
    const hidden = opts.hidden ?? 128;
    const layers = opts.layers ?? 3;
    if (!Number.isInteger(layers) || layers < 1)
      throw new ArgumentError(`${op}: layers must be a positive integer (got ${layers})`);
    this.dataDim = dataDim;
    this.timeDim = opts.timeDim ?? 16;
    this.maxPeriod = opts.maxPeriod ?? 10_000;
    const key = opts.key;
    const k = (i: number) => (key ? foldIn(key, i) : undefined);
    const dtype = opts.dtype;
    this.inputLayer = new Linear(dataDim + this.timeDim, hidden, { dtype, key: k(0) });
    this.hiddenLayers = Array.from(
      { length: layers - 1 },
      (_, i) => new Linear(hidden + this.timeDim, hidden, { dtype, key: k(i + 1) }),
    );
    this.output = new Linear(hidden, dataDim, { dtype, key: k(layers) });
  }

  /** ε̂ for noisy inputs `x` `[N, dataDim]` at time steps `t` (N integers). */
  forward(x: Tensor, t: Tensor | ArrayLike<number>): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.dataDim) {
      throw new ShapeError(`EpsMLP: expected x [N, ${this.dataDim}], got ${fmtShape(x.shape)}`);
    }
    const emb = timeEmbedding(t, this.timeDim, { dtype: x.dtype, maxPeriod: this.maxPeriod });
    if (emb.shape[0] !== x.shape[0]) {
      throw new ShapeError(`EpsMLP: got ${emb.shape[0]} time steps for x ${fmtShape(x.shape)}`);
    }
    let h = silu(this.inputLayer.forward(concat([x, emb], 1)));
    for (const layer of this.hiddenLayers) h = silu(layer.forward(concat([h, emb], 1)));
    return this.output.forward(h);
  }
}

/** An ε-model: noisy input `[N, …]` and N time steps in 1…T → predicted noise of the input's shape. */
export type EpsModel = (x: Tensor, t: Int32Array) => Tensor;

/** Options of {@link ddpmLoss} and {@link ddpmTrainStep}. */
export interface DdpmStepOptions {
  /** Key for the time steps and the noise (global generator when omitted). */
  key?: PRNGKey;
}

/**
 * L_simple on a batch: t ~ U{1…T}, ε ~ N(0, I), x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε, and
 * `diffusionSimpleLoss(ε̂(x_t, t), ε)` (the per-sample ‖ε − ε̂‖², averaged over the batch).
 */
export function ddpmLoss(
  model: EpsModel,
  schedule: DiffusionSchedule,
  x0: Tensor,
  opts: DdpmStepOptions = {},
): Tensor {
  if (x0.ndim < 1)
    throw new ShapeError(`ddpmLoss: x0 must have a batch dimension, got ${fmtShape(x0.shape)}`);
  const n = x0.shape[0]!;
  const kt = opts.key ? foldIn(opts.key, 1) : undefined;
  const ke = opts.key ? foldIn(opts.key, 2) : undefined;
  const t = randint(1, schedule.T + 1, [n], { key: kt }).dataSync() as Int32Array;
  const eps = randn(x0.shape, { dtype: x0.dtype, key: ke });
  const xt = qSample(schedule, x0, t, eps);
  return diffusionSimpleLoss(model(xt, t), eps);
}

/** One optimiser step on {@link ddpmLoss}; returns the loss value. */
export function ddpmTrainStep(
  model: EpsModel,
  optimizer: Optimizer,
  schedule: DiffusionSchedule,
  x0: Tensor,
  opts: DdpmStepOptions = {},
): number {
  optimizer.zeroGrad();
  const loss = ddpmLoss(model, schedule, x0, opts);
  loss.backward();
  optimizer.step();
  return loss.item();
}

/** Options of {@link ddpmSample}. */
export interface DdpmSampleOptions {
  dtype?: DType;
  /** Key for x_T and the per-step noise (global generator when omitted). */
  key?: PRNGKey;
  /** Called after each reverse step with t (the step just taken, T…1) and x_{t−1}. */
  onStep?: (t: number, x: Tensor) => void;
}

/**
 * Ancestral sampling: x_T ~ N(0, I), then for t = T…1
 * x_{t−1} = (x_t − (1 − α_t)/√(1 − ᾱ_t)·ε̂(x_t, t))/√α_t + σ_t ξ with σ_t = √β_t (ξ = 0 at t = 1).
 * Runs without recording gradients.
 *
 * @param shape - Shape of the batch of samples, e.g. `[n, 2]`.
 */
export function ddpmSample(
  model: EpsModel,
  schedule: DiffusionSchedule,
  shape: readonly number[],
  opts: DdpmSampleOptions = {},
): Tensor {
  if (shape.length < 1 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ShapeError(
      `ddpmSample: shape must be a non-empty list of positive integers, got ${fmtShape(shape)}`,
    );
  }
  const dtype = opts.dtype ?? 'float32';
  const n = shape[0]!;
  return noGrad(() => {
    let x = randn(shape, { dtype, key: opts.key ? foldIn(opts.key, 0) : undefined });
    const t = new Int32Array(n);
    for (let s = schedule.T; s >= 1; s--) {
      t.fill(s);
      const alpha = schedule.alphas[s - 1]!;
      const coef = (1 - alpha) / Math.sqrt(1 - schedule.alphaBars[s - 1]!);
      const epsHat = model(x, t);
      x = mul(x.sub(mul(epsHat, coef)), 1 / Math.sqrt(alpha));
      if (s > 1) {
        const xi = randn(shape, { dtype, key: opts.key ? foldIn(opts.key, s) : undefined });
        x = add(x, mul(xi, Math.sqrt(schedule.betas[s - 1]!)));
      }
      opts.onStep?.(s, x);
    }
    return x;
  });
}

/**
 * Gradient-flow training of the residual MLP: full-batch gradient descent with the depth-scaled
 * rate (L·η on the residual weights, η on A and B), optionally on the clipped flow of
 * Proposition 1 (dZ_k/dt = π(−L ∂ℓ/∂Z_k) with π the coordinatewise clip to [−C, C]).
 */
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import type { LossNorm } from './config.js';
import { type ResNetGrads, ResNetKernel, zeroGrads } from './kernel.js';
import type { ResNetWeights } from './weights.js';

/** Which parameter groups are trained. */
export interface TrainableGroups {
  /** Default false (the paper's experiments fix A and B). */
  A?: boolean;
  /** Default false. */
  B?: boolean;
  /** Default true. */
  V?: boolean;
  /** Default true. */
  W?: boolean;
}

/** Options of {@link GradientFlowTrainer}. */
export interface GradientFlowOptions {
  /** η: the step of the flow's time; the residual weights move by L·η·(−∂ℓ/∂Z_k). */
  lr: number;
  /** Loss normalisation (default `'code'`). */
  loss?: LossNorm;
  train?: TrainableGroups;
  /** C of the clipped flow: π clips every coordinate of −L∂ℓ/∂Z_k (and −∂ℓ/∂A, −∂ℓ/∂B) to [−C, C]. */
  clip?: number;
  /** Multiply the rate of the residual weights by L (default true, the paper's flow). */
  depthScaledRate?: boolean;
}

/** What one step reports (measured at the weights before the update). */
export interface StepInfo {
  loss: number;
  /** Squared Frobenius norms of the gradients: ‖∂A‖², ‖∂B‖², Σ_k‖∂V_k‖², Σ_k‖∂W_k‖². */
  gradSq: { A: number; B: number; V: number; W: number };
}

/** Training data as flat float64 arrays: `X` `[n, d]`, `Y` `[n, d′]`. */
export interface Dataset {
  X: Float64Array;
  Y: Float64Array;
  n: number;
}

function sumSq(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

/**
 * Full-batch gradient descent on the depth-scaled flow, updating `weights` in place.
 *
 * @example
 * ```ts
 * const w = initWeights({ depth: 64, inputDim: 16, width: 32 }, { init: { kind: 'tied' }, key });
 * const trainer = new GradientFlowTrainer(w, { X, Y, n: 100 }, { lr: 0.01 });
 * for (let t = 0; t < 500; t++) trainer.step();
 * ```
 */
export class GradientFlowTrainer {
  readonly weights: ResNetWeights;
  readonly data: Dataset;
  readonly kernel: ResNetKernel;
  readonly grads: ResNetGrads;
  readonly lr: number;
  readonly lossNorm: LossNorm;
  readonly train: Required<TrainableGroups>;
  readonly clip: number | undefined;
  /** The rate multiplier of the residual weights (L, or 1 without depth scaling). */
  readonly residualScale: number;
  /** Steps taken. */
  steps = 0;

  constructor(weights: ResNetWeights, data: Dataset, opts: GradientFlowOptions) {
    const { inputDim: d, outputDim: dout, depth: L } = weights.spec;
    if (!Number.isInteger(data.n) || data.n <= 0)
      throw new ArgumentError(`GradientFlowTrainer: n must be a positive integer (got ${data.n})`);
    if (data.X.length !== data.n * d || data.Y.length !== data.n * dout)
      throw new ShapeError(
        `GradientFlowTrainer: X has ${data.X.length} and Y ${data.Y.length} entries, expected ${fmtShape([data.n, d])} and ${fmtShape([data.n, dout])}`,
      );
    if (!(opts.lr > 0)) throw new ArgumentError(`GradientFlowTrainer: lr must be > 0 (got ${opts.lr})`);
    if (opts.clip !== undefined && !(opts.clip > 0))
      throw new ArgumentError(`GradientFlowTrainer: clip must be > 0 (got ${opts.clip})`);
    this.weights = weights;
    this.data = data;
    this.kernel = new ResNetKernel(weights.spec, data.n);
    this.grads = zeroGrads(weights.spec);
    this.lr = opts.lr;
    this.lossNorm = opts.loss ?? 'code';
    this.train = {
      A: opts.train?.A ?? false,
      B: opts.train?.B ?? false,
      V: opts.train?.V ?? true,
      W: opts.train?.W ?? true,
    };
    this.clip = opts.clip;
    this.residualScale = (opts.depthScaledRate ?? true) ? L : 1;
  }

  /**
   * The loss and gradients (into {@link grads}) at the current weights, or at `w` (same spec),
   * without updating anything.
   */
  evaluate(w: ResNetWeights = this.weights): StepInfo {
    const { loss } = this.kernel.lossAndGrad(w, this.data.X, this.data.Y, this.lossNorm, this.grads);
    const g = this.grads;
    return { loss, gradSq: { A: sumSq(g.A), B: sumSq(g.B), V: sumSq(g.V), W: sumSq(g.W) } };
  }

  /**
   * The flow's velocity dθ/dt at the current weights, per group (zero for frozen groups):
   * π(−∂ℓ/∂A), π(−∂ℓ/∂B), π(−s∂ℓ/∂V_k), π(−s∂ℓ/∂W_k) with s = L (or 1) and π the clip (identity
   * without `clip`), from the gradients of the last {@link evaluate} (or {@link step}).
   */
  velocity(out: ResNetGrads = zeroGrads(this.weights.spec)): ResNetGrads {
    const g = this.grads;
    const C = this.clip;
    const fill = (dst: Float64Array, src: Float64Array, scale: number, on: boolean) => {
      if (!on) {
        dst.fill(0);
        return;
      }
      for (let i = 0; i < src.length; i++) {
        let v = -scale * src[i]!;
        if (C !== undefined) v = Math.min(Math.max(v, -C), C);
        dst[i] = v;
      }
    };
    fill(out.A, g.A, 1, this.train.A);
    fill(out.B, g.B, 1, this.train.B);
    fill(out.V, g.V, this.residualScale, this.train.V);
    fill(out.W, g.W, this.residualScale, this.train.W);
    return out;
  }

  /** One GD step θ ← θ + η·velocity(θ). Returns the loss and gradient norms before the update. */
  step(): StepInfo {
    const info = this.evaluate();
    const w = this.weights;
    const g = this.grads;
    const C = this.clip;
    const eta = this.lr;
    const upd = (p: Float64Array, gr: Float64Array, scale: number) => {
      if (C === undefined) {
        const a = eta * scale;
        for (let i = 0; i < p.length; i++) p[i] -= a * gr[i]!;
      } else {
        for (let i = 0; i < p.length; i++) {
          let v = -scale * gr[i]!;
          v = Math.min(Math.max(v, -C), C);
          p[i] += eta * v;
        }
      }
    };
    if (this.train.A) upd(w.A, g.A, 1);
    if (this.train.B) upd(w.B, g.B, 1);
    if (this.train.V) upd(w.V, g.V, this.residualScale);
    if (this.train.W) upd(w.W, g.W, this.residualScale);
    this.steps++;
    return info;
  }

  /** The loss at the current weights (a forward pass only). */
  loss(): number {
    return this.kernel.loss(this.weights, this.data.X, this.data.Y, this.lossNorm);
  }
}

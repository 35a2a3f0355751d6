/**
 * Adversarial training of small generator/critic modules with the survey's generative losses
 * (§6, losses #20 and #21):
 *
 * - `'minimax'`: the discriminator minimises −E log D(x) − E log(1 − D(G(z))) (D = sigmoid of the
 *   critic's logit); the generator uses the non-saturating loss −E log D(G(z)) by default.
 * - `'wasserstein'`: the critic maximises E D(x) − E D(G(z)), the generator maximises E D(G(z)).
 *   The 1-Lipschitz constraint (missing in the survey's v1) is enforced by weight clipping
 *   (`'clip'`, WGAN: c = 0.01, n_critic = 5, RMSprop lr 5e−5) or by a gradient penalty
 *   (`'gp'`, WGAN-GP: λ = 10, Adam lr 1e−4, β = (0.5, 0.9), n_critic = 5).
 *
 * The defaults are the original papers' (conventions; the survey gives none). Evaluation helpers:
 * {@link mmd} (RBF-kernel MMD², unbiased) and {@link modeCoverage} (modes hit by high-quality samples).
 *
 * @module
 */
import { noGrad } from '../../autograd/mode.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { TensorModule } from '../../nn/layers/containers.js';
import { copy_ } from '../../ops/assign.js';
import { add, clamp, mul, sub } from '../../ops/binary.js';
import { matmul } from '../../ops/matmul.js';
import { sum } from '../../ops/reduce.js';
import { diagonal } from '../../ops/triangular.js';
import { exp } from '../../ops/unary.js';
import { Adam } from '../../optim/adam.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { RMSprop } from '../../optim/rmsprop.js';
import { foldIn, type PRNGKey, randomKey } from '../../random/key.js';
import { randn } from '../../random/sample.js';
import {
  gradientPenalty,
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
} from '../index.js';

/** The adversarial objective. */
export type GanObjective = 'minimax' | 'wasserstein';

/** How a Wasserstein critic is kept (approximately) 1-Lipschitz. */
export type LipschitzControl = 'clip' | 'gp';

/** Options of {@link GanTrainer}. Unset values take the original papers' defaults. */
export interface GanTrainerOptions {
  objective: GanObjective;
  /** Size of the generator's Gaussian latent input. */
  latentDim: number;
  /** Wasserstein only: weight clipping (default) or gradient penalty. */
  lipschitz?: LipschitzControl;
  /** Critic updates per generator update (default 1 for minimax, 5 for Wasserstein). */
  nCritic?: number;
  /** Weight-clipping bound c (default 0.01). */
  clipValue?: number;
  /** Gradient-penalty weight λ (default 10). */
  gpLambda?: number;
  /** Learning rate of both players (default 2e−4 minimax, 5e−5 clip, 1e−4 gp). */
  lr?: number;
  /** Critic learning rate (default `lr`). */
  criticLr?: number;
  /** Generator learning rate (default `lr`). */
  generatorLr?: number;
  /** Minimax only: generator maximises log D(G(z)) (default true) instead of minimising log(1 − D(G(z))). */
  nonSaturating?: boolean;
  /** Key for latent draws and penalty interpolation (default `randomKey(0)`). */
  key?: PRNGKey;
}

/** Losses of one {@link GanTrainer.step}. */
export interface GanStepStats {
  /** Critic/discriminator loss of the last critic update (including the penalty for `'gp'`). */
  criticLoss: number;
  generatorLoss: number;
  /** Wasserstein only: E D(x) − E D(G(z)) on the last critic batch (the critic's distance estimate). */
  wassersteinEstimate?: number;
  /** `'gp'` only: the penalty term of the last critic update. */
  gradientPenalty?: number;
}

/**
 * Trains a generator against a critic: each {@link GanTrainer.step} makes `nCritic` critic updates
 * (each on a fresh real batch and fresh latents) and one generator update.
 */
export class GanTrainer {
  readonly generator: TensorModule;
  readonly critic: TensorModule;
  readonly objective: GanObjective;
  readonly lipschitz: LipschitzControl | null;
  readonly latentDim: number;
  readonly nCritic: number;
  readonly clipValue: number;
  readonly gpLambda: number;
  readonly nonSaturating: boolean;
  readonly criticOptimizer: Optimizer;
  readonly generatorOptimizer: Optimizer;
  private readonly key: PRNGKey;
  private draws = 0;

  constructor(generator: TensorModule, critic: TensorModule, opts: GanTrainerOptions) {
    const op = 'GanTrainer';
    if (opts.objective !== 'minimax' && opts.objective !== 'wasserstein') {
      throw new ArgumentError(
        `${op}: objective must be 'minimax' or 'wasserstein' (got '${opts.objective}')`,
      );
    }
    if (!Number.isInteger(opts.latentDim) || opts.latentDim < 1) {
      throw new ArgumentError(`${op}: latentDim must be a positive integer (got ${opts.latentDim})`);
    }
    const lipschitz = opts.objective === 'wasserstein' ? (opts.lipschitz ?? 'clip') : null;
    if (opts.objective === 'minimax' && opts.lipschitz !== undefined) {
      throw new ArgumentError(`${op}: lipschitz applies to the 'wasserstein' objective only`);
    }
    if (lipschitz !== null && lipschitz !== 'clip' && lipschitz !== 'gp') {
      throw new ArgumentError(`${op}: lipschitz must be 'clip' or 'gp' (got '${lipschitz}')`);
    }
    const nCritic = opts.nCritic ?? (opts.objective === 'wasserstein' ? 5 : 1);
    if (!Number.isInteger(nCritic) || nCritic < 1)
      throw new ArgumentError(`${op}: nCritic must be a positive integer (got ${nCritic})`);
    const clipValue = opts.clipValue ?? 0.01;
    if (!(clipValue > 0)) throw new ArgumentError(`${op}: clipValue must be positive (got ${clipValue})`);
    const gpLambda = opts.gpLambda ?? 10;
    if (!(gpLambda >= 0)) throw new ArgumentError(`${op}: gpLambda must be non-negative (got ${gpLambda})`);
    this.generator = generator;
    this.critic = critic;
    this.objective = opts.objective;
    this.lipschitz = lipschitz;
    this.latentDim = opts.latentDim;
    this.nCritic = nCritic;
    this.clipValue = clipValue;
    this.gpLambda = gpLambda;
    this.nonSaturating = opts.nonSaturating ?? true;
    this.key = opts.key ?? randomKey(0);
    const lr = opts.lr ?? (lipschitz === 'clip' ? 5e-5 : lipschitz === 'gp' ? 1e-4 : 2e-4);
    const cLr = opts.criticLr ?? lr;
    const gLr = opts.generatorLr ?? lr;
    if (lipschitz === 'clip') {
      this.criticOptimizer = new RMSprop(critic.parameters(), { lr: cLr });
      this.generatorOptimizer = new RMSprop(generator.parameters(), { lr: gLr });
    } else {
      const betas: [number, number] = lipschitz === 'gp' ? [0.5, 0.9] : [0.5, 0.999];
      this.criticOptimizer = new Adam(critic.parameters(), { lr: cLr, betas });
      this.generatorOptimizer = new Adam(generator.parameters(), { lr: gLr, betas });
    }
    if (lipschitz === 'clip') this.clipCritic();
  }

  private nextKey(): PRNGKey {
    return foldIn(this.key, this.draws++);
  }

  /** `n` latent vectors z ~ N(0, I) of the generator's dtype. */
  latent(n: number): Tensor {
    const dtype = this.generator.parameters()[0]?.dtype ?? 'float32';
    return randn([n, this.latentDim], { dtype, key: this.nextKey() });
  }

  /** `n` generator samples, without recording gradients. */
  sample(n: number): Tensor {
    return noGrad(() => this.generator.forward(this.latent(n)));
  }

  /** Clamps every critic parameter to [−c, c] in place (WGAN weight clipping). */
  clipCritic(): void {
    const c = this.clipValue;
    noGrad(() => {
      for (const p of this.critic.parameters()) copy_(p, clamp(p, -c, c));
    });
  }

  /**
   * One critic update on `real` (and a fresh fake batch of the same size); returns its loss terms.
   */
  criticStep(real: Tensor): { loss: number; wasserstein?: number; penalty?: number } {
    const n = real.shape[0]!;
    const fake = noGrad(() => this.generator.forward(this.latent(n)));
    this.criticOptimizer.zeroGrad();
    const sReal = this.critic.forward(real);
    const sFake = this.critic.forward(fake);
    let loss: Tensor;
    let wasserstein: number | undefined;
    let penalty: number | undefined;
    if (this.objective === 'minimax') {
      loss = minimaxDiscriminatorLoss(sReal, sFake);
    } else {
      loss = wassersteinCriticLoss(sReal, sFake);
      wasserstein = -loss.item();
      if (this.lipschitz === 'gp') {
        const gp = gradientPenalty((x) => this.critic.forward(x), real, fake, {
          lambda: this.gpLambda,
          key: this.nextKey(),
        });
        penalty = gp.item();
        loss = add(loss, gp);
      }
    }
    loss.backward();
    this.criticOptimizer.step();
    if (this.lipschitz === 'clip') this.clipCritic();
    const out: { loss: number; wasserstein?: number; penalty?: number } = { loss: loss.item() };
    if (wasserstein !== undefined) out.wasserstein = wasserstein;
    if (penalty !== undefined) out.penalty = penalty;
    return out;
  }

  /** One generator update on a fresh latent batch of size `n`; returns the generator loss. */
  generatorStep(n: number): number {
    this.generatorOptimizer.zeroGrad();
    const sFake = this.critic.forward(this.generator.forward(this.latent(n)));
    const loss =
      this.objective === 'minimax'
        ? minimaxGeneratorLoss(sFake, { nonSaturating: this.nonSaturating })
        : wassersteinGeneratorLoss(sFake);
    loss.backward();
    this.generatorOptimizer.step();
    // The critic's gradients from the generator pass are stale; clear them.
    this.criticOptimizer.zeroGrad();
    return loss.item();
  }

  /**
   * `nCritic` critic updates, each on `sampleReal(batchSize)`, then one generator update with
   * `batchSize` latents.
   */
  step(sampleReal: (n: number) => Tensor, batchSize: number): GanStepStats {
    if (!Number.isInteger(batchSize) || batchSize < 2) {
      throw new ArgumentError(`GanTrainer.step: batchSize must be an integer >= 2 (got ${batchSize})`);
    }
    let last: { loss: number; wasserstein?: number; penalty?: number } = { loss: Number.NaN };
    for (let i = 0; i < this.nCritic; i++) {
      const real = sampleReal(batchSize);
      if (real.shape[0] !== batchSize) {
        throw new ShapeError(
          `GanTrainer.step: sampleReal(${batchSize}) returned ${fmtShape(real.shape)} (batch ${real.shape[0]})`,
        );
      }
      last = this.criticStep(real);
    }
    const generatorLoss = this.generatorStep(batchSize);
    const stats: GanStepStats = { criticLoss: last.loss, generatorLoss };
    if (last.wasserstein !== undefined) stats.wassersteinEstimate = last.wasserstein;
    if (last.penalty !== undefined) stats.gradientPenalty = last.penalty;
    return stats;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Options of {@link mmd}. */
export interface MmdOptions {
  /**
   * RBF bandwidths h: the kernel is Σ_h exp(−‖a − b‖²/(2h²)) (default [0.1, 0.2, 0.5, 1, 2]).
   */
  bandwidths?: readonly number[];
  /** `'unbiased'` (default) U-statistic, or `'biased'` V-statistic (always ≥ 0). */
  estimator?: 'unbiased' | 'biased';
}

function checkPoints(op: string, name: string, t: Tensor): void {
  if (t.ndim !== 2) throw new ShapeError(`${op}: ${name} must be [n, d], got ${fmtShape(t.shape)}`);
  if (t.shape[0]! < 2)
    throw new ShapeError(`${op}: ${name} needs at least 2 points, got ${fmtShape(t.shape)}`);
}

/** Σ_h exp(−D/(2h²)) for the matrix of squared distances D. */
function rbf(d2: Tensor, bandwidths: readonly number[]): Tensor {
  let k: Tensor | null = null;
  for (const h of bandwidths) {
    const term = exp(mul(d2, -1 / (2 * h * h)));
    k = k ? add(k, term) : term;
  }
  return k!;
}

/** Squared distances ‖a_i − b_j‖², clamped at 0. */
function sqDist(a: Tensor, b: Tensor): Tensor {
  const a2 = sum(mul(a, a), 1, true);
  const b2 = sum(mul(b, b), 1, true);
  return clamp(sub(add(a2, b2.T), mul(matmul(a, b.T), 2)), 0);
}

/**
 * Squared maximum mean discrepancy between the samples `x` `[n, d]` and `y` `[m, d]` with a sum of
 * RBF kernels (Gretton et al. 2012). Unbiased estimator: for n = m the U-statistic over pairs
 * z_i = (x_i, y_i) (their eq. 3; exactly 0 when x = y), otherwise
 * Σ_{i≠j} k(x_i,x_j)/(n(n−1)) + Σ_{i≠j} k(y_i,y_j)/(m(m−1)) − 2 Σ_{ij} k(x_i,y_j)/(nm).
 * It can be slightly negative when the distributions agree. Differentiable in `x` and `y`.
 *
 * @returns A scalar tensor.
 * @throws ShapeError if the inputs are not `[n, d]` with equal d and n, m ≥ 2.
 */
export function mmd(x: Tensor, y: Tensor, opts: MmdOptions = {}): Tensor {
  const op = 'mmd';
  checkPoints(op, 'x', x);
  checkPoints(op, 'y', y);
  if (x.shape[1] !== y.shape[1]) {
    throw new ShapeError(`${op}: x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)} differ in dimension`);
  }
  const bandwidths = opts.bandwidths ?? [0.1, 0.2, 0.5, 1, 2];
  if (bandwidths.length === 0 || bandwidths.some((h) => !(h > 0))) {
    throw new ArgumentError(
      `${op}: bandwidths must be a non-empty list of positive numbers (got [${bandwidths}])`,
    );
  }
  const estimator = opts.estimator ?? 'unbiased';
  if (estimator !== 'unbiased' && estimator !== 'biased') {
    throw new ArgumentError(`${op}: estimator must be 'unbiased' or 'biased' (got '${estimator}')`);
  }
  const n = x.shape[0]!;
  const m = y.shape[0]!;
  const kxx = rbf(sqDist(x, x), bandwidths);
  const kyy = rbf(sqDist(y, y), bandwidths);
  const kxy = rbf(sqDist(x, y), bandwidths);
  if (estimator === 'biased') {
    return add(sub(mul(sum(kxx), 1 / (n * n)), mul(sum(kxy), 2 / (n * m))), mul(sum(kyy), 1 / (m * m)));
  }
  const offX = sub(sum(kxx), sum(diagonal(kxx)));
  const offY = sub(sum(kyy), sum(diagonal(kyy)));
  if (n === m) {
    const offXY = sub(sum(kxy), sum(diagonal(kxy)));
    return mul(sub(add(offX, offY), mul(offXY, 2)), 1 / (n * (n - 1)));
  }
  return add(sub(mul(offX, 1 / (n * (n - 1))), mul(sum(kxy), 2 / (n * m))), mul(offY, 1 / (m * (m - 1))));
}

/** Options of {@link modeCoverage}. */
export interface ModeCoverageOptions {
  /** A sample is high quality when it lies within this distance of its nearest centre. */
  radius: number;
  /** High-quality samples a mode needs to count as covered (default 1). */
  minCount?: number;
}

/** Result of {@link modeCoverage}. */
export interface ModeCoverage {
  /** Modes with at least `minCount` high-quality samples. */
  modesCovered: number;
  /** Fraction of samples within `radius` of some centre. */
  highQualityFraction: number;
  /** High-quality samples per centre. */
  counts: number[];
}

/**
 * Mode coverage of generated samples (as in the unrolled-GAN and VEEGAN evaluations): each sample
 * is assigned to its nearest centre and is high quality when within `radius` of it; a mode is
 * covered when it receives at least `minCount` high-quality samples.
 *
 * @param samples - `[n, d]` generated points.
 * @param centres - `[k, d]` mode centres (tensor or nested array).
 */
export function modeCoverage(
  samples: Tensor,
  centres: Tensor | readonly (readonly number[])[],
  opts: ModeCoverageOptions,
): ModeCoverage {
  const op = 'modeCoverage';
  if (samples.ndim !== 2)
    throw new ShapeError(`${op}: samples must be [n, d], got ${fmtShape(samples.shape)}`);
  const d = samples.shape[1]!;
  const n = samples.shape[0]!;
  let cs: number[][];
  if (centres instanceof Tensor) {
    if (centres.ndim !== 2 || centres.shape[1] !== d) {
      throw new ShapeError(
        `${op}: centres ${fmtShape(centres.shape)} must be [k, ${d}] for samples ${fmtShape(samples.shape)}`,
      );
    }
    const raw = centres.dataSync();
    cs = Array.from({ length: centres.shape[0]! }, (_, i) =>
      Array.from({ length: d }, (_, j) => Number(raw[i * d + j])),
    );
  } else {
    cs = centres.map((c) => [...c]);
    const bad = cs.findIndex((c) => c.length !== d);
    if (bad >= 0) {
      throw new ShapeError(
        `${op}: centre ${bad} has ${cs[bad]!.length} coordinates, samples are ${fmtShape(samples.shape)}`,
      );
    }
  }
  if (cs.length === 0) throw new ArgumentError(`${op}: need at least one centre`);
  if (!(opts.radius > 0)) throw new ArgumentError(`${op}: radius must be positive (got ${opts.radius})`);
  const minCount = opts.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1)
    throw new ArgumentError(`${op}: minCount must be a positive integer (got ${minCount})`);
  const s = samples.dataSync();
  const counts = new Array<number>(cs.length).fill(0);
  let good = 0;
  const r2 = opts.radius * opts.radius;
  for (let i = 0; i < n; i++) {
    let best = Number.POSITIVE_INFINITY;
    let arg = -1;
    for (let k = 0; k < cs.length; k++) {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (Number(s[i * d + j]) - cs[k]![j]!) ** 2;
      if (dist < best) {
        best = dist;
        arg = k;
      }
    }
    if (best <= r2) {
      counts[arg]! += 1;
      good++;
    }
  }
  return {
    modesCovered: counts.filter((c) => c >= minCount).length,
    highQualityFraction: n > 0 ? good / n : 0,
    counts,
  };
}

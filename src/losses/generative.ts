/**
 * Generative losses (survey §6): the minimax (GAN) and Wasserstein (WGAN) objectives on the
 * discriminator's / critic's outputs, the WGAN-GP gradient penalty, and the simplified
 * diffusion (DDPM) loss. The survey notes that their properties depend on the networks; the
 * functions here are in the network outputs.
 *
 * The two-batch losses combine a real and a fake batch: `'mean'` is `mean(real terms) +
 * mean(fake terms)` (the batches may differ in size); `'none'` and `weight` pair the i-th real
 * sample with the i-th fake one and need batches of the same shape.
 */
import { autogradGrad } from '../autograd/index.js';
import { enableGrad } from '../autograd/mode.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { checkFloat, commonFloat } from '../nn/functional/util.js';
import { add, mul, sub } from '../ops/binary.js';
import { zerosLike } from '../ops/creation.js';
import { mean, norm, sum } from '../ops/reduce.js';
import { neg, softplus, square } from '../ops/unary.js';
import { reshape } from '../ops/view.js';
import type { PRNGKey } from '../random/key.js';
import { rand } from '../random/sample.js';
import { checkPositive, checkReduction, floatSame, type LossOptions, reduceLoss } from './types.js';

/** Combines per-sample real and fake terms (see the module comment). */
function twoBatch(op: string, real: Tensor, fake: Tensor, opts: LossOptions): Tensor {
  const reduction = checkReduction(op, opts.reduction);
  if (reduction === 'none' || opts.weight) {
    if (!shapesEqual(real.shape, fake.shape)) {
      throw new ShapeError(
        `${op}: reduction 'none' and weight pair real and fake samples, so their shapes must match (got ${fmtShape(real.shape)} and ${fmtShape(fake.shape)})`,
      );
    }
    return reduceLoss(op, add(real, fake), opts);
  }
  return reduction === 'sum' ? add(sum(real), sum(fake)) : add(mean(real), mean(fake));
}

function floats(op: string, real: Tensor, fake: Tensor, names: [string, string]): [Tensor, Tensor] {
  const { ts } = commonFloat(op, names, real, fake);
  return ts as [Tensor, Tensor];
}

/**
 * Discriminator loss of the minimax GAN, `−E log D(x) − E log(1 − D(G(z)))` with
 * `D = sigmoid(logit)`, computed stably as `E softplus(−real) + E softplus(fake)` (PyTorch's
 * BCE-with-logits with targets 1 and 0). Minimising it maximises the survey's
 * `E log D(x) + E log(1 − D(G(z)))`; with the optimal D its value is `log 4 − 2·JSD`.
 */
export function minimaxDiscriminatorLoss(
  realLogits: Tensor,
  fakeLogits: Tensor,
  opts: LossOptions = {},
): Tensor {
  const op = 'minimaxDiscriminatorLoss';
  const [r, f] = floats(op, realLogits, fakeLogits, ['realLogits', 'fakeLogits']);
  return twoBatch(op, softplus(neg(r)), softplus(f), opts);
}

/** Options of `minimaxGeneratorLoss`. */
export interface MinimaxGeneratorOptions extends LossOptions {
  /**
   * `true` (default, the survey's recommendation): minimise `−E log D(G(z))` =
   * `E softplus(−logit)`; `false`: the saturating `E log(1 − D(G(z)))` = `−E softplus(logit)`.
   */
  nonSaturating?: boolean;
}

/** Generator loss of the minimax GAN, on the discriminator's logits of generated samples. */
export function minimaxGeneratorLoss(fakeLogits: Tensor, opts: MinimaxGeneratorOptions = {}): Tensor {
  const op = 'minimaxGeneratorLoss';
  checkFloat(fakeLogits, op, 'fakeLogits');
  const nonSaturating = opts.nonSaturating ?? true;
  const per = nonSaturating ? softplus(neg(fakeLogits)) : neg(softplus(fakeLogits));
  return reduceLoss(op, per, opts);
}

/**
 * Critic loss of the Wasserstein GAN, `−(E D(x) − E D(G(z)))` on raw critic scores. The
 * critic must be kept (approximately) 1-Lipschitz — weight clipping or `gradientPenalty` —
 * which the survey omits.
 */
export function wassersteinCriticLoss(
  realScores: Tensor,
  fakeScores: Tensor,
  opts: LossOptions = {},
): Tensor {
  const op = 'wassersteinCriticLoss';
  const [r, f] = floats(op, realScores, fakeScores, ['realScores', 'fakeScores']);
  return twoBatch(op, neg(r), f, opts);
}

/** Generator loss of the Wasserstein GAN, `−E D(G(z))`. */
export function wassersteinGeneratorLoss(fakeScores: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'wassersteinGeneratorLoss';
  checkFloat(fakeScores, op, 'fakeScores');
  return reduceLoss(op, neg(fakeScores), opts);
}

/** Options of `gradientPenalty`. */
export interface GradientPenaltyOptions extends LossOptions {
  /** Penalty weight λ (default 10, WGAN-GP's value; a convention, not from the survey). */
  lambda?: number;
  /** Key for the interpolation coefficients (default: the global generator). */
  key?: PRNGKey;
  /** Explicit interpolation coefficients in [0, 1], one per sample (shape [N]); overrides `key`. */
  alpha?: Tensor;
}

/**
 * WGAN-GP gradient penalty `λ·E (‖∇ₓ̂ D(x̂)‖₂ − 1)²` at `x̂ = α·real + (1 − α)·fake`,
 * α ~ U[0, 1) per sample (Gulrajani et al. 2017). The gradient is taken with
 * `createGraph: true`, so the penalty is differentiable in the critic's parameters. The
 * interpolates are detached from `real` and `fake` (the penalty trains the critic only), and
 * the critic must treat samples independently (no batch statistics), since the gradient is
 * that of `Σᵢ D(x̂ᵢ)`. The per-sample penalty has shape [N].
 */
export function gradientPenalty(
  critic: (x: Tensor) => Tensor,
  real: Tensor,
  fake: Tensor,
  opts: GradientPenaltyOptions = {},
): Tensor {
  const op = 'gradientPenalty';
  const [r, f] = floatSame(op, ['real', 'fake'], real, fake);
  if (r.ndim < 1) throw new ShapeError(`${op}: expected a batch [N, ...], got ${fmtShape(r.shape)}`);
  const lambda = checkPositive(op, 'lambda', opts.lambda ?? 10, true);
  const N = r.shape[0]!;
  const bShape = [N, ...r.shape.slice(1).map(() => 1)];
  let alpha: Tensor;
  if (opts.alpha) {
    checkFloat(opts.alpha, op, 'alpha');
    if (!shapesEqual(opts.alpha.shape, [N])) {
      throw new ShapeError(`${op}: alpha must have shape [${N}] (got ${fmtShape(opts.alpha.shape)})`);
    }
    alpha = reshape(opts.alpha.detach(), bShape);
  } else {
    alpha = rand(bShape, { dtype: r.dtype, ...(opts.key ? { key: opts.key } : {}) });
  }
  return enableGrad(() => {
    const rd = r.detach();
    const x = add(mul(alpha, rd), mul(sub(1, alpha), f.detach()))
      .detach()
      .requiresGrad_(true);
    const out = critic(x);
    if (!(out instanceof Tensor)) {
      throw new ArgumentError(`${op}: critic must return a tensor`);
    }
    const [g] = autogradGrad(sum(out), x, undefined, { createGraph: true, allowUnused: true });
    const grad = g ?? zerosLike(x);
    const gnorm = norm(reshape(grad, [N, -1]), 2, 1);
    return reduceLoss(op, mul(square(sub(gnorm, 1)), lambda), opts);
  });
}

/**
 * Simplified diffusion loss (DDPM's L_simple) `‖ε − ε̂‖²` per sample — summed over all
 * but the batch dim — averaged over the batch by `'mean'`. Many implementations use the
 * elementwise mean instead, which is this divided by the per-sample size. The noise schedule
 * and the sampling of t and x_t live in the training helper (`losses/training`).
 */
export function diffusionSimpleLoss(epsPred: Tensor, eps: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'diffusionSimpleLoss';
  const [p, e] = floatSame(op, ['epsPred', 'eps'], epsPred, eps);
  if (p.ndim < 1) throw new ShapeError(`${op}: expected a batch [N, ...], got ${fmtShape(p.shape)}`);
  const sq = square(sub(e, p));
  const per =
    p.ndim === 1
      ? sq
      : sum(
          sq,
          p.shape.slice(1).map((_, i) => i + 1),
        );
  return reduceLoss(op, per, opts);
}

/**
 * Binary margin-based classification losses (survey §5.2) on real scores `f(x)` and labels
 * y ∈ {−1, +1}, written in terms of the margin (agreement) `z = y·f(x)`. The labels (int32 or
 * float) broadcast to the scores' shape; the per-sample loss has the scores' shape. Also the
 * cosine-similarity loss `1 − cos(f(x), y)` on vectors.
 */
import { ArgumentError, AxisError, fmtShape } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { add, clamp, div, ge, le, lt, maximum, mul, sub, where } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { norm, sum } from '../ops/reduce.js';
import { relu, square } from '../ops/unary.js';
import { checkPositive, checkValues, floatPair, type LossOptions, reduceLoss } from './types.js';

/**
 * Checks ±1 labels against the scores (float scores; labels broadcasting to them) and
 * returns the margin `z = y·f(x)`.
 */
export function margins(op: string, scores: Tensor, labels: Tensor): Tensor {
  const lf = labels.dtype === 'int32' || labels.dtype === 'bool' ? cast(labels, scores.dtype) : labels;
  const [s, y] = floatPair(op, ['scores', 'labels'], scores, lf);
  checkValues(op, 'labels', labels, (v) => v === 1 || v === -1, '-1 or +1 (map 0/1 labels with 2y − 1)');
  return mul(y, s);
}

/**
 * Zero-one loss `𝟙[z < 0]` (a misclassification count; 0 at z = 0). Not continuous: its
 * gradient is 0 everywhere (it is kept attached to the graph so `backward` runs, but it
 * cannot train a model — the reason for the surrogates below).
 */
export function zeroOne(scores: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'zeroOne';
  const z = margins(op, scores, labels);
  return reduceLoss(op, add(cast(lt(z, 0), z.dtype), mul(z, 0)), opts);
}

/**
 * Hinge loss `max(0, 1 − z)` (SVMs; margin fixed at 1). No direct PyTorch counterpart:
 * `HingeEmbeddingLoss` takes distances and `MultiMarginLoss` is multi-class.
 */
export function hinge(scores: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'hinge';
  return reduceLoss(op, relu(sub(1, margins(op, scores, labels))), opts);
}

/** Perceptron loss `max(0, −z)`: no penalty for correct answers, however small the margin. */
export function perceptron(scores: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'perceptron';
  return reduceLoss(op, relu(mul(margins(op, scores, labels), -1)), opts);
}

/**
 * Smoothed hinge (Rennie & Srebro): `½ − z` for z ≤ 0, `½(1 − z)²` for 0 < z < 1, 0 for
 * z ≥ 1. Continuously differentiable (survey eq. (18), with its `f(x)·t` typo read as `f(x)·y`).
 */
export function smoothedHinge(scores: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'smoothedHinge';
  const z = margins(op, scores, labels);
  const quad = mul(square(relu(sub(1, z))), 0.5);
  return reduceLoss(op, where(le(z, 0), sub(0.5, z), quad), opts);
}

/** Options of `quadraticallySmoothedHinge`. */
export interface QuadraticallySmoothedHingeOptions extends LossOptions {
  /** Width of the quadratic piece, γ > 0 (default 2, a convention: it gives the modified Huber loss). */
  gamma?: number;
}

/**
 * Quadratically smoothed hinge (Zhang 2004): `max(0, 1 − z)²/(2γ)` for z ≥ 1 − γ, else
 * `1 − γ/2 − z`. C¹; γ → 0 recovers the hinge, γ = 2 is the modified Huber loss. (Survey
 * eq. (19) prints `max(0, −z)²`; the `1 − z` form here is the one that is continuous.)
 */
export function quadraticallySmoothedHinge(
  scores: Tensor,
  labels: Tensor,
  opts: QuadraticallySmoothedHingeOptions = {},
): Tensor {
  const op = 'quadraticallySmoothedHinge';
  const gamma = checkPositive(op, 'gamma', opts.gamma ?? 2);
  const z = margins(op, scores, labels);
  const quad = div(square(relu(sub(1, z))), 2 * gamma);
  return reduceLoss(op, where(ge(z, 1 - gamma), quad, sub(1 - gamma / 2, z)), opts);
}

/**
 * Modified Huber loss `¼ max(0, 1 − z)²` for z ≥ −1, else `−z` (survey eq. (20) with `1 − z`
 * for its `−z`). This is the quadratically smoothed hinge with γ = 2; scikit-learn's
 * `modified_huber` is 4× this.
 */
export function modifiedHuber(scores: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'modifiedHuber';
  const z = margins(op, scores, labels);
  const quad = mul(square(relu(sub(1, z))), 0.25);
  return reduceLoss(op, where(ge(z, -1), quad, mul(z, -1)), opts);
}

/** Options of `ramp`. */
export interface RampOptions extends LossOptions {
  /** Truncation point s < 1: the loss is capped at 1 − s (default 0, a convention: cap 1). */
  s?: number;
}

/**
 * Ramp (truncated hinge) loss `min(1 − s, max(0, 1 − z))` = hinge(z) − max(0, s − z)
 * (Collobert et al.). Bounded, hence robust to outliers, and **not convex** (the survey's
 * CONV tag is wrong; its eq. (21) is garbled).
 */
export function ramp(scores: Tensor, labels: Tensor, opts: RampOptions = {}): Tensor {
  const op = 'ramp';
  const s = opts.s ?? 0;
  if (!(Number.isFinite(s) && s < 1))
    throw new ArgumentError(`${op}: s must be a finite number < 1 (got ${s})`);
  const z = margins(op, scores, labels);
  return reduceLoss(op, clamp(sub(1, z), 0, 1 - s), opts);
}

/** Options of `cosineSimilarity`. */
export interface CosineSimilarityOptions extends LossOptions {
  /** The vector dimension (default −1). */
  dim?: number;
  /** Lower bound on each norm in the denominator, as in PyTorch (default 1e-8). */
  eps?: number;
}

/**
 * Cosine-similarity loss `1 − ⟨f(x), y⟩ / (max(‖f(x)‖, ε)·max(‖y‖, ε))` along `dim`, in
 * [0, 2]. The per-sample loss drops `dim`. PyTorch's `cosine_similarity` returns the cosine
 * (this is 1 minus it); its `CosineEmbeddingLoss` instead takes ±1 pair labels and a margin.
 */
export function cosineSimilarity(pred: Tensor, target: Tensor, opts: CosineSimilarityOptions = {}): Tensor {
  const op = 'cosineSimilarity';
  const [p, t] = floatPair(op, ['pred', 'target'], pred, target);
  if (p.ndim === 0)
    throw new AxisError(`${op}: pred must have at least one dimension (got ${fmtShape(p.shape)})`);
  const dim = opts.dim ?? -1;
  if (!Number.isInteger(dim) || dim < -p.ndim || dim >= p.ndim) {
    throw new AxisError(`${op}: dim ${dim} is out of range for pred ${fmtShape(p.shape)}`);
  }
  const eps = checkPositive(op, 'eps', opts.eps ?? 1e-8, true);
  const dot = sum(mul(p, t), dim);
  const denom = mul(maximum(norm(p, 2, dim), eps), maximum(norm(t, 2, dim), eps));
  return reduceLoss(op, sub(1, div(dot, denom)), opts);
}

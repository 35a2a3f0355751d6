/**
 * Regression losses (survey §4): error-based, on predictions `pred` and targets `target`
 * (the target broadcasts to the prediction's shape). The per-sample loss is elementwise, of
 * the prediction's shape (PyTorch semantics); `reduction: 'mean'` averages over all elements.
 * The residual is `r = target − pred` (the survey's `y − f(x)`).
 */
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/node.js';
import type { Tensor } from '../core/tensor.js';
import { huberLoss, l1Loss, mseLoss, smoothL1Loss } from '../nn/functional/loss.js';
import { add, gt, mul, sub, where } from '../ops/binary.js';
import { mean, sum } from '../ops/reduce.js';
import { abs, exp, log1p, sqrt, square, tanh } from '../ops/unary.js';
import {
  applyWeight,
  checkPositive,
  checkReduction,
  checkValues,
  floatPair,
  type LossOptions,
  reduceLoss,
} from './types.js';

/**
 * Mean bias error `(1/N) Σ (yᵢ − f(xᵢ))` (survey eq. in §4): signed, so errors of opposite
 * sign cancel; positive means the model under-predicts. An evaluation metric more than a
 * training loss (it is unbounded below).
 */
export function meanBiasError(pred: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'meanBiasError';
  const [p, t] = floatPair(op, ['pred', 'target'], pred, target);
  return reduceLoss(op, sub(t, p), opts);
}

/** Mean absolute error (L1) `|y − f(x)|`; delegates to `nn.functional.l1Loss`. */
export function meanAbsoluteError(pred: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'meanAbsoluteError';
  const [p, t] = floatPair(op, ['pred', 'target'], pred, target);
  return reduceLoss(op, l1Loss(p, t, { reduction: 'none' }), opts);
}

/** Mean squared error (L2) `(y − f(x))²`; delegates to `nn.functional.mseLoss`. */
export function meanSquaredError(pred: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'meanSquaredError';
  const [p, t] = floatPair(op, ['pred', 'target'], pred, target);
  return reduceLoss(op, mseLoss(p, t, { reduction: 'none' }), opts);
}

/**
 * `√x` with the gradient 0 (a subgradient) where x = 0, instead of ∞·0 = NaN: RMSE's
 * gradient at a perfect fit.
 */
function safeSqrt(x: Tensor): Tensor {
  const pos = gt(x, 0);
  return where(pos, sqrt(where(pos, x, 1)), 0);
}

/** `√(reduced weighted squared error)` shared by RMSE and RMSLE. */
function rootOf(op: string, sq: Tensor, opts: LossOptions): Tensor {
  const reduction = checkReduction(op, opts.reduction);
  const w = applyWeight(op, sq, opts.weight);
  if (reduction === 'none') return safeSqrt(w);
  return safeSqrt(reduction === 'sum' ? sum(w) : mean(w));
}

/**
 * Root mean squared error `√((1/N) Σ (yᵢ − f(xᵢ))²)`: the square root is taken after the
 * reduction. `'mean'` gives the RMSE (with weights, `√(Σ wᵢrᵢ²/N)`); `'sum'` gives
 * `√(Σ wᵢrᵢ²)`, the residual's Euclidean norm; `'none'` gives each element's own RMSE,
 * `√(wᵢrᵢ²) = √wᵢ·|rᵢ|` (convention: the square root of the per-element weighted squared error).
 * The gradient at a perfect fit (all residuals 0) is 0, a subgradient.
 */
export function rootMeanSquaredError(pred: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'rootMeanSquaredError';
  const [p, t] = floatPair(op, ['pred', 'target'], pred, target);
  return rootOf(op, mseLoss(p, t, { reduction: 'none' }), opts);
}

/** Options of `huber`. */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1: a convention; the survey gives none). */
  delta?: number;
}

/**
 * Huber loss: `½r²` for |r| ≤ δ, `δ(|r| − ½δ)` otherwise; delegates to
 * `nn.functional.huberLoss` (same as PyTorch's `HuberLoss(delta)`).
 */
export function huber(pred: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  const op = 'huber';
  const delta = checkPositive(op, 'delta', opts.delta ?? 1);
  const [p, t] = floatPair(op, ['pred', 'target'], pred, target);
  return reduceLoss(op, huberLoss(p, t, { reduction: 'none', delta }), opts);
}

/** Options of `smoothL1`. */
export interface SmoothL1Options extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1, which is the survey's Smooth L1). */
  beta?: number;
}

/**
 * Smooth L1 with PyTorch's semantics: `½r²/β` for |r| < β, `|r| − ½β` otherwise, i.e.
 * `huber(δ = β) / β`; β = 0 gives the L1 loss. The survey defines Smooth L1 as Huber with
 * δ = 1, which is the default β = 1 (for β ≠ 1 the two differ by the factor 1/β).
 * Delegates to `nn.functional.smoothL1Loss`.
 */
export function smoothL1(pred: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  const op = 'smoothL1';
  const beta = checkPositive(op, 'beta', opts.beta ?? 1, true);
  const [p, t] = floatPair(op, ['pred', 'target'], pred, target);
  return reduceLoss(op, smoothL1Loss(p, t, { reduction: 'none', beta }), opts);
}

/**
 * `log cosh(r)` in the stable form `|r| + log1p(e^{−2|r|}) − log 2` (no overflow for large
 * |r|), recorded as one op whose gradient is `tanh(r)` (smooth at 0, twice differentiable).
 */
function logCoshOp(r: Tensor): Tensor {
  const y = noGrad(() => {
    const a = abs(r);
    return sub(add(a, log1p(exp(mul(a, -2)))), Math.LN2);
  });
  record('logCosh', y, [r], ([g]) => [mul(g!, tanh(r))], [r]);
  return y;
}

/**
 * Log-cosh loss `log cosh(f(x) − y)`: ≈ r²/2 for small r and ≈ |r| − log 2 for large r;
 * computed stably, with the gradient `tanh(f(x) − y)` (no PyTorch counterpart).
 */
export function logCosh(pred: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'logCosh';
  const [p, t] = floatPair(op, ['pred', 'target'], pred, target);
  return reduceLoss(op, logCoshOp(sub(p, t)), opts);
}

/**
 * Root mean squared log error `√((1/N) Σ (log(1 + yᵢ) − log(1 + f(xᵢ)))²)` with `log1p`.
 * Targets must be non-negative (the loss is for non-negative quantities) and predictions
 * greater than −1 (the domain of log1p; e.g. use a softplus or exp output). Reductions as
 * in `rootMeanSquaredError`.
 */
export function rootMeanSquaredLogError(pred: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'rootMeanSquaredLogError';
  const [p, t] = floatPair(op, ['pred', 'target'], pred, target);
  checkValues(op, 'target', t, (v) => v >= 0, 'non-negative');
  checkValues(op, 'pred', p, (v) => v > -1, 'greater than -1 (log1p domain)');
  return rootOf(op, square(sub(log1p(t), log1p(p))), opts);
}

/**
 * Probabilistic classification losses (survey §5.3): cross-entropy (categorical and binary),
 * negative log-likelihood and the Kullback–Leibler divergence. Class scores have the class
 * axis at dim 1 (`[N, C]` or `[N, C, d1, …]`, PyTorch layout); the per-sample loss has the
 * shape `[N, d1, …]`. The categorical functions delegate to `nn.functional.crossEntropy` /
 * `nllLoss` (stable log-sum-exp), the binary one to `binaryCrossEntropyWithLogits` (softplus).
 */
import { isFloating } from '../core/dtype.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { logSoftmax } from '../nn/functional/activation.js';
import {
  binaryCrossEntropyWithLogits,
  nllLoss,
  crossEntropy as nnCrossEntropy,
} from '../nn/functional/loss.js';
import { checkFloat } from '../nn/functional/util.js';
import { gt, mul, sub, where } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';
import { log } from '../ops/unary.js';
import { checkClassLabels, checkValues, floatPair, type LossOptions, reduceLoss } from './types.js';

/** Checks a `[N, C, …]` float input; returns the per-sample shape `[N, …]` and C. */
function classInput(op: string, name: string, x: Tensor): { sampleShape: number[]; C: number } {
  checkFloat(x, op, name);
  if (x.ndim < 2) {
    throw new ShapeError(`${op}: expected ${name} of shape [N, C, ...], got ${fmtShape(x.shape)}`);
  }
  return { sampleShape: [x.shape[0]!, ...x.shape.slice(2)], C: x.shape[1]! };
}

/** Checks a probability target of the input's shape with entries in [0, 1]. */
function probTarget(op: string, input: Tensor, target: Tensor): void {
  if (!isFloating(target.dtype)) {
    throw new DTypeError(
      `${op}: target must be int32 class labels or float probabilities (got ${target.dtype})`,
    );
  }
  if (!shapesEqual(target.shape, input.shape)) {
    throw new ShapeError(
      `${op}: probability target ${fmtShape(target.shape)} must have the input's shape ${fmtShape(input.shape)}`,
    );
  }
  checkValues(op, 'target probabilities', target, (v) => v >= 0 && v <= 1, 'in [0, 1]');
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends LossOptions {
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

/**
 * Categorical cross-entropy `−Σ_k y_k log softmax(s)_k` between logits `[N, C, …]` and
 * either int32 labels `[N, …]` or class probabilities of the logits' shape (soft labels).
 * Same as PyTorch's `cross_entropy`, except that `weight` here is per sample (PyTorch's is
 * per class; pass `classWeight[labels]` for that, with 'mean' dividing by N rather than by
 * the summed weights) and there is no `ignoreIndex`: every label must be in [0, C).
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { sampleShape, C } = classInput(op, 'logits', logits);
  if (target.dtype === 'int32') checkClassLabels(op, target, sampleShape, C, logits.shape);
  else probTarget(op, logits, target);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1))
    throw new ArgumentError(`${op}: labelSmoothing must be in [0, 1] (got ${eps})`);
  return reduceLoss(op, nnCrossEntropy(logits, target, { reduction: 'none', labelSmoothing: eps }), opts);
}

/**
 * Binary cross-entropy on logits `−[y log σ(s) + (1 − y) log(1 − σ(s))]` for targets in
 * [0, 1] (broadcasting to the logits), in the stable softplus form of PyTorch's
 * `binary_cross_entropy_with_logits` (to which it delegates). Note: `nn.functional.binaryCrossEntropy`
 * takes probabilities; this takes logits.
 */
export function binaryCrossEntropy(logits: Tensor, targets: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const [s, y] = floatPair(op, ['logits', 'targets'], logits, targets);
  checkValues(op, 'targets', y, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  return reduceLoss(op, binaryCrossEntropyWithLogits(s, y, { reduction: 'none' }), opts);
}

/**
 * Negative log-likelihood `−log p(yᵢ)` of int32 labels `[N, …]` under log-probabilities
 * `[N, C, …]` (e.g. `logSoftmax(logits, 1)`; with that, it equals `crossEntropy`). PyTorch's
 * `nll_loss` without class weights or `ignoreIndex`; delegates to `nn.functional.nllLoss`.
 */
export function negativeLogLikelihood(logProbs: Tensor, labels: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'negativeLogLikelihood';
  const { sampleShape, C } = classInput(op, 'logProbs', logProbs);
  checkClassLabels(op, labels, sampleShape, C, logProbs.shape);
  return reduceLoss(op, nllLoss(logProbs, labels, { reduction: 'none' }), opts);
}

/** Options of `klDivergence`. */
export interface KlDivergenceOptions extends LossOptions {
  /** What the first argument holds: `'logits'` (default; log-softmax is applied) or `'logProbs'`. */
  input?: 'logits' | 'logProbs';
}

/**
 * Kullback–Leibler divergence `KL(q ‖ p) = Σ_k q_k log(q_k / p_k)` per sample, summed over
 * the class axis (dim 1), with `0·log 0 = 0`; `q` = `targetProbs` (the input's shape,
 * entries in [0, 1]) and `p` the model distribution given by logits or log-probabilities.
 * `'mean'` averages over samples: PyTorch's `kl_div(logP, q, reduction='batchmean')`
 * (its `'mean'` divides by the number of elements, which is not the KL).
 */
export function klDivergence(
  logitsOrLogProbs: Tensor,
  targetProbs: Tensor,
  opts: KlDivergenceOptions = {},
): Tensor {
  const op = 'klDivergence';
  const input = opts.input ?? 'logits';
  if (input !== 'logits' && input !== 'logProbs') {
    throw new ArgumentError(`${op}: input must be 'logits' or 'logProbs' (got '${input}')`);
  }
  classInput(op, input, logitsOrLogProbs);
  probTarget(op, logitsOrLogProbs, targetProbs);
  const [x, q] = floatPair(op, [input, 'targetProbs'], logitsOrLogProbs, targetProbs);
  const logp = input === 'logits' ? logSoftmax(x, 1) : x;
  const pos = gt(q, 0);
  // q·(log q − log p) with 0·log 0 = 0 (also where log p = −∞); the inner `where` keeps the
  // gradient finite at q = 0.
  const terms = where(pos, mul(q, sub(log(where(pos, q, 1)), logp)), 0);
  return reduceLoss(op, sum(terms, 1), opts);
}

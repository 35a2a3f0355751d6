/**
 * Loss functions (PyTorch semantics).
 *
 * Class losses view the input as [N, C, S] (S = ∏ d₁…, class axis 1). `crossEntropy` is one
 * fused recorded op: a stable log-softmax, then per position L = −Σ_c a_c·logp_c, where the
 * coefficients a_c encode the target (one-hot or probabilities), class weights and label
 * smoothing; its gradient is `g·(Σa·softmax(x) − a)`. Like the normalisation layers, the
 * backward runs as one typed-array loop when no graph of the backward is recorded, and
 * with ops (through `softmax`) under createGraph, so it is twice differentiable.
 */
import { isGradEnabled } from '../../autograd/mode.js';
import { record } from '../../autograd/node.js';
import { allocArray, type DataArray, isFloating } from '../../core/dtype.js';
import { ArgumentError, AxisError, DTypeError, fmtShape, ShapeError } from '../../core/errors.js';
import { broadcastShapes, shapesEqual, sizeOf } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { add, clamp, div, lt, maximum, mul, sub, where } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { mean, sum, sumToShape } from '../../ops/reduce.js';
import { abs, log, neg, softplus, square } from '../../ops/unary.js';
import { expand, reshape, squeeze, unsqueeze } from '../../ops/view.js';
import { logSoftmax, softmax, softmaxRaw } from './activation.js';
import { checkFloat, checkProb, commonFloat } from './util.js';

/** How per-element losses are combined: averaged (default), summed, or returned as is. */
export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(op: string, r: string): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new ArgumentError(`${op}: reduction must be 'mean', 'sum' or 'none' (got '${r}')`);
  }
  return r;
}

function applyReduction(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? sum(loss) : mean(loss);
}

// ---------------------------------------------------------------------------------------------
// Class-index losses: crossEntropy, nllLoss

interface ClassLayout {
  N: number;
  C: number;
  S: number;
  /** Shape of the per-position loss: input shape without dim 1. */
  posShape: number[];
  /** posShape with a 1 inserted at dim 1 (broadcasts against the input). */
  bShape: number[];
}

function classLayout(input: Tensor, op: string): ClassLayout {
  if (input.ndim < 2) {
    throw new ShapeError(`${op}: expected input [N, C, d1, ...] or [C], got ${fmtShape(input.shape)}`);
  }
  const posShape = [input.shape[0]!, ...input.shape.slice(2)];
  return {
    N: input.shape[0]!,
    C: input.shape[1]!,
    S: sizeOf(input.shape.slice(2)),
    posShape,
    bShape: [input.shape[0]!, 1, ...input.shape.slice(2)],
  };
}

/** Checks int32 class targets (shape and range); returns a copy of the indices. */
function classTargets(
  op: string,
  input: Tensor,
  target: Tensor,
  L: ClassLayout,
  ignoreIndex: number,
): Int32Array {
  if (!shapesEqual(target.shape, L.posShape)) {
    throw new ShapeError(
      `${op}: expected target of shape ${fmtShape(L.posShape)} for input ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`,
    );
  }
  const t = (target._contiguousData() as Int32Array).slice();
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c !== ignoreIndex && (c < 0 || c >= L.C)) {
      throw new AxisError(
        `${op}: target ${c} is out of bounds for ${L.C} classes (input ${fmtShape(input.shape)})`,
      );
    }
  }
  return t;
}

function classWeights(op: string, weight: Tensor | null | undefined, C: number): Float64Array | null {
  if (!weight) return null;
  checkFloat(weight, op, 'weight');
  if (weight.ndim !== 1 || weight.shape[0] !== C) {
    throw new ShapeError(`${op}: weight must have shape [${C}] (got ${fmtShape(weight.shape)})`);
  }
  return Float64Array.from(weight._contiguousData());
}

/** Runs `f` on a batch of one when the input is unbatched [C] (target 0-d / [C]). */
function unbatched(
  input: Tensor,
  target: Tensor,
  reduction: Reduction,
  f: (input: Tensor, target: Tensor) => Tensor,
): Tensor | null {
  if (input.ndim !== 1) return null;
  const y = f(unsqueeze(input, 0), unsqueeze(target, 0));
  return reduction === 'none' ? squeeze(y, 0) : y;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** Per-class weights [C] (constant: no gradient flows into them). */
  weight?: Tensor | null;
  /** Target value that contributes neither loss nor gradient (class-index targets; default −100). */
  ignoreIndex?: number;
  reduction?: Reduction;
  /** Mixes the target with the uniform distribution: (1−ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits `input` [N, C, d1, ...] (or [C]) and either int32 class
 * indices `target` [N, d1, ...] or class probabilities of the input's shape. With class
 * indices, 'mean' divides by the summed weights of the non-ignored targets; with
 * probabilities, by the number of positions N·d1·…
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const un = unbatched(input, target, reduction, (i, t) => crossEntropy(i, t, opts));
  if (un) return un;
  checkFloat(input, op, 'input');
  const L = classLayout(input, op);
  const eps = opts.labelSmoothing ?? 0;
  checkProb(eps, op, 'labelSmoothing');
  const w = classWeights(op, opts.weight, L.C);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const probs = target.dtype !== 'int32';
  if (probs) {
    if (!isFloating(target.dtype)) {
      throw new DTypeError(
        `${op}: target must be int32 class indices or float probabilities (got ${target.dtype})`,
      );
    }
    if (!shapesEqual(target.shape, input.shape)) {
      throw new ShapeError(
        `${op}: probability target ${fmtShape(target.shape)} must have the input's shape ${fmtShape(input.shape)}`,
      );
    }
  }
  const x = input;
  const { N, C, S } = L;
  const P = N * S;
  const logp = allocArray(x.dtype, x.size);
  softmaxRaw(x._contiguousData(), N, C, S, logp, true);
  // Per position: loss, and the total coefficient Σ_c a_c.
  const loss = new Float64Array(P);
  const coefSum = new Float64Array(P);
  let denom = P;
  let tIdx: Int32Array | null = null;
  let tProb: DataArray | null = null;
  const wSum = w ? w.reduce((s, v) => s + v, 0) : C;
  if (!probs) {
    tIdx = classTargets(op, input, target, L, ignoreIndex);
    denom = 0;
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const pos = n * S + s;
        const t = tIdx[pos]!;
        if (t === ignoreIndex) continue;
        const wt = w ? w[t]! : 1;
        denom += wt;
        const base = n * C * S + s;
        let l = -(1 - eps) * wt * logp[base + t * S]!;
        if (eps > 0) {
          let sm = 0;
          for (let c = 0; c < C; c++) sm += (w ? w[c]! : 1) * logp[base + c * S]!;
          l -= (eps / C) * sm;
        }
        loss[pos] = l;
        coefSum[pos] = (1 - eps) * wt + (eps / C) * wSum;
      }
    }
  } else {
    tProb = target.dtype === x.dtype ? target._contiguousData() : cast(target, x.dtype)._contiguousData();
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const base = n * C * S + s;
        let l = 0;
        let cs = 0;
        for (let c = 0; c < C; c++) {
          const a = (w ? w[c]! : 1) * ((1 - eps) * tProb[base + c * S]! + eps / C);
          l -= a * logp[base + c * S]!;
          cs += a;
        }
        loss[n * S + s] = l;
        coefSum[n * S + s] = cs;
      }
    }
  }
  const out = allocArray(x.dtype, P);
  out.set(loss);
  const y = Tensor._fromData(out, L.posShape, x.dtype);
  const tTensor = probs ? (target.dtype === x.dtype ? target : cast(target, x.dtype)) : null;
  const inputs = tTensor ? [x, tTensor] : [x];
  record(
    op,
    y,
    inputs,
    ([g]) => {
      const res: (Tensor | null)[] = [null, null];
      if (x.requiresGrad) {
        if (!isGradEnabled()) {
          const gd = g!._contiguousData();
          const gx = allocArray(x.dtype, x.size);
          for (let n = 0; n < N; n++) {
            for (let s = 0; s < S; s++) {
              const pos = n * S + s;
              const gp = gd[pos]!;
              const base = n * C * S + s;
              if (tIdx) {
                const t = tIdx[pos]!;
                if (t === ignoreIndex) continue;
                const k = gp * coefSum[pos]!;
                const sw = (gp * eps) / C;
                for (let c = 0; c < C; c++) {
                  const i = base + c * S;
                  gx[i] = k * Math.exp(logp[i]!) - (eps > 0 ? sw * (w ? w[c]! : 1) : 0);
                }
                gx[base + t * S]! -= gp * (1 - eps) * (w ? w[t]! : 1);
              } else {
                const k = gp * coefSum[pos]!;
                for (let c = 0; c < C; c++) {
                  const i = base + c * S;
                  const a = (w ? w[c]! : 1) * ((1 - eps) * tProb![i]! + eps / C);
                  gx[i] = k * Math.exp(logp[i]!) - gp * a;
                }
              }
            }
          }
          res[0] = Tensor._fromData(gx, x.shape, x.dtype);
        } else {
          const gB = reshape(g!, L.bShape);
          const coef = tIdx
            ? denseCoefficients(tIdx, w, eps, ignoreIndex, L, x)
            : probCoefficients(tTensor!, w, eps, L, x);
          const cs = tIdx
            ? Tensor._fromData(Float64Array.from(coefSum), L.bShape, 'float64').cast(x.dtype)
            : sum(coef, 1, true);
          res[0] = mul(gB, sub(mul(cs, softmax(x, 1)), coef));
        }
      }
      if (tTensor?.requiresGrad) {
        let lp = logSoftmax(x, 1);
        if (w) lp = mul(lp, weightB(w, L, x));
        res[1] = mul(reshape(g!, L.bShape), mul(lp, -(1 - eps)));
      }
      return res;
    },
    [x],
  );
  if (reduction === 'none') return y;
  const total = sum(y);
  return reduction === 'sum' ? total : div(total, probs ? P : denom);
}

/** Class weights as a [1, C, 1, ...] tensor of x's dtype. */
function weightB(w: Float64Array, L: ClassLayout, x: Tensor): Tensor {
  const shape = [1, L.C, ...L.bShape.slice(2).map(() => 1)];
  return Tensor._fromData(Float64Array.from(w), shape, 'float64').cast(x.dtype);
}

/** Dense coefficients a[n, c, s] for class-index targets (constant). */
function denseCoefficients(
  t: Int32Array,
  w: Float64Array | null,
  eps: number,
  ignoreIndex: number,
  L: ClassLayout,
  x: Tensor,
): Tensor {
  const { N, C, S } = L;
  const a = allocArray(x.dtype, N * C * S);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const tc = t[n * S + s]!;
      if (tc === ignoreIndex) continue;
      const base = n * C * S + s;
      if (eps > 0) for (let c = 0; c < C; c++) a[base + c * S] = (eps / C) * (w ? w[c]! : 1);
      a[base + tc * S]! += (1 - eps) * (w ? w[tc]! : 1);
    }
  }
  return Tensor._fromData(a, x.shape, x.dtype);
}

/** Coefficients w_c·((1−ε)·t + ε/C) for probability targets, with ops (differentiable in t). */
function probCoefficients(t: Tensor, w: Float64Array | null, eps: number, L: ClassLayout, x: Tensor): Tensor {
  let a = eps > 0 ? add(mul(t, 1 - eps), eps / L.C) : t;
  if (w) a = mul(a, weightB(w, L, x));
  return a;
}

/** Options of `nllLoss`. */
export interface NllLossOptions {
  /** Per-class weights [C] (constant). */
  weight?: Tensor | null;
  /** Target value that contributes neither loss nor gradient (default −100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * Negative log-likelihood of int32 class `target` [N, d1, ...] under log-probabilities
 * `logProbs` [N, C, d1, ...] (or [C] with a 0-d target): `−w[t]·logProbs[t]`; 'mean'
 * divides by the summed weights of the non-ignored targets.
 */
export function nllLoss(logProbs: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const un = unbatched(logProbs, target, reduction, (i, t) => nllLoss(i, t, opts));
  if (un) return un;
  checkFloat(logProbs, op, 'input');
  if (target.dtype !== 'int32')
    throw new DTypeError(`${op}: target must be int32 class indices (got ${target.dtype})`);
  const L = classLayout(logProbs, op);
  const { N, C, S } = L;
  const w = classWeights(op, opts.weight, C);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const t = classTargets(op, logProbs, target, L, ignoreIndex);
  const x = logProbs;
  const xd = x._contiguousData();
  const out = allocArray(x.dtype, N * S);
  let denom = 0;
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const pos = n * S + s;
      const tc = t[pos]!;
      if (tc === ignoreIndex) continue;
      const wt = w ? w[tc]! : 1;
      denom += wt;
      out[pos] = -wt * xd[n * C * S + tc * S + s]!;
    }
  }
  const y = Tensor._fromData(out, L.posShape, x.dtype);
  record(op, y, [x], ([g]) => {
    if (isGradEnabled()) {
      const coef = denseCoefficients(t, w, 0, ignoreIndex, L, x);
      return [neg(mul(reshape(g!, L.bShape), coef))];
    }
    const gd = g!._contiguousData();
    const gx = allocArray(x.dtype, x.size);
    for (let pos = 0; pos < N * S; pos++) {
      const tc = t[pos]!;
      if (tc === ignoreIndex) continue;
      const n = (pos / S) | 0;
      gx[n * C * S + tc * S + (pos - n * S)] = -gd[pos]! * (w ? w[tc]! : 1);
    }
    return [Tensor._fromData(gx, x.shape, x.dtype)];
  });
  if (reduction === 'none') return y;
  const total = sum(y);
  return reduction === 'sum' ? total : div(total, denom);
}

// ---------------------------------------------------------------------------------------------
// Elementwise losses

/** Common checks of elementwise losses: float operands whose broadcast shape is the input's. */
function pairwise(op: string, input: Tensor, target: Tensor): [Tensor, Tensor] {
  const { ts } = commonFloat(op, ['input', 'target'], input, target);
  const shape = broadcastShapes(input.shape, target.shape, op);
  if (!shapesEqual(shape, input.shape)) {
    throw new ShapeError(
      `${op}: target ${fmtShape(target.shape)} does not broadcast to the input's shape ${fmtShape(input.shape)}`,
    );
  }
  return ts;
}

/** Options of the simple regression losses. */
export interface ReductionOptions {
  reduction?: Reduction;
}

/** Mean squared error `(input − target)²`. */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const op = 'mseLoss';
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const [x, t] = pairwise(op, input, target);
  return applyReduction(square(sub(x, t)), reduction);
}

/** Mean absolute error `|input − target|`. */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const op = 'l1Loss';
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const [x, t] = pairwise(op, input, target);
  return applyReduction(abs(sub(x, t)), reduction);
}

/** Options of `huberLoss`. */
export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss switches from quadratic to linear (default 1). */
  delta?: number;
}

/** Huber loss: `½d²` for |d| < δ, `δ(|d| − ½δ)` otherwise (d = input − target). */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberLossOptions = {}): Tensor {
  const op = 'huberLoss';
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new ArgumentError(`${op}: delta must be positive (got ${delta})`);
  const [x, t] = pairwise(op, input, target);
  const d = sub(x, t);
  const ad = abs(d);
  const loss = where(lt(ad, delta), mul(square(d), 0.5), mul(sub(ad, 0.5 * delta), delta));
  return applyReduction(loss, reduction);
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss switches from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

/** Smooth L1: `½d²/β` for |d| < β, `|d| − ½β` otherwise (d = input − target). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1LossOptions = {}): Tensor {
  const op = 'smoothL1Loss';
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new ArgumentError(`${op}: beta must be non-negative (got ${beta})`);
  const [x, t] = pairwise(op, input, target);
  const d = sub(x, t);
  const ad = abs(d);
  if (beta === 0) return applyReduction(ad, reduction);
  const loss = where(lt(ad, beta), mul(square(d), 0.5 / beta), sub(ad, 0.5 * beta));
  return applyReduction(loss, reduction);
}

/** Options of `binaryCrossEntropy`. */
export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** Rescales each element's loss (broadcast to the input's shape). */
  weight?: Tensor | null;
}

/** `max(log v, −100)`, the clamped log PyTorch's BCE uses. */
function clampedLog(v: Tensor): Tensor {
  return maximum(log(v), -100);
}

/**
 * Binary cross-entropy between probabilities `input` (in [0, 1]) and `target`:
 * `−w·(t·log x + (1−t)·log(1−x))`, each log clamped at −100 like PyTorch. The gradient is
 * `w·(x − t)/max(x(1−x), 1e−12)`.
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  opts: BinaryCrossEntropyOptions = {},
): Tensor {
  const op = 'binaryCrossEntropy';
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const [x, t] = pairwise(op, input, target);
  const xd = x._contiguousData();
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new ArgumentError(
        `${op}: all elements of input should be between 0 and 1 (got ${v} at flat index ${i})`,
      );
    }
  }
  const tb = shapesEqual(t.shape, x.shape) ? t : expand(t, x.shape);
  const td = tb._contiguousData();
  const out = allocArray(x.dtype, x.size);
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i]!;
    const tv = td[i]!;
    out[i] = -(tv * Math.max(Math.log(v), -100) + (1 - tv) * Math.max(Math.log(1 - v), -100));
  }
  const y = Tensor._fromData(out, x.shape, x.dtype);
  record(
    op,
    y,
    [x, t],
    ([g]) => [
      x.requiresGrad ? mul(g!, div(sub(x, tb), clamp(mul(x, sub(1, x)), 1e-12))) : null,
      t.requiresGrad ? sumToShape(mul(g!, sub(clampedLog(sub(1, x)), clampedLog(x))), t.shape) : null,
    ],
    [x, t],
  );
  let loss = y;
  if (opts.weight) loss = mul(loss, weightFor(op, opts.weight, x));
  return applyReduction(loss, reduction);
}

function weightFor(op: string, weight: Tensor, x: Tensor): Tensor {
  checkFloat(weight, op, 'weight');
  const shape = broadcastShapes(x.shape, weight.shape, op);
  if (!shapesEqual(shape, x.shape)) {
    throw new ShapeError(
      `${op}: weight ${fmtShape(weight.shape)} does not broadcast to the input's shape ${fmtShape(x.shape)}`,
    );
  }
  return weight.dtype === x.dtype ? weight : cast(weight, x.dtype);
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of positive examples, broadcast along the last (class) dim. */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits, in the stable form
 * `(1 − t)·x + (1 + (pw − 1)·t)·softplus(−x)` (times `weight`).
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const [x, t] = pairwise(op, input, target);
  const sp = softplus(neg(x));
  let loss: Tensor;
  if (opts.posWeight) {
    const pw = weightFor(op, opts.posWeight, x);
    loss = add(mul(sub(1, t), x), mul(add(mul(sub(pw, 1), t), 1), sp));
  } else {
    loss = add(mul(sub(1, t), x), sp);
  }
  if (opts.weight) loss = mul(loss, weightFor(op, opts.weight, x));
  return applyReduction(loss, reduction);
}

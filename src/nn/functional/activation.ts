/**
 * Activations: fused, numerically stable softmax / logSoftmax (recorded ops whose
 * backward is written with ops), the elementwise activations of `src/ops/unary.ts`
 * re-exported, and a few more composed from ops.
 */
import { isGradEnabled } from '../../autograd/mode.js';
import { record, shouldRecord } from '../../autograd/node.js';
import { getBackend, getNativeAddon } from '../../backend/index.js';
import type { FloatArray, NativeAddon } from '../../backend/native/addon.js';
import { allocArray, allocOutput, type DataArray } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { normAxis, sizeOf } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { add, div, gt, logicalAnd, lt, mul, sub, where } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { sum } from '../../ops/reduce.js';
import { abs, elu, exp, neg, sigmoid, softplus, tanh } from '../../ops/unary.js';
import { narrow, reshape } from '../../ops/view.js';
import { checkFloat } from './util.js';

export {
  elu,
  gelu,
  leakyRelu,
  relu,
  sigmoid,
  silu,
  softplus,
  tanh,
} from '../../ops/unary.js';

/** The [outer, n, inner] decomposition of `x` around `axis`. */
function around(x: Tensor, axis: number, op: string): { a: number; outer: number; n: number; inner: number } {
  if (x.ndim === 0) return { a: 0, outer: 1, n: 1, inner: 1 };
  const a = normAxis(axis, x.ndim, op);
  return {
    a,
    outer: sizeOf(x.shape.slice(0, a)),
    n: x.shape[a]!,
    inner: sizeOf(x.shape.slice(a + 1)),
  };
}

/**
 * Shared kernel of softmax/logSoftmax over the middle axis of [outer, n, inner]: writes
 * `exp(x − max) / Σ` (log: `x − max − log Σ`). @internal (also used by crossEntropy)
 */
export function softmaxRaw(
  x: DataArray,
  outer: number,
  n: number,
  inner: number,
  out: DataArray,
  log: boolean,
): void {
  const addon = nativeRows(x, out, inner);
  if (addon) {
    addon.softmax(x as FloatArray, out as FloatArray, outer, n, log);
    return;
  }
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      let mx = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const v = x[base + k]!;
        if (v > mx || v !== v) mx = v;
      }
      let s = 0;
      if (log) {
        for (let k = 0; k < n; k++) s += Math.exp(x[base + k]! - mx);
        const shift = mx + Math.log(s);
        for (let k = 0; k < n; k++) out[base + k] = x[base + k]! - shift;
      } else {
        for (let k = 0; k < n; k++) {
          const e = Math.exp(x[base + k]! - mx);
          out[base + k] = e;
          s += e;
        }
        const inv = 1 / s;
        for (let k = 0; k < n; k++) out[base + k]! *= inv;
      }
    }
    return;
  }
  const mx = new Float64Array(inner);
  const sm = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    mx.fill(Number.NEGATIVE_INFINITY);
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[row + i]!;
        if (v > mx[i]! || v !== v) mx[i] = v;
      }
    }
    sm.fill(0);
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const e = Math.exp(x[row + i]! - mx[i]!);
        if (!log) out[row + i] = e;
        sm[i]! += e;
      }
    }
    if (log) for (let i = 0; i < inner; i++) sm[i] = mx[i]! + Math.log(sm[i]!);
    else for (let i = 0; i < inner; i++) sm[i] = 1 / sm[i]!;
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      if (log) for (let i = 0; i < inner; i++) out[row + i] = x[row + i]! - sm[i]!;
      else for (let i = 0; i < inner; i++) out[row + i]! *= sm[i]!;
    }
  }
}

/** The addon when rows of `n` contiguous elements (inner = 1) can go to its softmax kernels. */
function nativeRows(x: DataArray, out: DataArray, inner: number): NativeAddon | null {
  if (inner !== 1 || getBackend().name !== 'native') return null;
  const same =
    (x instanceof Float32Array && out instanceof Float32Array) ||
    (x instanceof Float64Array && out instanceof Float64Array);
  return same ? getNativeAddon() : null;
}

/**
 * The input gradient of softmax (`y·(g − Σ g·y)`) or log-softmax (`g − exp(y)·Σ g`) along the middle
 * axis of [outer, n, inner], in one pass (the addon's kernel for rows, else a TypeScript loop).
 * Used by the backward when no graph is recorded; with `createGraph` the backward uses ops.
 */
function softmaxGradRaw(
  y: DataArray,
  g: DataArray,
  outer: number,
  n: number,
  inner: number,
  out: DataArray,
  log: boolean,
): void {
  const addon = nativeRows(y, out, inner);
  if (addon && g.constructor === y.constructor) {
    addon.softmaxGrad(y as FloatArray, g as FloatArray, out as FloatArray, outer, n, log);
    return;
  }
  const d = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    d.fill(0);
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) d[i]! += log ? g[row + i]! : g[row + i]! * y[row + i]!;
    }
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const j = row + i;
        out[j] = log ? g[j]! - Math.exp(y[j]!) * d[i]! : y[j]! * (g[j]! - d[i]!);
      }
    }
  }
}

/** Records softmax / log-softmax `y` of `x` (the backward is fused unless a graph is recorded). */
function recordSoftmax(op: string, x: Tensor, y: Tensor, a: number, log: boolean): void {
  const { outer, n, inner } = around(x, a, op);
  record(
    op,
    y,
    [x],
    ([g]) => {
      if (!isGradEnabled()) {
        const out = allocOutput(y.dtype, y.size);
        softmaxGradRaw(y._contiguousData(), g!._contiguousData(), outer, n, inner, out, log);
        return [Tensor._wrap(out, y.shape, y.dtype)];
      }
      const axes = x.ndim ? a : undefined;
      if (log) return [sub(g!, mul(exp(y), sum(g!, axes, true)))];
      const gy = mul(g!, y);
      return [sub(gy, mul(y, sum(gy, axes, true)))];
    },
    [y],
  );
}

/** Softmax (`log`: log-softmax) of `x` along `axis`, recorded when needed. */
function softmaxOp(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  checkFloat(x, op, 'input');
  const { a, outer, n, inner } = around(x, axis, op);
  const out = allocOutput(x.dtype, x.size);
  softmaxRaw(x._contiguousData(), outer, n, inner, out, log);
  const y = Tensor._wrap(out, x.shape, x.dtype);
  if (shouldRecord(x)) recordSoftmax(op, x, y, a, log);
  return y;
}

/**
 * Softmax along `axis` (default last), computed stably (shifted by the max). Backward:
 * `y·(g − Σ g·y)` (with ops under `createGraph`, so it is twice differentiable).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp('softmax', x, axis, false);
}

/**
 * `log(softmax(x))` along `axis` (default last), computed stably as `x − max − log Σ exp(x − max)`.
 * Backward: `g − exp(y)·Σ g`.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp('logSoftmax', x, axis, true);
}

/** `softmax(−x)` along `axis`. */
export function softmin(x: Tensor, axis = -1): Tensor {
  return softmax(neg(x), axis);
}

/** Clamps to [minVal, maxVal]; gradient 1 strictly inside, 0 elsewhere (like PyTorch). */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (!(minVal <= maxVal)) {
    throw new ArgumentError(`hardtanh: minVal ${minVal} must not exceed maxVal ${maxVal}`);
  }
  checkFloat(x, 'hardtanh', 'input');
  const xd = x._contiguousData();
  const out = allocArray(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i]!;
    out[i] = Math.min(Math.max(v, minVal), maxVal);
  }
  const y = Tensor._fromData(out, x.shape, x.dtype);
  record('hardtanh', y, [x], ([g]) => [mul(g!, cast(logicalAnd(gt(x, minVal), lt(x, maxVal)), g!.dtype))], [
    x,
  ]);
  return y;
}

/** `min(max(x, 0), 6)`. */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}

/** `relu6(x + 3) / 6`. */
export function hardsigmoid(x: Tensor): Tensor {
  return div(hardtanh(add(x, 3), 0, 6), 6);
}

/** `x · relu6(x + 3) / 6`. */
export function hardswish(x: Tensor): Tensor {
  return mul(x, hardsigmoid(x));
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Scaled ELU with the self-normalising constants. */
export function selu(x: Tensor): Tensor {
  return mul(elu(x, SELU_ALPHA), SELU_SCALE);
}

/** `max(0, x) + min(0, α(exp(x/α) − 1))`. */
export function celu(x: Tensor, alpha = 1): Tensor {
  if (alpha === 0) throw new ArgumentError('celu: alpha must be non-zero');
  return alpha === 1 ? elu(x, 1) : mul(elu(div(x, alpha), 1), alpha);
}

/** `x · tanh(softplus(x))`. */
export function mish(x: Tensor): Tensor {
  return mul(x, tanh(softplus(x)));
}

/** `log σ(x) = −softplus(−x)`, computed stably. */
export function logSigmoid(x: Tensor): Tensor {
  return neg(softplus(neg(x)));
}

/** `x / (1 + |x|)`. */
export function softsign(x: Tensor): Tensor {
  return div(x, add(abs(x), 1));
}

/** Gated linear unit: splits `axis` in halves a, b and returns `a · σ(b)`. */
export function glu(x: Tensor, axis = -1): Tensor {
  const a = normAxis(axis, x.ndim, 'glu');
  const n = x.shape[a]!;
  if (n % 2 !== 0) {
    throw new ShapeError(`glu: dim ${a} of input ${fmtShape(x.shape)} must have even size (got ${n})`);
  }
  return mul(narrow(x, a, 0, n / 2), sigmoid(narrow(x, a, n / 2, n / 2)));
}

/**
 * Parametric ReLU: `x` where x > 0, `weight·x` otherwise. `weight` has 1 element or one
 * per channel (dim 1 of x).
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  let w = weight;
  if (weight.size !== 1) {
    const c = x.ndim >= 2 ? x.shape[1]! : x.ndim === 1 ? x.shape[0]! : 1;
    if (weight.size !== c) {
      throw new ShapeError(
        `prelu: weight ${fmtShape(weight.shape)} must have 1 or ${c} elements for input ${fmtShape(x.shape)}`,
      );
    }
    w = x.ndim >= 2 ? reshape(weight, [c, ...x.shape.slice(2).map(() => 1)]) : reshape(weight, [c]);
  } else {
    w = reshape(weight, []);
  }
  return where(gt(x, 0), x, mul(w, x));
}

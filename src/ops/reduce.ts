/**
 * Reductions over any set of axes (with keepdims), arg-reductions, scans, and
 * the statistics built on them (logsumexp, var/std, norms).
 */
import { record, shouldRecord } from '../autograd/node.js';
import type { ReduceOp } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import { allocArray, allocOutput, type DType, isFloating } from '../core/dtype.js';
import { ArgumentError } from '../core/errors.js';
import { normAxes, normAxis, shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { add, div, eq, mul, pow, sub, where } from './binary.js';
import { cast, contiguous } from './cast.js';
import { arange } from './creation.js';
import { abs, exp, log, sqrt } from './unary.js';
import { expand, flip, permute, reshape } from './view.js';

/** Axes argument of reductions: one axis, several, or all (undefined). */
export type Axes = number | readonly number[] | undefined;

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function outShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  return keepdims ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

/** Lays `x` out as contiguous [outer, red, inner] with the reduced axes in the middle. */
function layout(
  x: Tensor,
  axes: readonly number[],
): { data: ReturnType<Tensor['_contiguousData']>; outer: number; red: number; inner: number } {
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  if (last - first + 1 === axes.length) {
    return {
      data: x._contiguousData(),
      outer: sizeOf(x.shape.slice(0, first)),
      red: sizeOf(x.shape.slice(first, last + 1)),
      inner: sizeOf(x.shape.slice(last + 1)),
    };
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const p = permute(x, [...kept, ...axes]);
  return {
    data: p._contiguousData(),
    outer: sizeOf(kept.map((i) => x.shape[i]!)),
    red: sizeOf(axes.map((i) => x.shape[i]!)),
    inner: 1,
  };
}

function reduceRaw(
  op: ReduceOp,
  x: Tensor,
  axes: readonly number[],
  keepdims: boolean,
  dtype: DType,
): Tensor {
  const shape = outShape(x.shape, axes, keepdims);
  const out = allocOutput(dtype, sizeOf(shape));
  if (axes.length === 0) {
    getBackend().copyStrided(x._strided(), out);
  } else {
    const { data, outer, red, inner } = layout(x, axes);
    getBackend().reduce(op, data, outer, red, inner, out);
  }
  return Tensor._wrap(out, shape, dtype);
}

/** Broadcasts a reduced gradient back to the input shape. */
function expandBack(g: Tensor, xShape: readonly number[], axes: readonly number[]): Tensor {
  return expand(reshape(g, keptShape(xShape, axes)), xShape);
}

/** Sum over `axis` (all axes by default). Bool and int32 sum to int32. */
export function sum(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  const axes = normAxes(axis, x.ndim, 'sum');
  const dtype = isFloating(x.dtype) ? x.dtype : 'int32';
  const y = reduceRaw('sum', x, axes, keepdims, dtype);
  if (shouldRecord(x)) record('sum', y, [x], ([g]) => [expandBack(g!, x.shape, axes)]);
  return y;
}

/** Mean over `axis` (integers are promoted to float32). */
export function mean(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  const xf = isFloating(x.dtype) ? x : cast(x, 'float32');
  const axes = normAxes(axis, x.ndim, 'mean');
  const count = sizeOf(axes.map((a) => x.shape[a]!));
  return div(sum(xf, axes, keepdims), count);
}

/** Product over `axis`. */
export function prod(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  const axes = normAxes(axis, x.ndim, 'prod');
  const dtype = isFloating(x.dtype) ? x.dtype : 'int32';
  const y = reduceRaw('prod', x, axes, keepdims, dtype);
  record(
    'prod',
    y,
    [x],
    ([g]) => {
      const yb = expandBack(y, x.shape, axes);
      const gb = expandBack(g!, x.shape, axes);
      const hasZero = x._contiguousData().some((v) => v === 0);
      if (!hasZero) return [div(mul(gb, yb), x)];
      // Product of the other elements, computed directly where x has zeros.
      return [mul(gb, productOfOthers(x, axes))];
    },
    [x, y],
  );
  return y;
}

function productOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const p = contiguous(permute(x, perm));
  const d = p._contiguousData();
  const red = sizeOf(axes.map((a) => x.shape[a]!));
  const out = allocArray(x.dtype, d.length);
  for (let o = 0; o < d.length; o += red) {
    for (let i = 0; i < red; i++) {
      let acc = 1;
      for (let j = 0; j < red; j++) if (j !== i) acc *= d[o + j]!;
      out[o + i] = acc;
    }
  }
  const inv = new Array<number>(perm.length);
  perm.forEach((a, i) => {
    inv[a] = i;
  });
  return contiguous(permute(Tensor._fromData(out, p.shape, x.dtype), inv));
}

function extremum(op: 'max' | 'min', x: Tensor, axis: Axes, keepdims: boolean): Tensor {
  const axes = normAxes(axis, x.ndim, op);
  if (x.size === 0) throw new ArgumentError(`${op}: cannot reduce an empty tensor of shape [${x.shape}]`);
  const y = reduceRaw(op, x, axes, keepdims, x.dtype);
  record(
    op,
    y,
    [x],
    ([g]) => {
      // Ties share the gradient equally (like torch.amax).
      const mask = cast(eq(x, expandBack(y, x.shape, axes)), g!.dtype);
      const count = sum(mask, axes, true);
      return [mul(expandBack(g!, x.shape, axes), div(mask, count))];
    },
    [x, y],
  );
  return y;
}

/** Maximum over `axis` (all by default); NaN propagates. Ties share the gradient. */
export function max(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  return extremum('max', x, axis, keepdims);
}

/** Minimum over `axis` (all by default); NaN propagates. Ties share the gradient. */
export function min(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  return extremum('min', x, axis, keepdims);
}

function argRaw(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepdims: boolean): Tensor {
  if (x.size === 0) throw new ArgumentError(`${op}: cannot reduce an empty tensor`);
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    const out = new Int32Array(1);
    getBackend().argReduce(op, flat._contiguousData(), 1, x.size, 1, out);
    return Tensor._fromData(out, keepdims ? x.shape.map(() => 1) : [], 'int32');
  }
  const a = normAxis(axis, x.ndim, op);
  const shape = outShape(x.shape, [a], keepdims);
  const out = new Int32Array(sizeOf(shape));
  getBackend().argReduce(
    op,
    x._contiguousData(),
    sizeOf(x.shape.slice(0, a)),
    x.shape[a]!,
    sizeOf(x.shape.slice(a + 1)),
    out,
  );
  return Tensor._fromData(out, shape, 'int32');
}

/** Index of the maximum along `axis` (of the flattened tensor when omitted), int32. */
export function argmax(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argRaw('argmax', x, axis, keepdims);
}

/** Index of the minimum along `axis` (of the flattened tensor when omitted), int32. */
export function argmin(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argRaw('argmin', x, axis, keepdims);
}

function withIndices(
  op: 'max' | 'min',
  x: Tensor,
  axis: number,
  keepdims: boolean,
): { values: Tensor; indices: Tensor } {
  const a = normAxis(axis, x.ndim, op);
  const indices = argRaw(op === 'max' ? 'argmax' : 'argmin', x, a, true);
  const n = x.shape[a]!;
  const pos = reshape(
    arange(n),
    x.shape.map((_, i) => (i === a ? n : 1)),
  );
  const oneHot = eq(pos, indices);
  const values = sum(where(oneHot, x, 0), a, keepdims);
  return { values, indices: keepdims ? indices : reshape(indices, outShape(x.shape, [a], false)) };
}

/** Max along `axis` with the index of each (gradient flows to that index only, like `torch.max(dim)`). */
export function maxWithIndices(
  x: Tensor,
  axis: number,
  keepdims = false,
): { values: Tensor; indices: Tensor } {
  return withIndices('max', x, axis, keepdims);
}

/** Min along `axis` with the index of each. */
export function minWithIndices(
  x: Tensor,
  axis: number,
  keepdims = false,
): { values: Tensor; indices: Tensor } {
  return withIndices('min', x, axis, keepdims);
}

/** `log(Σ exp(x))` over `axis`, computed stably (shifted by the detached max). */
export function logsumexp(x: Tensor, axis?: Axes, keepdims = false): Tensor {
  const axes = normAxes(axis, x.ndim, 'logsumexp');
  const xf = isFloating(x.dtype) ? x : cast(x, 'float32');
  const mRaw = reduceRaw('max', xf, axes, true, xf.dtype);
  // All -inf (or inf) rows: shift by 0 instead, so we get -inf (inf) rather than NaN.
  const m = where(eq(abs(mRaw), Number.POSITIVE_INFINITY), 0, mRaw);
  const s = log(sum(exp(sub(xf, m)), axes, true));
  const y = add(s, m);
  return keepdims ? y : reshape(y, outShape(x.shape, axes, false));
}

/** Options of `variance`/`std`. */
export interface VarOptions {
  /** Subtracted from the count in the denominator: 1 = unbiased (default), 0 = population. */
  correction?: number;
  keepdims?: boolean;
}

/** Variance over `axis` with Bessel's `correction` (default 1, like PyTorch). */
export function variance(x: Tensor, axis?: Axes, opts: VarOptions = {}): Tensor {
  const axes = normAxes(axis, x.ndim, 'var');
  const correction = opts.correction ?? 1;
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  const xf = isFloating(x.dtype) ? x : cast(x, 'float32');
  const centered = sub(xf, mean(xf, axes, true));
  return div(sum(mul(centered, centered), axes, opts.keepdims ?? false), Math.max(n - correction, 0));
}

/** Standard deviation over `axis` (see `variance`). */
export function std(x: Tensor, axis?: Axes, opts: VarOptions = {}): Tensor {
  return sqrt(variance(x, axis, opts));
}

/** Norm order: a number p ≥ 1, `Infinity`, or `'fro'` (the 2-norm of all entries). */
export type NormOrd = number | 'fro';

/**
 * Vector p-norm over `axis` (all entries by default): p = 1, 2 (default), Infinity,
 * any p > 0, or 'fro'. The gradient at 0 is 0 (a subgradient), as in PyTorch.
 */
export function norm(x: Tensor, ord: NormOrd = 2, axis?: Axes, keepdims = false): Tensor {
  const axes = normAxes(axis, x.ndim, 'norm');
  const xf = isFloating(x.dtype) ? x : cast(x, 'float32');
  if (ord === 'fro' || ord === 2) return norm2(xf, axes, keepdims);
  if (ord === 1) return sum(abs(xf), axes, keepdims);
  if (ord === Number.POSITIVE_INFINITY) return max(abs(xf), axes, keepdims);
  if (typeof ord !== 'number' || !(ord > 0)) throw new ArgumentError(`norm: unsupported order ${ord}`);
  return pow(sum(pow(abs(xf), ord), axes, keepdims), 1 / ord);
}

function norm2(x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const sq = reduceRaw('sum', Tensor._fromData(squareData(x), x.shape, x.dtype), axes, keepdims, x.dtype);
  const out = allocArray(x.dtype, sq.size);
  getBackend().unary('sqrt', sq._contiguousData(), out, 0);
  const y = Tensor._fromData(out, sq.shape, x.dtype);
  record(
    'norm',
    y,
    [x],
    ([g]) => {
      const yb = expandBack(y, x.shape, axes);
      const scale = div(expandBack(g!, x.shape, axes), where(eq(yb, 0), 1, yb));
      return [mul(x, where(eq(yb, 0), 0, scale))];
    },
    [x, y],
  );
  return y;
}

function squareData(x: Tensor): ReturnType<Tensor['_contiguousData']> {
  const out = allocArray(x.dtype, x.size);
  getBackend().unary('square', x._contiguousData(), out, 0);
  return out;
}

/** Inclusive cumulative sum along `axis`. */
export function cumsum(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.ndim, 'cumsum');
  const dtype = isFloating(x.dtype) ? x.dtype : 'int32';
  const out = allocArray(dtype, x.size);
  const xin = dtype === x.dtype ? x : cast(x, dtype);
  getBackend().cumulative(
    'cumsum',
    xin._contiguousData(),
    sizeOf(x.shape.slice(0, a)),
    x.shape[a]!,
    sizeOf(x.shape.slice(a + 1)),
    out,
  );
  const y = Tensor._fromData(out, x.shape, dtype);
  record('cumsum', y, [xin], ([g]) => [flip(cumsum(flip(g!, a), a), a)]);
  return y;
}

/** Sums a broadcast gradient back down to `shape` (the backward of broadcasting). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? sum(g, axes, true) : g;
  return reshape(s, shape);
}

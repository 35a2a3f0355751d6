/**
 * Integer indexing with PyTorch semantics: gather / scatter / scatterAdd along an
 * axis, indexSelect / indexAdd, flat `take`, and boolean masking (maskedFill,
 * maskedSelect, nonzero). Index tensors are int32; an out-of-range index throws
 * an `AxisError` naming the op, the index value and the dim size.
 *
 * The raw kernels come in differentiable pairs whose backwards call each other
 * (gather ↔ scatterAdd, indexSelect ↔ indexAdd), so gradients of gradients work.
 */
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/node.js';
import { allocArray } from '../core/dtype.js';
import { ArgumentError, AxisError, DTypeError, fmtShape, ShapeError } from '../core/errors.js';
import { broadcastShapes, contiguousStrides, normAxis, shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { scatterIntoZeros } from './assign.js';
import { mul, where } from './binary.js';
import { cast } from './cast.js';
import { zeros } from './creation.js';
import { narrow, reshape } from './view.js';

/** An index argument: an int32 tensor, or a plain array of integers. */
export type IndexLike = Tensor | readonly number[];

function asIndex(index: IndexLike, op: string): Tensor {
  if (index instanceof Tensor) {
    if (index.dtype !== 'int32') {
      throw new DTypeError(`${op}: index must be an int32 tensor (got ${index.dtype})`);
    }
    return index;
  }
  for (const v of index) {
    if (!Number.isInteger(v)) throw new ArgumentError(`${op}: index must hold integers (got ${v})`);
  }
  return Tensor._fromData(Int32Array.from(index), [index.length], 'int32');
}

function outOfBounds(op: string, j: number, axis: number, n: number): AxisError {
  return new AxisError(`${op}: index ${j} is out of bounds for dim ${axis} with size ${n}`);
}

/**
 * Visits every position of `shape` in row-major order with the flat position `i`
 * and two running storage offsets: `a` follows `aStrides` but ignores `axis`
 * (the caller adds the indexed position), `b` follows `bStrides` on every dim.
 */
function walk(
  shape: readonly number[],
  axis: number,
  aStrides: readonly number[],
  aOffset: number,
  bStrides: readonly number[],
  bOffset: number,
  visit: (i: number, a: number, b: number) => void,
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const nd = shape.length;
  const counter = new Array<number>(nd).fill(0);
  const as = aStrides.map((s, d) => (d === axis ? 0 : s));
  let a = aOffset;
  let b = bOffset;
  for (let i = 0; i < n; i++) {
    visit(i, a, b);
    for (let d = nd - 1; d >= 0; d--) {
      a += as[d]!;
      b += bStrides[d]!;
      if (++counter[d]! < shape[d]!) break;
      a -= as[d]! * shape[d]!;
      b -= bStrides[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
}

/** Checks the shapes of gather/scatter-style ops (PyTorch's rules). */
function checkScatterShapes(op: string, x: Tensor, axis: number, index: Tensor, src: Tensor | null): void {
  if (index.ndim !== x.ndim || (src && src.ndim !== x.ndim)) {
    const srcPart = src ? `, src ${fmtShape(src.shape)}` : '';
    throw new ShapeError(
      `${op}: index ${fmtShape(index.shape)} must have as many dims as input ${fmtShape(x.shape)}${srcPart}`,
    );
  }
  for (let d = 0; d < x.ndim; d++) {
    const k = index.shape[d]!;
    if (d !== axis && k > x.shape[d]!) {
      throw new ShapeError(
        `${op}: index ${fmtShape(index.shape)} is larger than input ${fmtShape(x.shape)} in dim ${d} (${k} > ${x.shape[d]})`,
      );
    }
    if (src && k > src.shape[d]!) {
      throw new ShapeError(
        `${op}: index ${fmtShape(index.shape)} is larger than src ${fmtShape(src.shape)} in dim ${d} (${k} > ${src.shape[d]})`,
      );
    }
  }
}

/** The leading `shape`-sized block of `t` (a view; `t` itself when equal). */
function leadingBlock(t: Tensor, shape: readonly number[]): Tensor {
  let v = t;
  for (let d = 0; d < shape.length; d++) if (v.shape[d] !== shape[d]) v = narrow(v, d, 0, shape[d]!);
  return v;
}

/** `g` (of the index's shape) placed in the leading block of zeros of `shape`. */
function padToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  return scatterIntoZeros(g, shape, (z) => leadingBlock(z, g.shape));
}

/** Promotes 0-d operands to 1-d (PyTorch accepts 0-d gather/scatter). */
function lift(t: Tensor): Tensor {
  return t.ndim === 0 ? reshape(t, [1]) : t;
}

/**
 * Gathers values along `axis`: `out[i][j][k] = x[i][index[i][j][k]][k]` for axis 1
 * (like `torch.gather`). `index` has x's rank and is at most x's size in the other
 * dims; the output has the index's shape. Differentiable in `x` (backward: scatterAdd).
 */
export function gather(x: Tensor, axis: number, index: IndexLike): Tensor {
  const op = 'gather';
  const idx = asIndex(index, op);
  if (x.ndim === 0 && idx.ndim === 0) return reshape(gather(lift(x), 0, lift(idx)), []);
  const a = normAxis(axis, x.ndim, op);
  checkScatterShapes(op, x, a, idx, null);
  const id = idx._contiguousData();
  const xd = x._storage.data;
  const n = x.shape[a]!;
  const sa = x.strides[a]!;
  const out = allocArray(x.dtype, idx.size);
  walk(idx.shape, a, x.strides, x.offset, [], 0, (i, base) => {
    const j = id[i]!;
    if (j < 0 || j >= n) throw outOfBounds(op, j, a, n);
    out[i] = xd[base + j * sa]!;
  });
  const y = Tensor._fromData(out, idx.shape, x.dtype);
  record(op, y, [x], ([g]) => [scatterAdd(zeros(x.shape, { dtype: g!.dtype }), a, idx, g!)], [idx]);
  return y;
}

function scatterRaw(
  op: string,
  x: Tensor,
  a: number,
  idx: Tensor,
  src: Tensor | number,
  accumulate: boolean,
): Tensor {
  const out = allocArray(x.dtype, x.size);
  out.set(x._contiguousData());
  const os = contiguousStrides(x.shape);
  const n = x.shape[a]!;
  const sa = os[a]!;
  const id = idx._contiguousData();
  if (typeof src === 'number') {
    const v = x.dtype === 'bool' ? (src ? 1 : 0) : src;
    walk(idx.shape, a, os, 0, [], 0, (i, base) => {
      const j = id[i]!;
      if (j < 0 || j >= n) throw outOfBounds(op, j, a, n);
      if (accumulate) out[base + j * sa]! += v;
      else out[base + j * sa] = v;
    });
  } else {
    const sd = src._storage.data;
    walk(idx.shape, a, os, 0, src.strides, src.offset, (i, base, s) => {
      const j = id[i]!;
      if (j < 0 || j >= n) throw outOfBounds(op, j, a, n);
      if (accumulate) out[base + j * sa]! += sd[s]!;
      else out[base + j * sa] = sd[s]!;
    });
  }
  return Tensor._fromData(out, x.shape, x.dtype);
}

function prepareScatter(
  op: string,
  x: Tensor,
  axis: number,
  index: IndexLike,
  src: Tensor | number,
): { a: number; idx: Tensor; s: Tensor | number } {
  const idx = asIndex(index, op);
  const a = normAxis(axis, x.ndim, op);
  let s: Tensor | number = src;
  if (s instanceof Tensor) {
    if (s.ndim === 0 && x.ndim > 0 && idx.ndim > 0) {
      throw new ShapeError(
        `${op}: src must have as many dims as input ${fmtShape(x.shape)} (got a 0-d tensor; pass a number to fill)`,
      );
    }
    if (s.dtype !== x.dtype) s = cast(s, x.dtype);
  } else if (typeof s !== 'number') {
    throw new ArgumentError(`${op}: src must be a tensor or a number`);
  }
  checkScatterShapes(op, x, a, idx, s instanceof Tensor ? s : null);
  return { a, idx, s };
}

/**
 * Out-of-place `torch.Tensor.scatter`: a copy of `x` with `out[i][index[i][j][k]][k] = src[i][j][k]`
 * (axis 1); `src` may be a number (fill). With duplicate indices the last write wins.
 * Differentiable in `x` (the overwritten positions get zero gradient) and `src` (gather).
 */
export function scatter(x: Tensor, axis: number, index: IndexLike, src: Tensor | number): Tensor {
  const op = 'scatter';
  if (x.ndim === 0) {
    const s0 = src instanceof Tensor ? lift(src) : src;
    return reshape(scatter(lift(x), 0, lift(asIndex(index, op)), s0), []);
  }
  const { a, idx, s } = prepareScatter(op, x, axis, index, src);
  const y = scatterRaw(op, x, a, idx, s, false);
  const inputs = s instanceof Tensor ? [x, s] : [x];
  record(
    op,
    y,
    inputs,
    ([g]) => [
      x.requiresGrad ? scatter(g!, a, idx, 0) : null,
      s instanceof Tensor && s.requiresGrad ? padToShape(gather(g!, a, idx), s.shape) : null,
    ],
    [idx],
  );
  return y;
}

/**
 * Out-of-place `torch.Tensor.scatter_add`: a copy of `x` with `src` added at the
 * indexed positions along `axis` (duplicates accumulate). Differentiable in both
 * `x` and `src` (backward of src: gather).
 */
export function scatterAdd(x: Tensor, axis: number, index: IndexLike, src: Tensor): Tensor {
  const op = 'scatterAdd';
  if (!(src instanceof Tensor)) throw new ArgumentError(`${op}: src must be a tensor`);
  if (x.ndim === 0) return reshape(scatterAdd(lift(x), 0, lift(asIndex(index, op)), lift(src)), []);
  const { a, idx, s } = prepareScatter(op, x, axis, index, src);
  const st = s as Tensor;
  const y = scatterRaw(op, x, a, idx, st, true);
  record(
    op,
    y,
    [x, st],
    ([g]) => [x.requiresGrad ? g! : null, st.requiresGrad ? padToShape(gather(g!, a, idx), st.shape) : null],
    [idx],
  );
  return y;
}

/** Flattens an index for indexSelect/indexAdd (1-D or 0-d). */
function vectorIndex(index: IndexLike, op: string): Tensor {
  const idx = asIndex(index, op);
  if (idx.ndim > 1) {
    throw new ShapeError(`${op}: index must be 1-D or 0-d (got shape ${fmtShape(idx.shape)})`);
  }
  return idx;
}

function indexSelectImpl(x: Tensor, axis: number, idx: Tensor, op: string): Tensor {
  if (x.ndim === 0) return reshape(indexSelectImpl(lift(x), 0, idx, op), idx.ndim === 0 ? [] : [idx.size]);
  const a = normAxis(axis, x.ndim, op);
  const n = x.shape[a]!;
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const m = idx.size;
  const id = idx._contiguousData();
  for (let k = 0; k < m; k++) {
    const j = id[k]!;
    if (j < 0 || j >= n) throw outOfBounds(op, j, a, n);
  }
  const xd = x._contiguousData();
  const shape = [...x.shape];
  shape[a] = m;
  const out = allocArray(x.dtype, outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < m; k++) {
      const src = (o * n + id[k]!) * inner;
      const dst = (o * m + k) * inner;
      // Short rows: a plain loop beats subarray + set.
      if (inner < 32) for (let t = 0; t < inner; t++) out[dst + t] = xd[src + t]!;
      else out.set(xd.subarray(src, src + inner), dst);
    }
  }
  const y = Tensor._fromData(out, shape, x.dtype);
  record(op, y, [x], ([g]) => [indexAdd(zeros(x.shape, { dtype: g!.dtype }), a, idx, g!)], [idx]);
  return y;
}

/**
 * The entries of `x` at positions `index` (1-D int32) along `axis`, like
 * `torch.index_select` (a copy). Differentiable in `x` (backward: indexAdd).
 */
export function indexSelect(x: Tensor, axis: number, index: IndexLike): Tensor {
  return indexSelectImpl(x, axis, vectorIndex(index, 'indexSelect'), 'indexSelect');
}

/**
 * Out-of-place `torch.Tensor.index_add`: a copy of `x` with `alpha * src[..., k, ...]`
 * added at position `index[k]` along `axis` (duplicates accumulate). `src` has
 * x's shape except `index.length` along `axis`. Differentiable in `x` and `src`.
 */
export function indexAdd(x: Tensor, axis: number, index: IndexLike, src: Tensor, alpha = 1): Tensor {
  const op = 'indexAdd';
  const idx = vectorIndex(index, op);
  if (x.ndim === 0) return reshape(indexAdd(lift(x), 0, idx, lift(src), alpha), []);
  const a = normAxis(axis, x.ndim, op);
  const m = idx.size;
  const want = [...x.shape];
  want[a] = m;
  const s0 = src.ndim === 0 && m === 1 && x.ndim === 1 ? lift(src) : src;
  if (!shapesEqual(s0.shape, want)) {
    throw new ShapeError(
      `${op}: src ${fmtShape(src.shape)} must have shape ${fmtShape(want)} (input ${fmtShape(x.shape)} with ${m} indices along dim ${a})`,
    );
  }
  const s = s0.dtype === x.dtype ? s0 : cast(s0, x.dtype);
  const n = x.shape[a]!;
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const id = idx._contiguousData();
  for (let k = 0; k < m; k++) {
    const j = id[k]!;
    if (j < 0 || j >= n) throw outOfBounds(op, j, a, n);
  }
  const out = allocArray(x.dtype, x.size);
  out.set(x._contiguousData());
  const sd = s._contiguousData();
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < m; k++) {
      const dst = (o * n + id[k]!) * inner;
      const from = (o * m + k) * inner;
      if (alpha === 1) for (let t = 0; t < inner; t++) out[dst + t]! += sd[from + t]!;
      else for (let t = 0; t < inner; t++) out[dst + t]! += alpha * sd[from + t]!;
    }
  }
  const y = Tensor._fromData(out, x.shape, x.dtype);
  record(
    op,
    y,
    [x, s],
    ([g]) => {
      let gs: Tensor | null = null;
      if (s.requiresGrad) {
        const sel = indexSelectImpl(g!, a, idx, 'indexSelect');
        gs = alpha === 1 ? sel : mul(sel, alpha);
        if (s !== s0) gs = reshape(gs, s0.shape);
      }
      return [x.requiresGrad ? g! : null, gs];
    },
    [idx],
  );
  return y;
}

/**
 * Elements of the flattened `x` at `index` (any shape; negative indices count
 * from the end), like `torch.take`. The result has the index's shape.
 */
export function take(x: Tensor, index: IndexLike): Tensor {
  const op = 'take';
  const idx = asIndex(index, op);
  const n = x.size;
  const id = idx._contiguousData();
  const norm = new Int32Array(id.length);
  for (let i = 0; i < id.length; i++) {
    const j = id[i]!;
    const k = j < 0 ? j + n : j;
    if (k < 0 || k >= n) throw outOfBounds(op, j, 0, n);
    norm[i] = k;
  }
  const flatIdx = Tensor._fromData(norm, [norm.length], 'int32');
  return reshape(indexSelectImpl(reshape(x, [n]), 0, flatIdx, op), idx.shape);
}

function asMask(mask: Tensor, x: Tensor, op: string): Tensor {
  if (mask.dtype !== 'bool') throw new DTypeError(`${op}: mask must be a bool tensor (got ${mask.dtype})`);
  const shape = broadcastShapes(x.shape, mask.shape, op);
  if (!shapesEqual(shape, x.shape)) {
    throw new ShapeError(
      `${op}: mask ${fmtShape(mask.shape)} cannot be broadcast to the input shape ${fmtShape(x.shape)}`,
    );
  }
  return mask;
}

/**
 * `value` where `mask` (bool, broadcast to x's shape) is true, `x` elsewhere
 * (out-of-place `torch.Tensor.masked_fill`). `value` is a number or a 0-d tensor;
 * gradients flow to `x` (unmasked positions) and to a tensor `value`.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  const op = 'maskedFill';
  const m = asMask(mask, x, op);
  let v: Tensor;
  if (value instanceof Tensor) {
    if (value.ndim !== 0) {
      throw new ShapeError(
        `${op}: value must be a number or a 0-d tensor (got shape ${fmtShape(value.shape)})`,
      );
    }
    v = value.dtype === x.dtype ? value : cast(value, x.dtype);
  } else {
    const out = allocArray(x.dtype, 1);
    out[0] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    v = Tensor._fromData(out, [], x.dtype);
  }
  return where(m, v, x);
}

/**
 * Coordinates of the non-zero elements of `x`, as an int32 `[count, ndim]`
 * tensor (like `torch.nonzero`). Not differentiable.
 */
export function nonzero(x: Tensor): Tensor {
  const d = x._contiguousData();
  const nd = x.ndim;
  const strides = contiguousStrides(x.shape);
  const hits: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) hits.push(i);
  const out = new Int32Array(hits.length * nd);
  hits.forEach((flat, r) => {
    let rem = flat;
    for (let k = 0; k < nd; k++) {
      out[r * nd + k] = Math.floor(rem / strides[k]!);
      rem -= out[r * nd + k]! * strides[k]!;
    }
  });
  return Tensor._fromData(out, [hits.length, nd], 'int32');
}

/**
 * The elements of `x` where `mask` (bool, broadcast to x's shape) is true, as a
 * 1-D tensor (like `torch.masked_select`). Differentiable in `x`.
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  const op = 'maskedSelect';
  const m = asMask(mask, x, op);
  const md = noGrad(() => reshape(m.expand(...x.shape), [x.size]))._contiguousData();
  const pos: number[] = [];
  for (let i = 0; i < md.length; i++) if (md[i]) pos.push(i);
  const idx = Tensor._fromData(Int32Array.from(pos), [pos.length], 'int32');
  return indexSelectImpl(reshape(x, [x.size]), 0, idx, op);
}

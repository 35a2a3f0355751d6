/**
 * Helpers shared by the linalg ops: argument checks with uniform error messages,
 * reading tensors into float64 batches and wrapping results, and small differentiable
 * building blocks (transpose, identity, triangular masks, diagonals, padding).
 */
import { getBackend } from '../backend/index.js';
import { allocArray, type DType, isFloating } from '../core/dtype.js';
import { DTypeError, fmtShape, ShapeError } from '../core/errors.js';
import { sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { scatterIntoZeros } from '../ops/assign.js';
import { add, mul, where } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';
import { broadcastView } from '../ops/util.js';
import { narrow, transpose, unsqueeze } from '../ops/view.js';

/** Checks that `t` is a float32/float64 tensor. */
export function checkFloat(op: string, t: Tensor, name = 'A'): void {
  if (!isFloating(t.dtype)) {
    throw new DTypeError(`${op}: expected ${name} to be float32 or float64, got ${t.dtype}`);
  }
}

/** Checks that `t` is a float (batch of) matrix; returns its [rows, cols]. */
export function checkMatrix(op: string, t: Tensor, name = 'A'): [number, number] {
  checkFloat(op, t, name);
  if (t.ndim < 2) {
    throw new ShapeError(
      `${op}: ${name} must have at least 2 dimensions (a batch of matrices), got shape ${fmtShape(t.shape)}`,
    );
  }
  return [t.shape[t.ndim - 2]!, t.shape[t.ndim - 1]!];
}

/** Checks that `t` is a float (batch of) square matrix; returns n. */
export function checkSquare(op: string, t: Tensor, name = 'A'): number {
  const [m, n] = checkMatrix(op, t, name);
  if (m !== n) {
    throw new ShapeError(`${op}: ${name} must be a (batch of) square matrix, got shape ${fmtShape(t.shape)}`);
  }
  return n;
}

/** The leading (batch) dims of a matrix tensor. */
export function batchOf(t: Tensor): number[] {
  return t.shape.slice(0, -2);
}

/** Describes batch element `b` of `shape` for error messages. */
export function describeElement(
  b: number,
  batchShape: readonly number[],
  shape: readonly number[],
  name = 'the input',
): string {
  if (batchShape.length === 0) return `${name} ${fmtShape(shape)}`;
  const idx: number[] = [];
  let rest = b;
  for (let i = batchShape.length - 1; i >= 0; i--) {
    idx.unshift(rest % batchShape[i]!);
    rest = Math.floor(rest / batchShape[i]!);
  }
  const at = idx.length === 1 ? `${idx[0]}` : `[${idx.join(',')}]`;
  return `batch element ${at} of ${name} ${fmtShape(shape)}`;
}

/** A fresh row-major float64 copy of `t`, broadcast to `shape` (default: its own shape). */
export function readF64(t: Tensor, shape: readonly number[] = t.shape): Float64Array {
  const out = new Float64Array(sizeOf(shape));
  if (out.length > 0) getBackend().copyStrided(broadcastView(t, shape), out);
  return out;
}

/** Wraps float64 results as a tensor of `dtype` (float64 data is used without copying). */
export function fromF64(data: Float64Array, shape: readonly number[], dtype: DType): Tensor {
  if (dtype === 'float64') return Tensor._fromData(data, shape, 'float64');
  const out = allocArray(dtype, data.length);
  out.set(data);
  return Tensor._fromData(out, shape, dtype);
}

/** Machine epsilon of a float dtype. */
export function epsOf(dtype: DType): number {
  return dtype === 'float64' ? 2 ** -52 : 2 ** -23;
}

/** Matrix transpose of the last two dims (a differentiable view). */
export function mT(x: Tensor): Tensor {
  return transpose(x, -2, -1);
}

/** The r×c identity (constant). */
export function eyeT(r: number, c: number, dtype: DType): Tensor {
  const out = allocArray(dtype, r * c);
  for (let i = 0; i < Math.min(r, c); i++) out[i * c + i] = 1;
  return Tensor._fromData(out, [r, c], dtype);
}

/** Bool r×c mask of `j - i <= k` (lower, tril) or `j - i >= k` (upper, triu). */
function triMask(r: number, c: number, k: number, lower: boolean): Tensor {
  const out = new Uint8Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) out[i * c + j] = (lower ? j - i <= k : j - i >= k) ? 1 : 0;
  }
  return Tensor._fromData(out, [r, c], 'bool');
}

/** Lower triangle (diagonal offset k) of the last two dims; differentiable. */
export function tril(x: Tensor, k = 0): Tensor {
  const r = x.shape[x.ndim - 2]!;
  const c = x.shape[x.ndim - 1]!;
  return where(triMask(r, c, k, true), x, 0);
}

/** Upper triangle (diagonal offset k) of the last two dims; differentiable. */
export function triu(x: Tensor, k = 0): Tensor {
  const r = x.shape[x.ndim - 2]!;
  const c = x.shape[x.ndim - 1]!;
  return where(triMask(r, c, k, false), x, 0);
}

/** [..., n] → [..., n, n] with `v` on the diagonal; differentiable. */
export function diagEmbed(v: Tensor): Tensor {
  const n = v.shape[v.ndim - 1]!;
  return mul(unsqueeze(v, -1), eyeT(n, n, v.dtype));
}

/** The main diagonal of the last two dims, [..., r, c] → [..., min(r,c)]; differentiable. */
export function diagPart(x: Tensor): Tensor {
  const r = x.shape[x.ndim - 2]!;
  const c = x.shape[x.ndim - 1]!;
  const k = Math.min(r, c);
  const sq = r === k && c === k ? x : narrow(narrow(x, -2, 0, k), -1, 0, k);
  return sum(mul(sq, eyeT(k, k, x.dtype)), -1);
}

/** Zero-pads `x` along `axis` to `size`, placing it at `start`; differentiable. */
export function padAxis(x: Tensor, axis: number, start: number, size: number): Tensor {
  const ax = axis < 0 ? axis + x.ndim : axis;
  const shape = [...x.shape];
  const len = shape[ax]!;
  shape[ax] = size;
  return scatterIntoZeros(x, shape, (z) => narrow(z, ax, start, len));
}

/** Concatenation of two tensors along `axis` (same other dims); differentiable. */
export function concat2(a: Tensor, b: Tensor, axis: number): Tensor {
  const ax = axis < 0 ? axis + a.ndim : axis;
  const na = a.shape[ax]!;
  const nb = b.shape[ax]!;
  return add(padAxis(a, ax, 0, na + nb), padAxis(b, ax, na, na + nb));
}

/** Scalar per batch element times the identity: [...] → [..., n, n]. */
export function scaledEye(s: Tensor, n: number): Tensor {
  return mul(unsqueeze(unsqueeze(s, -1), -1), eyeT(n, n, s.dtype));
}

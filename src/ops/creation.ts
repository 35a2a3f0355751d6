/** Tensor creation: from data, constants, ranges, identity. */
import {
  allocArray,
  assertDType,
  type DataArray,
  DEFAULT_FLOAT,
  type DType,
  dtypeOfArray,
} from '../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { checkShape, type Shape, sizeOf } from '../core/shape.js';
import { type NestedArray, Tensor } from '../core/tensor.js';

/** Options shared by creation functions. */
export interface CreateOptions {
  /** Element type (default float32; `tensor()` infers bool from booleans and keeps a typed array's type). */
  dtype?: DType;
  /** Make the new tensor a leaf that requires grad. */
  requiresGrad?: boolean;
}

/** Any typed array accepted as tensor data. */
export type TypedArrayInput = Float32Array | Float64Array | Int32Array | Uint8Array;

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  void op;
  return shape;
}

function flatten(data: NestedArray, shape: readonly number[], out: DataArray, op: string): void {
  let k = 0;
  const walk = (v: NestedArray, dim: number) => {
    if (dim === shape.length) {
      if (Array.isArray(v)) throw new ShapeError(`${op}: ragged nested array (too deep at dim ${dim})`);
      out[k++] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new ShapeError(
        `${op}: ragged nested array: expected length ${shape[dim]} at dim ${dim}, got ${Array.isArray(v) ? v.length : 'a scalar'}`,
      );
    }
    for (const x of v) walk(x, dim + 1);
  };
  walk(data, 0);
}

function firstScalar(data: NestedArray): number | boolean | undefined {
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    if (cur.length === 0) return undefined;
    cur = cur[0]!;
  }
  return cur;
}

/**
 * Creates a tensor from nested arrays, a flat array or a typed array (copied).
 * Numbers default to float32 (pass `dtype: 'int32'` for integers), booleans to bool.
 * `shape` reshapes flat data.
 */
export function tensor(
  data: NestedArray | TypedArrayInput | readonly number[],
  opts: CreateOptions & { shape?: Shape } = {},
): Tensor {
  const op = 'tensor';
  if (opts.dtype) assertDType(opts.dtype, op);
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArrayInput;
    const dtype = opts.dtype ?? dtypeOfArray(arr);
    const shape = opts.shape ?? [arr.length];
    checkShape(shape, op);
    if (sizeOf(shape) !== arr.length) {
      throw new ShapeError(
        `${op}: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, data has ${arr.length}`,
      );
    }
    const out = allocArray(dtype, arr.length);
    if (dtype === 'bool' && !(arr instanceof Uint8Array))
      for (let i = 0; i < arr.length; i++) out[i] = arr[i] ? 1 : 0;
    else out.set(arr);
    return finish(Tensor._fromData(out, shape, dtype), opts);
  }
  const nested = data as NestedArray;
  const inferred = inferShape(nested, op);
  const first = firstScalar(nested);
  const dtype = opts.dtype ?? (typeof first === 'boolean' ? 'bool' : DEFAULT_FLOAT);
  const n = sizeOf(inferred);
  const out = allocArray(dtype, n);
  flatten(nested, inferred, out, op);
  let shape: Shape = inferred;
  if (opts.shape) {
    checkShape(opts.shape, op);
    if (sizeOf(opts.shape) !== n) {
      throw new ShapeError(
        `${op}: shape ${fmtShape(opts.shape)} needs ${sizeOf(opts.shape)} elements, data has ${n}`,
      );
    }
    shape = opts.shape;
  }
  return finish(Tensor._fromData(out, shape, dtype), opts);
}

/** A 0-d tensor holding `value`. */
export function scalar(value: number | boolean, opts: CreateOptions = {}): Tensor {
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : DEFAULT_FLOAT);
  const out = allocArray(dtype, 1);
  out[0] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  return finish(Tensor._fromData(out, [], dtype), opts);
}

/**
 * Wraps a typed array without copying: the tensor and the array share memory.
 * The dtype follows the array type (Uint8Array → bool).
 */
export function fromTypedArray(
  data: TypedArrayInput,
  shape?: Shape,
  opts: { requiresGrad?: boolean } = {},
): Tensor {
  const s = shape ?? [data.length];
  checkShape(s, 'fromTypedArray');
  if (sizeOf(s) !== data.length) {
    throw new ShapeError(
      `fromTypedArray: shape ${fmtShape(s)} needs ${sizeOf(s)} elements, array has ${data.length}`,
    );
  }
  return finish(Tensor._fromData(data, s, dtypeOfArray(data)), opts);
}

/** A tensor filled with `value`. */
export function full(shape: Shape, value: number | boolean, opts: CreateOptions = {}): Tensor {
  checkShape(shape, 'full');
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : DEFAULT_FLOAT);
  const out = allocArray(dtype, sizeOf(shape));
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  if (v !== 0) out.fill(v);
  return finish(Tensor._fromData(out, shape, dtype), opts);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/** A tensor of ones. */
export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** An uninitialised tensor (zero-filled in practice: typed arrays always are). */
export function empty(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

function likeOpts(t: Tensor, opts: CreateOptions): CreateOptions {
  return { dtype: opts.dtype ?? t.dtype, requiresGrad: opts.requiresGrad ?? false };
}

/** Zeros with the shape (and by default the dtype) of `t`. */
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return zeros(t.shape, likeOpts(t, opts));
}

/** Ones with the shape (and by default the dtype) of `t`. */
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return ones(t.shape, likeOpts(t, opts));
}

/** `value` with the shape (and by default the dtype) of `t`. */
export function fullLike(t: Tensor, value: number | boolean, opts: CreateOptions = {}): Tensor {
  return full(t.shape, value, likeOpts(t, opts));
}

/** Uninitialised with the shape (and by default the dtype) of `t`. */
export function emptyLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return zeros(t.shape, likeOpts(t, opts));
}

/**
 * Values from `start` (inclusive) to `stop` (exclusive) by `step`; `arange(n)` is 0…n-1.
 * The dtype is int32 when every argument is an integer, float32 otherwise (like PyTorch).
 */
export function arange(start: number, stop?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new ArgumentError(`arange: step must be a non-zero finite number (got ${step})`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step);
  const dtype = opts.dtype ?? (allInt ? 'int32' : DEFAULT_FLOAT);
  const out = allocArray(dtype, n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return finish(Tensor._fromData(out, [n], dtype), opts);
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, num: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(num) || num < 0)
    throw new ArgumentError(`linspace: num must be a non-negative integer (got ${num})`);
  const dtype = opts.dtype ?? DEFAULT_FLOAT;
  const out = allocArray(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  // Fill symmetrically from both ends, as NumPy/PyTorch do, so the endpoints are exact.
  const half = Math.floor(num / 2);
  for (let i = 0; i < num; i++) out[i] = i < half ? start + i * step : stop - (num - 1 - i) * step;
  return finish(Tensor._fromData(out, [num], dtype), opts);
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  checkShape([n, m], 'eye');
  const dtype = opts.dtype ?? DEFAULT_FLOAT;
  const out = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return finish(Tensor._fromData(out, [n, m], dtype), opts);
}

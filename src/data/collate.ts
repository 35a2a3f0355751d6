/**
 * Batching samples: `stackTensors` (copying rows into one new tensor) and `defaultCollate`,
 * which stacks tensors, turns numbers and booleans into tensors and recurses into arrays
 * and plain objects (like PyTorch's `default_collate`).
 */
import { allocArray, type DataArray, type DType } from '../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

/** Typed arrays the collate function turns into tensors (one row per sample). */
export type CollatableArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The type `defaultCollate` turns a batch of `T`s into. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends CollatableArray
      ? Tensor
      : T extends string
        ? string[]
        : T extends readonly unknown[]
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : T extends null | undefined
            ? T[]
            : T extends Record<string, unknown>
              ? { [K in keyof T]: Collated<T[K]> }
              : T[];

/**
 * Stacks same-shape, same-dtype tensors along a new leading axis (a copy; not recorded by
 * autograd: this is for data pipelines).
 */
export function stackTensors(tensors: readonly Tensor[], op = 'stackTensors'): Tensor {
  if (tensors.length === 0) throw new ArgumentError(`${op}: need at least one tensor`);
  const first = tensors[0]!;
  const rowSize = first.size;
  const out = allocArray(first.dtype, rowSize * tensors.length);
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ShapeError(
        `${op}: all tensors in a batch must have the same shape; sample 0 has ${fmtShape(first.shape)}, sample ${i} has ${fmtShape(t.shape)}`,
      );
    }
    if (t.dtype !== first.dtype) {
      throw new ShapeError(
        `${op}: all tensors in a batch must have the same dtype; sample 0 is ${first.dtype}, sample ${i} is ${t.dtype}`,
      );
    }
    out.set(t._contiguousData() as ArrayLike<number>, i * rowSize);
  });
  return Tensor._fromData(out, [tensors.length, ...first.shape], first.dtype);
}

function arrayDType(a: CollatableArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'int32'; // Uint8Array samples are bytes (e.g. pixels), not booleans
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Collates a list of samples into a batch:
 * - tensors → stacked along a new axis 0 (`[B, ...shape]`);
 * - numbers → a 1-D tensor: int32 when all are integers, else float32; booleans → bool;
 * - typed arrays → `[B, length]` tensors (Uint8Array → int32);
 * - strings → the array of strings; null/undefined → the array as is;
 * - arrays / tuples → collated position by position (samples must have equal lengths);
 * - plain objects → collated key by key.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  return collate(samples as readonly unknown[], 'defaultCollate') as Collated<T>;
}

function collate(samples: readonly unknown[], path: string): unknown {
  if (samples.length === 0) throw new ArgumentError(`${path}: cannot collate an empty batch`);
  const first = samples[0];
  if (first instanceof Tensor) {
    for (const s of samples) {
      if (!(s instanceof Tensor)) throw new ArgumentError(`${path}: mixed tensor and non-tensor samples`);
    }
    return stackTensors(samples as Tensor[], path);
  }
  if (typeof first === 'number') {
    let allInt = true;
    for (const s of samples) {
      if (typeof s !== 'number') throw new ArgumentError(`${path}: mixed number and non-number samples`);
      if (!Number.isInteger(s) || s > 2147483647 || s < -2147483648) allInt = false;
    }
    const dtype = allInt ? 'int32' : 'float32';
    const out = allocArray(dtype, samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i] as number;
    return Tensor._fromData(out, [samples.length], dtype);
  }
  if (typeof first === 'boolean') {
    const out = new Uint8Array(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i] ? 1 : 0;
    return Tensor._fromData(out, [samples.length], 'bool');
  }
  if (typeof first === 'string' || first === null || first === undefined) return [...samples];
  if (ArrayBuffer.isView(first)) {
    const a = first as CollatableArray;
    const dtype = arrayDType(a);
    const out = allocArray(dtype, a.length * samples.length);
    samples.forEach((s, i) => {
      const row = s as DataArray;
      if (!ArrayBuffer.isView(row) || row.length !== a.length) {
        throw new ShapeError(`${path}: typed-array samples must all have length ${a.length}`);
      }
      out.set(row, i * a.length);
    });
    return Tensor._fromData(out, [samples.length, a.length], dtype);
  }
  if (Array.isArray(first)) {
    const n = first.length;
    for (const s of samples) {
      if (!Array.isArray(s) || s.length !== n) {
        throw new ShapeError(`${path}: each element in the batch should be an array of equal length (${n})`);
      }
    }
    return Array.from({ length: n }, (_, k) =>
      collate(
        samples.map((s) => (s as unknown[])[k]),
        `${path}[${k}]`,
      ),
    );
  }
  if (isPlainObject(first)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collate(
        samples.map((s) => (s as Record<string, unknown>)[key]),
        `${path}.${key}`,
      );
    }
    return out;
  }
  return [...samples];
}

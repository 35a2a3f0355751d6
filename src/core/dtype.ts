/**
 * Data types and type promotion.
 *
 * Promotion follows NumPy's lattice `bool < int32 < float32 < float64`, with one
 * deliberate difference: `int32 ⊕ float32 → float64` (as NumPy), because float32
 * cannot represent every int32 and nabla never silently loses precision.
 * JavaScript numbers are "weak" scalars (as in PyTorch and JAX): they adopt the
 * tensor's dtype, except that a non-integer number combined with an integer or
 * bool tensor gives the default float dtype (float32).
 */

import { poisonUninit, SLAB_MAX_BYTES, slabBuffer, slabOffset, uninitBuffer } from './alloc.js';
import { DTypeError } from './errors.js';

/** Element types a tensor can hold. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Typed array backing each dtype (`bool` is stored as 0/1 bytes). */
export interface DTypeArrayMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Any typed array that can back a tensor. */
export type DataArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The dtype used when none is given. */
export const DEFAULT_FLOAT: DType = 'float32';

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** All supported dtypes. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** True for `float32` and `float64`. */
export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Checks that a string names a supported dtype. */
export function assertDType(dtype: string, op: string): asserts dtype is DType {
  if (!(dtype in RANK)) {
    throw new DTypeError(`${op}: unknown dtype '${dtype}' (expected one of ${DTYPES.join(', ')})`);
  }
}

/** A typed array of `dtype` over `n` elements of `buffer` from byte `offset`. */
function view(dtype: DType, buffer: ArrayBuffer, offset: number, n: number): DataArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, offset, n);
    case 'float64':
      return new Float64Array(buffer, offset, n);
    case 'int32':
      return new Int32Array(buffer, offset, n);
    case 'bool':
      return new Uint8Array(buffer, offset, n);
  }
}

/** Allocates a zero-filled typed array for `dtype`. */
export function allocArray<D extends DType>(dtype: D, n: number): DTypeArrayMap[D];
export function allocArray(dtype: DType, n: number): DataArray;
export function allocArray(dtype: DType, n: number): DataArray {
  const buffer = slabBuffer(n * itemSize(dtype));
  if (buffer !== null) return view(dtype, buffer, slabOffset, n).fill(0);
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

/** What uninitialised arrays hold under `NABLA_POISON_UNINIT=1`. */
const POISON: Record<DType, number> = {
  float32: Number.NaN,
  float64: Number.NaN,
  int32: -0x5a5a5a5b,
  bool: 0xa5,
};

/**
 * Allocates a typed array for `dtype` whose contents are unspecified: for op outputs that a
 * kernel overwrites entirely (it skips the zero fill, see `core/alloc.ts`). Use
 * {@link allocArray} when any element may be read before it is written.
 */
export function allocOutput<D extends DType>(dtype: D, n: number): DTypeArrayMap[D];
export function allocOutput(dtype: DType, n: number): DataArray;
export function allocOutput(dtype: DType, n: number): DataArray {
  const bytes = n * itemSize(dtype);
  const buffer = slabBuffer(bytes);
  let out: DataArray;
  if (buffer !== null) out = view(dtype, buffer, slabOffset, n);
  else if (bytes <= SLAB_MAX_BYTES)
    return allocArray(dtype, n); // on-heap, or slabs off: nothing to save
  else out = view(dtype, uninitBuffer(bytes), 0, n);
  return poisonUninit ? out.fill(POISON[dtype]) : out;
}

/** The dtype a typed array naturally holds (Uint8Array → bool). */
export function dtypeOfArray(a: DataArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Result dtype of combining two tensors. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if ((a === 'int32' && b === 'float32') || (a === 'float32' && b === 'int32')) return 'float64';
  return RANK[a] >= RANK[b] ? a : b;
}

/** Result dtype of combining a tensor with a JavaScript scalar (weak typing). */
export function promoteWithScalar(t: DType, s: number | boolean): DType {
  if (typeof s === 'boolean') return t;
  if (isFloating(t)) return t;
  if (Number.isInteger(s)) return t === 'bool' ? 'int32' : t;
  return DEFAULT_FLOAT;
}

/** Bytes per element. */
export function itemSize(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

/**
 * Raw, tensor-free n-dimensional arrays exchanged by the file-format layer.
 *
 * A {@link RawArray} is a plain record of a dtype name, a C-contiguous (row-major) shape and a
 * typed array holding the elements. The engine wraps these into tensors; nothing in
 * `src/io/formats` or `src/data/formats` depends on the tensor engine.
 *
 * @module
 */

/**
 * Maps every raw dtype to the typed array that stores its elements.
 *
 * `float16` and `bfloat16` are stored as their raw 16-bit patterns in a `Uint16Array`
 * (see `half.ts` for conversions); `bool` is one byte per element holding 0 or 1.
 */
export interface RawDataByDType {
  float64: Float64Array;
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint64: BigUint64Array;
  uint32: Uint32Array;
  uint16: Uint16Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

/** Name of an element type a {@link RawArray} can hold. */
export type RawDType = keyof RawDataByDType;

/** Any typed array that can back a {@link RawArray}. */
export type RawData = RawDataByDType[RawDType];

/** A raw array whose dtype is statically known to be `D`. */
export interface RawArrayOf<D extends RawDType> {
  /** Element type; determines the concrete typed array in `data`. */
  dtype: D;
  /** Dimensions, outermost first (row-major / C order). `[]` is a scalar holding one element. */
  shape: number[];
  /** Elements in row-major order; `data.length` equals the product of `shape`. */
  data: RawDataByDType[D];
  /**
   * Set by decoders that converted the stored element type into `dtype` (for example a
   * safetensors `F16` tensor decoded to `float32` carries `sourceDtype: 'float16'`).
   * Absent when the data was decoded without conversion.
   */
  sourceDtype?: RawDType;
}

/**
 * A tensor-free n-dimensional array: a discriminated union on `dtype`, so checking
 * `a.dtype === 'float32'` narrows `a.data` to `Float32Array`.
 */
export type RawArray = { [D in RawDType]: RawArrayOf<D> }[RawDType];

/** Every supported raw dtype, in a fixed order. */
export const RAW_DTYPES: readonly RawDType[] = [
  'float64',
  'float32',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint64',
  'uint32',
  'uint16',
  'uint8',
  'bool',
];

const ITEM_SIZE: Record<RawDType, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint64: 8,
  uint32: 4,
  uint16: 2,
  uint8: 1,
  bool: 1,
};

type TypedArrayCtor = { readonly BYTES_PER_ELEMENT: number; readonly name: string };

const DATA_CTOR: Record<RawDType, TypedArrayCtor> = {
  float64: Float64Array,
  float32: Float32Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint64: BigUint64Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** Returns true when `value` names a supported {@link RawDType}. */
export function isRawDType(value: unknown): value is RawDType {
  return typeof value === 'string' && Object.hasOwn(ITEM_SIZE, value);
}

/** Size in bytes of one element of `dtype`. */
export function rawItemSize(dtype: RawDType): number {
  return ITEM_SIZE[dtype];
}

/** Name of the typed-array class that must back `dtype` (e.g. `'Float32Array'`). */
export function rawDataClassName(dtype: RawDType): string {
  return DATA_CTOR[dtype].name;
}

/**
 * Number of elements described by `shape` (1 for a scalar `[]`).
 *
 * @throws Error if a dimension is not a non-negative safe integer or the product overflows
 *   `Number.MAX_SAFE_INTEGER`. `what` prefixes the message (e.g. `"tensor 'w'"`).
 */
export function shapeSize(shape: readonly number[], what = 'array'): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new Error(`${what}: shape[${i}] must be a non-negative integer, got ${String(d)}`);
    }
    n *= d;
    if (!Number.isSafeInteger(n)) {
      throw new Error(`${what}: shape [${shape.join(', ')}] has too many elements`);
    }
  }
  return n;
}

/**
 * Checks that `array` is internally consistent: known dtype, valid shape, `data` of the typed
 * array class required by the dtype and of length `product(shape)`; `bool` data holds only 0/1.
 *
 * @param what - Prefix for error messages, e.g. `"tensor 'fc.weight'"`.
 * @throws Error describing the first inconsistency found.
 */
export function assertRawArray(array: RawArray, what = 'array'): void {
  if (array === null || typeof array !== 'object') {
    throw new Error(`${what}: expected a raw array record, got ${String(array)}`);
  }
  if (!isRawDType(array.dtype)) {
    throw new Error(`${what}: unknown dtype ${JSON.stringify(array.dtype)}`);
  }
  if (!Array.isArray(array.shape)) {
    throw new Error(`${what}: shape must be an array of integers`);
  }
  const n = shapeSize(array.shape, what);
  const ctor = DATA_CTOR[array.dtype];
  const data: unknown = array.data;
  if (!ArrayBuffer.isView(data) || (data.constructor as unknown) !== ctor) {
    const got = ArrayBuffer.isView(data) ? data.constructor.name : typeof data;
    throw new Error(`${what}: dtype '${array.dtype}' requires data to be a ${ctor.name}, got ${got}`);
  }
  if (array.data.length !== n) {
    throw new Error(
      `${what}: shape [${array.shape.join(', ')}] needs ${n} elements but data has ${array.data.length}`,
    );
  }
  if (array.dtype === 'bool') {
    const i = array.data.findIndex((v) => v > 1);
    if (i >= 0) throw new Error(`${what}: bool data must be 0 or 1, found ${array.data[i]} at index ${i}`);
  }
}

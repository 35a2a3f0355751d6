/** Conversions between tensors and the raw arrays of the file-format layer. */
import type { DType } from '../core/dtype.js';
import { DTypeError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { RawArray } from './formats/raw.js';

/** A tensor's elements as a raw array (zero-copy when the tensor is contiguous). */
export function tensorToRaw(t: Tensor): RawArray {
  const data = t._contiguousData();
  const shape = [...t.shape];
  switch (t.dtype) {
    case 'float32':
      return { dtype: 'float32', shape, data: data as Float32Array };
    case 'float64':
      return { dtype: 'float64', shape, data: data as Float64Array };
    case 'int32':
      return { dtype: 'int32', shape, data: data as Int32Array };
    case 'bool':
      return { dtype: 'bool', shape, data: data as Uint8Array };
  }
}

/**
 * Wraps a raw array as a tensor (sharing its memory when the dtype matches). Types nabla
 * lacks are widened: 8/16-bit integers → int32, uint32 → int32 when every value fits (else
 * float64), float16/bfloat16 bits → float32; int64/uint64 must have been narrowed to int32 by
 * the decoder.
 */
export function rawToTensor(raw: RawArray, name = 'tensor'): Tensor {
  const shape = raw.shape;
  const widen = (dtype: DType, data: Float32Array | Float64Array | Int32Array) =>
    Tensor._fromData(data, shape, dtype);
  switch (raw.dtype) {
    case 'float32':
      return widen('float32', raw.data);
    case 'float64':
      return widen('float64', raw.data);
    case 'int32':
      return widen('int32', raw.data);
    case 'bool':
      return Tensor._fromData(raw.data, shape, 'bool');
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
      return widen('int32', Int32Array.from(raw.data));
    case 'uint32': {
      const fits = raw.data.every((v) => v <= 0x7fffffff);
      return fits ? widen('int32', Int32Array.from(raw.data)) : widen('float64', Float64Array.from(raw.data));
    }
    case 'float16':
    case 'bfloat16':
    case 'int64':
    case 'uint64':
      throw new DTypeError(
        `io: tensor '${name}' has dtype ${raw.dtype}, which nabla cannot hold (decode with the default options)`,
      );
  }
}

/** Helpers shared by the ops: scalar lifting, dtype promotion, broadcasting views and gradient reduction. */
import type { StridedArray } from '../backend/backend.js';
import { allocArray, type DType, promoteTypes, promoteWithScalar } from '../core/dtype.js';
import { broadcastStrides, shapesEqual } from '../core/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';

/** Lifts a JavaScript scalar to a 0-d tensor of `dtype`; tensors pass through. */
export function toTensor(x: TensorLike, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x;
  const out = allocArray(dtype, 1);
  out[0] = typeof x === 'boolean' ? (x ? 1 : 0) : x;
  return Tensor._fromData(out, [], dtype);
}

/** The dtype two operands combine to (JavaScript scalars are weakly typed). */
export function resultType(a: TensorLike, b: TensorLike): DType {
  if (a instanceof Tensor && b instanceof Tensor) return promoteTypes(a.dtype, b.dtype);
  if (a instanceof Tensor) return promoteWithScalar(a.dtype, b as number | boolean);
  if (b instanceof Tensor) return promoteWithScalar(b.dtype, a as number | boolean);
  return typeof a === 'number' && !Number.isInteger(a)
    ? 'float32'
    : typeof b === 'number' && !Number.isInteger(b)
      ? 'float32'
      : 'float32';
}

/** A strided view of `t` broadcast to `shape` (no copy). */
export function broadcastView(t: Tensor, shape: readonly number[]): StridedArray {
  return {
    data: t._storage.data,
    shape,
    strides: shapesEqual(t.shape, shape) ? t.strides : broadcastStrides(t.shape, t.strides, shape),
    offset: t.offset,
  };
}

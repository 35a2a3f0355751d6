/** Dtype casts and copies. */
import { record } from '../autograd/node.js';
import { getBackend } from '../backend/index.js';
import { allocOutput, assertDType, type DType, isFloating } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';

/**
 * Converts to `dtype` (a no-op returning `x` when it already has it). Float→int
 * truncates toward zero; anything→bool is `x != 0`. Differentiable between float dtypes.
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertDType(dtype, 'cast');
  if (x.dtype === dtype) return x;
  const out = allocOutput(dtype, x.size);
  getBackend().copyStrided(x._strided(), out);
  const y = Tensor._fromData(out, x.shape, dtype);
  if (isFloating(dtype) && isFloating(x.dtype)) record('cast', y, [x], ([g]) => [cast(g!, x.dtype)]);
  return y;
}

/** A fresh contiguous copy (always copies). Differentiable. */
export function clone(x: Tensor): Tensor {
  const out = allocOutput(x.dtype, x.size);
  getBackend().copyStrided(x._strided(), out);
  const y = Tensor._fromData(out, x.shape, x.dtype);
  record('clone', y, [x], ([g]) => [g!]);
  return y;
}

/** `x` itself when row-major contiguous, otherwise a contiguous copy. Differentiable. */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous ? x : clone(x);
}

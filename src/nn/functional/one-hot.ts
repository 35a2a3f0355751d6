/** One-hot encoding of class indices. */
import { allocArray, assertDType, type DType } from '../../core/dtype.js';
import { ArgumentError, AxisError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { checkIndexTensor } from './util.js';

/** Options of `oneHot`. */
export interface OneHotOptions {
  /** Output dtype (default int32). */
  dtype?: DType;
}

/**
 * One-hot encodes int32 `indices` of any shape → [...indices.shape, numClasses], with
 * `numClasses = max + 1` when −1 (the default). Not differentiable.
 */
export function oneHot(indices: Tensor, numClasses = -1, opts: OneHotOptions = {}): Tensor {
  const op = 'oneHot';
  checkIndexTensor(indices, op, 'indices');
  const dtype = opts.dtype ?? 'int32';
  assertDType(dtype, op);
  const idx = indices._contiguousData();
  let n = numClasses;
  if (n === -1) {
    if (idx.length === 0) throw new ArgumentError(`${op}: cannot infer numClasses from empty indices`);
    n = 0;
    for (let i = 0; i < idx.length; i++) n = Math.max(n, idx[i]! + 1);
  } else if (!Number.isInteger(n) || n < 0) {
    throw new ArgumentError(`${op}: numClasses must be a non-negative integer or -1 (got ${numClasses})`);
  }
  const out = allocArray(dtype, idx.length * n);
  for (let i = 0; i < idx.length; i++) {
    const c = idx[i]!;
    if (c < 0 || c >= n) throw new AxisError(`${op}: class index ${c} is out of range for ${n} classes`);
    out[i * n + c] = 1;
  }
  return Tensor._fromData(out, [...indices.shape, n], dtype);
}

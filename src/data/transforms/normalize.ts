/** Per-channel normalisation. */
import { allocArray, isFloating } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { Transform } from './types.js';

/**
 * `(x − mean[c]) / std[c]` per channel, like torchvision's `Normalize`. Accepts [C,H,W] images
 * and [N,C,H,W] batches (channel axis = ndim − 3); with scalar mean/std any shape works (e.g.
 * flattened [784] or [N,784] inputs). Returns a new float tensor (integer input becomes float32).
 */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): Transform {
  const means = typeof mean === 'number' ? [mean] : [...mean];
  const stds = typeof std === 'number' ? [std] : [...std];
  if (means.length === 0 || stds.length === 0)
    throw new ArgumentError('normalize: mean and std must not be empty');
  if (stds.some((s) => s === 0))
    throw new ArgumentError(`normalize: std evaluated to zero (std = [${stds}])`);
  return (x: Tensor) => {
    const nc = Math.max(means.length, stds.length);
    let c = 1;
    let inner = x.size;
    if (nc > 1) {
      if (x.ndim < 3) {
        throw new ShapeError(
          `normalize: per-channel mean/std need an image [C,H,W] or batch [N,C,H,W], got ${fmtShape(x.shape)}`,
        );
      }
      c = x.shape[x.ndim - 3]!;
      inner = x.shape[x.ndim - 2]! * x.shape[x.ndim - 1]!;
    }
    const pick = (a: number[], k: number, what: string) => {
      if (a.length === 1) return a[0]!;
      if (a.length !== c)
        throw new ShapeError(`normalize: ${what} has ${a.length} values but the input has ${c} channels`);
      return a[k]!;
    };
    const m = Array.from({ length: c }, (_, k) => pick(means, k, 'mean'));
    const s = Array.from({ length: c }, (_, k) => pick(stds, k, 'std'));
    const dtype = isFloating(x.dtype) ? x.dtype : 'float32';
    const src = x._contiguousData();
    const out = allocArray(dtype, x.size);
    const n = x.size / (c * inner || 1);
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let k = 0; k < c; k++) {
        const mk = m[k]!;
        const sk = s[k]!;
        for (let i = 0; i < inner; i++, o++) out[o] = (src[o]! - mk) / sk;
      }
    }
    return Tensor._fromData(out, x.shape, dtype);
  };
}

/** Dropout (inverted: kept elements are scaled by 1/(1−p), so evaluation is the identity). */
import { fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { mul } from '../../ops/binary.js';
import type { PRNGKey } from '../../random/key.js';
import { bernoulli } from '../../random/sample.js';
import { checkFloat, checkProb } from './util.js';

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Key for the mask (pure and reproducible); the global generator is used without one. */
  key?: PRNGKey;
}

/** The scaled keep-mask `bernoulli(1−p)/(1−p)` of `shape`, in `x`'s dtype. */
function keepMask(x: Tensor, p: number, shape: readonly number[], key: PRNGKey | undefined): Tensor {
  const mask = bernoulli(1 - p, shape, key ? { dtype: x.dtype, key } : { dtype: x.dtype });
  const d = mask._storage.data;
  const scale = 1 / (1 - p);
  for (let i = 0; i < d.length; i++) d[i]! *= scale;
  return mask;
}

/**
 * Zeroes each element of `x` with probability `p` and scales the rest by 1/(1−p) when
 * `training`; returns `x` unchanged otherwise (or when p = 0).
 */
export function dropout(x: Tensor, p = 0.5, training = true, opts: DropoutOptions = {}): Tensor {
  checkProb(p, 'dropout');
  if (!training || p === 0) return x;
  checkFloat(x, 'dropout', 'input');
  if (p === 1) return mul(x, 0);
  return mul(x, keepMask(x, p, x.shape, opts.key));
}

/**
 * Channel dropout: zeroes whole channels of `x` [N, C, ...] (a 2-D input is an unbatched
 * [C, L]) with probability `p` (like `dropout1d`/`dropout2d`/`dropout3d`), scaling the kept
 * ones by 1/(1−p).
 */
export function featureDropout(x: Tensor, p = 0.5, training = true, opts: DropoutOptions = {}): Tensor {
  checkProb(p, 'featureDropout');
  if (!training || p === 0) return x;
  checkFloat(x, 'featureDropout', 'input');
  if (x.ndim < 2) {
    throw new ShapeError(`featureDropout: expected input [N, C, ...] or [C, ...], got ${fmtShape(x.shape)}`);
  }
  if (p === 1) return mul(x, 0);
  const lead = x.ndim >= 3 ? 2 : 1;
  const shape = x.shape.map((d, i) => (i < lead ? d : 1));
  return mul(x, keepMask(x, p, shape, opts.key));
}

/** Channel dropout for [N, C, H, W] inputs (an alias of `featureDropout`). */
export const dropout2d = featureDropout;

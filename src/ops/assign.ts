/** Writing into views: the backward of slicing, and the in-place updates used by optimisers. */

import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { record } from '../autograd/node.js';
import { getBackend } from '../backend/index.js';
import { AutogradError, fmtShape, ShapeError } from '../core/errors.js';
import { broadcastShapes, shapesEqual } from '../core/shape.js';
import type { Tensor, TensorLike } from '../core/tensor.js';
import { zeros } from './creation.js';
import { broadcastView, toTensor } from './util.js';

/**
 * Zeros of `shape` with `g` written into the region selected by `viewFn`
 * (a view op such as slice/select). Differentiable: its backward applies `viewFn` again.
 */
export function scatterIntoZeros(g: Tensor, shape: readonly number[], viewFn: (t: Tensor) => Tensor): Tensor {
  const z = zeros(shape, { dtype: g.dtype });
  const region = noGrad(() => viewFn(z));
  getBackend().assign(region._strided(), broadcastView(g, region.shape));
  record('scatterIntoZeros', z, [g], ([gz]) => [viewFn(gz!)]);
  return z;
}

function checkInPlace(dst: Tensor, op: string): void {
  if (dst.requiresGrad && isGradEnabled()) {
    throw new AutogradError(
      `${op}: in-place update of a tensor that requires grad; wrap optimiser-style updates in noGrad()`,
    );
  }
}

/**
 * Copies `src` (broadcast to `dst`'s shape, dtype converted) into `dst` in place
 * and bumps its version. Like `torch.Tensor.copy_`.
 */
export function copy_(dst: Tensor, src: TensorLike): Tensor {
  checkInPlace(dst, 'copy_');
  const s = toTensor(src, dst.dtype);
  const shape = broadcastShapes(dst.shape, s.shape, 'copy_');
  if (!shapesEqual(shape, dst.shape)) {
    throw new ShapeError(
      `copy_: source of shape ${fmtShape(s.shape)} cannot be broadcast to ${fmtShape(dst.shape)}`,
    );
  }
  getBackend().assign(dst._strided(), broadcastView(s, dst.shape));
  dst._storage.version++;
  return dst;
}

/** Fills `dst` with a constant in place. */
export function fill_(dst: Tensor, value: number): Tensor {
  return copy_(dst, value);
}

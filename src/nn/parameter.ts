/**
 * `Parameter`: a tensor that a `Module` discovers and reports from `parameters()`.
 */

import { noGrad } from '../autograd/mode.js';
import { Tensor } from '../core/tensor.js';
import { clone } from '../ops/cast.js';

/** True when `t` covers its whole storage, row-major, from offset 0. */
function isDense(t: Tensor): boolean {
  return t.isContiguous && t.offset === 0 && t._storage.data.length === t.size;
}

/**
 * A learnable tensor: a leaf that requires grad by default (like `torch.nn.Parameter`).
 *
 * It shares the storage of the tensor it is built from when that tensor is dense
 * (row-major contiguous, offset 0, covering its whole storage), so writes through
 * either are visible in both. A strided view is copied first, because optimisers
 * update `p._storage.data` directly and rely on that layout.
 *
 * Only floating tensors can require grad: pass `requiresGrad = false` for others.
 *
 * @example
 * ```ts
 * const w = new Parameter(randn([3, 4]));
 * w.requiresGrad; // true
 * ```
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const src = isDense(data) ? data : noGrad(() => clone(data));
    super(src._storage, [...src.shape], [...src.strides], src.offset, src.dtype);
    if (requiresGrad) this.requiresGrad_(true);
  }

  /** `Parameter containing:` followed by the tensor, like PyTorch's repr. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** Reshaping layers: `Flatten`, `Unflatten`. */
import { fmtShape, ShapeError } from '../../core/errors.js';
import { normAxis, sizeOf } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { flatten, reshape } from '../../ops/view.js';
import { Module } from '../module.js';

/** Flattens dims `startDim..endDim` (default 1..−1, keeping the batch dim) into one. */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Expands dim `dim` into `sizes` (one entry may be −1): the inverse of `Flatten`. */
export class Unflatten extends Module {
  readonly sizes: number[];

  constructor(
    readonly dim: number,
    sizes: readonly number[],
  ) {
    super();
    this.sizes = [...sizes];
  }

  forward(x: Tensor): Tensor {
    const d = normAxis(this.dim, x.ndim, 'Unflatten');
    const n = x.shape[d]!;
    const known = sizeOf(this.sizes.filter((s) => s !== -1));
    const ok = this.sizes.includes(-1) ? known > 0 && n % known === 0 : known === n;
    if (!ok) {
      throw new ShapeError(
        `Unflatten: dim ${this.dim} of size ${n} cannot be unflattened into ${fmtShape(this.sizes)} (input ${fmtShape(x.shape)})`,
      );
    }
    return reshape(x, [...x.shape.slice(0, d), ...this.sizes, ...x.shape.slice(d + 1)]);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, sizes=(${this.sizes.join(', ')})`;
  }
}

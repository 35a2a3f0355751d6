/** A diagonal diffusion made of one small network per latent dimension (torchsde's latent SDE). */
import type { DType } from '../../core/dtype.js';
import { ArgumentError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { softplus } from '../../nn/functional/index.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { add, mul } from '../../ops/binary.js';
import { sum } from '../../ops/reduce.js';
import { sigmoid } from '../../ops/unary.js';
import { unsqueeze } from '../../ops/view.js';
import type { PRNGKey } from '../../random/key.js';
import { uniform } from '../../random/sample.js';
import { subKeysOf } from './fields.js';

/**
 * `g(z)_i = sigmoid(w2_i · softplus(w1_i z_i + b1_i) + b2_i)`: each latent channel has its
 * own 1 → width → 1 network of its own coordinate, so the noise is diagonal and
 * commutative, and g ∈ (0, 1) is invertible (needed by the path-space KL). Evaluated for
 * all channels at once. Input `[…, size]`, output `[…, size]`.
 */
export class DiagonalDiffusion extends Module {
  readonly w1: Parameter;
  readonly b1: Parameter;
  readonly w2: Parameter;
  readonly b2: Parameter;

  constructor(
    readonly size: number,
    readonly width = 16,
    opts: { dtype?: DType; key?: PRNGKey } = {},
  ) {
    super();
    if (!Number.isInteger(size) || size < 1 || !Number.isInteger(width) || width < 1)
      throw new ArgumentError(
        `DiagonalDiffusion: size and width must be positive integers (got ${size}, ${width})`,
      );
    const dtype = opts.dtype ?? 'float32';
    const [k0, k1, k2, k3] = subKeysOf(opts.key, 4);
    const b = 1 / Math.sqrt(width);
    this.w1 = new Parameter(uniform([size, width], -1, 1, { dtype, key: k0 }));
    this.b1 = new Parameter(uniform([size, width], -1, 1, { dtype, key: k1 }));
    this.w2 = new Parameter(uniform([size, width], -b, b, { dtype, key: k2 }));
    this.b2 = new Parameter(uniform([size], -b, b, { dtype, key: k3 }));
  }

  forward(z: Tensor): Tensor {
    const h = softplus(add(mul(unsqueeze(z, -1), this.w1), this.b1)); // […, size, width]
    return sigmoid(add(sum(mul(h, this.w2), -1), this.b2));
  }
}

/** LipSwish (Chen et al. 2019, "Residual Flows"): a 1-Lipschitz smooth activation. */
import type { Tensor } from '../../core/tensor.js';
import { Module } from '../../nn/module.js';
import { mul } from '../../ops/binary.js';
import { silu } from '../../ops/unary.js';

/**
 * The constant 0.909 ≈ 1/max_x |d/dx (x·σ(x))| = 1/1.0998: it makes `x·σ(x)` 1-Lipschitz
 * (the spec's and the SDE-GAN paper's value).
 */
export const LIPSWISH_SCALE = 0.909;

/** `lipswish(x) = 0.909·x·sigmoid(x) = 0.909·SiLU(x)`, which is 1-Lipschitz. Differentiable. */
export function lipswish(x: Tensor): Tensor {
  return mul(silu(x), LIPSWISH_SCALE);
}

/** The LipSwish activation as a module: `0.909·x·sigmoid(x)`. */
export class LipSwish extends Module {
  forward(x: Tensor): Tensor {
    return lipswish(x);
  }
}

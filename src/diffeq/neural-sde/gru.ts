/** A GRU cell and a reversed-time GRU encoder (the latent SDE's context network). */
import type { DType } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import { add, mul, sub } from '../../ops/binary.js';
import { zeros } from '../../ops/creation.js';
import { chunk, stack } from '../../ops/join.js';
import { sigmoid, tanh } from '../../ops/unary.js';
import { select } from '../../ops/view.js';
import type { PRNGKey } from '../../random/key.js';
import { subKeysOf } from './fields.js';

/**
 * A gated recurrent unit (Cho et al. 2014, PyTorch's gate layout):
 * `r = σ(W_ir x + W_hr h)`, `z = σ(W_iz x + W_hz h)`, `n = tanh(W_in x + r ⊙ (W_hn h))`,
 * `h' = (1 − z) ⊙ n + z ⊙ h` (each W with a bias).
 */
export class GRUCell extends Module<[Tensor, Tensor], Tensor> {
  /** x → [r, z, n] pre-activations. */
  readonly inputMap: Linear;
  /** h → [r, z, n] pre-activations. */
  readonly hiddenMap: Linear;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: { dtype?: DType; key?: PRNGKey } = {},
  ) {
    super();
    const [k0, k1] = subKeysOf(opts.key, 2);
    this.inputMap = new Linear(inputSize, 3 * hiddenSize, { dtype: opts.dtype, key: k0 });
    this.hiddenMap = new Linear(hiddenSize, 3 * hiddenSize, { dtype: opts.dtype, key: k1 });
  }

  /** One step: `x` `[batch, inputSize]`, `h` `[batch, hiddenSize]` → the new `h`. */
  forward(x: Tensor, h: Tensor): Tensor {
    const [xr, xz, xn] = chunk(this.inputMap.forward(x), 3, -1) as [Tensor, Tensor, Tensor];
    const [hr, hz, hn] = chunk(this.hiddenMap.forward(h), 3, -1) as [Tensor, Tensor, Tensor];
    const r = sigmoid(add(xr, hr));
    const z = sigmoid(add(xz, hz));
    const n = tanh(add(xn, mul(r, hn)));
    return add(n, mul(z, sub(h, n)));
  }
}

/**
 * Runs a GRU backwards in time over observations `[batch, T, inputSize]` and maps each
 * hidden state to a context: `context[i]` (`[T, batch, contextSize]`) summarises the
 * observations at times ≥ t_i (as in torchsde's latent SDE examples).
 */
export class ReverseGRUEncoder extends Module<[Tensor], Tensor> {
  readonly cell: GRUCell;
  readonly out: Linear;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly contextSize: number,
    opts: { dtype?: DType; key?: PRNGKey } = {},
  ) {
    super();
    for (const [name, v] of [
      ['inputSize', inputSize],
      ['hiddenSize', hiddenSize],
      ['contextSize', contextSize],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new ArgumentError(`ReverseGRUEncoder: ${name} must be a positive integer (got ${v})`);
    const [k0, k1] = subKeysOf(opts.key, 2);
    this.cell = new GRUCell(inputSize, hiddenSize, { dtype: opts.dtype, key: k0 });
    this.out = new Linear(hiddenSize, contextSize, { dtype: opts.dtype, key: k1 });
  }

  /** `[T, batch, contextSize]` contexts of `xs` `[batch, T, inputSize]`. */
  forward(xs: Tensor): Tensor {
    if (xs.ndim !== 3 || xs.shape[2] !== this.inputSize)
      throw new ShapeError(
        `ReverseGRUEncoder: input must be [batch, T, ${this.inputSize}] (got ${fmtShape(xs.shape)})`,
      );
    const [B, T] = xs.shape as [number, number, number];
    let h = zeros([B, this.hiddenSize], { dtype: this.cell.inputMap.weight.dtype });
    const hs: Tensor[] = new Array<Tensor>(T);
    for (let i = T - 1; i >= 0; i--) {
      h = this.cell.forward(select(xs, 1, i), h);
      hs[i] = h;
    }
    return this.out.forward(stack(hs, 0));
  }
}

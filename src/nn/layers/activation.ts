/** Activation layers: thin module wrappers of the elementwise nonlinearities and softmax. */
import type { Tensor } from '../../core/tensor.js';
import { elu, gelu, leakyRelu, relu, sigmoid, silu, softplus, tanh } from '../../ops/unary.js';
import { logSoftmax, softmax } from '../functional/index.js';
import { Module } from '../module.js';

/** `max(x, 0)`. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** `x` for x > 0, `negativeSlope·x` otherwise. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** `x` for x > 0, `α(eˣ − 1)` otherwise. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** GELU `x·Φ(x)`, exact (`approximate: 'none'`, default) or with the tanh approximation. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(opts: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = opts.approximate ?? 'none';
  }

  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }

  override extraRepr(): string {
    return this.approximate === 'none' ? '' : `approximate='${this.approximate}'`;
  }
}

/** SiLU / swish `x·σ(x)`. */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Logistic sigmoid `1/(1 + e⁻ˣ)`. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** `log(1 + e^{βx})/β`, computed stably (so no linear `threshold` is needed). */
export class Softplus extends Module {
  readonly beta: number;

  constructor(opts: { beta?: number } = {}) {
    super();
    this.beta = opts.beta ?? 1;
  }

  forward(x: Tensor): Tensor {
    return softplus(x, this.beta);
  }

  override extraRepr(): string {
    return `beta=${this.beta}`;
  }
}

/** Softmax along `dim` (default −1): non-negative values summing to 1. */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim` (default −1), computed stably. */
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** A small multilayer perceptron for neural SDE vector fields (Equinox's `eqx.nn.MLP` layout). */
import type { DType } from '../../core/dtype.js';
import { ArgumentError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { softplus } from '../../nn/functional/index.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import { relu, sigmoid, tanh } from '../../ops/unary.js';
import { type PRNGKey, splitKey } from '../../random/key.js';
import { lipswish } from './lipswish.js';

/** Activations available to `MLP`. */
export type MLPActivation = 'lipswish' | 'relu' | 'tanh' | 'softplus' | 'sigmoid' | 'none';

/** Options of `MLP`. */
export interface MLPOptions {
  /** Hidden width (default 16). */
  width?: number;
  /** Number of hidden layers (default 1; 0 makes a single linear map). */
  depth?: number;
  /** Activation after every hidden layer (default `'lipswish'`). */
  activation?: MLPActivation;
  /** Activation after the last layer (default `'none'`). */
  finalActivation?: MLPActivation;
  /** Parameter dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Key for a reproducible initialisation. */
  key?: PRNGKey;
}

/** Applies a named activation. */
export function activate(x: Tensor, a: MLPActivation): Tensor {
  switch (a) {
    case 'lipswish':
      return lipswish(x);
    case 'relu':
      return relu(x);
    case 'tanh':
      return tanh(x);
    case 'softplus':
      return softplus(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'none':
      return x;
    default:
      throw new ArgumentError(`activate: unknown activation '${String(a)}'`);
  }
}

const ACTIVATIONS: readonly MLPActivation[] = ['lipswish', 'relu', 'tanh', 'softplus', 'sigmoid', 'none'];

/**
 * `in → width (× depth hidden layers, each followed by the activation) → out`, then the
 * final activation. Its `Linear` layers are listed in `layers` (weight clipping uses them).
 *
 * @example
 * const f = new MLP(17, 16, { width: 16, depth: 1, activation: 'lipswish', finalActivation: 'tanh' });
 */
export class MLP extends Module {
  /** The linear layers, input first. */
  readonly layers: Linear[];
  readonly activation: MLPActivation;
  readonly finalActivation: MLPActivation;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: MLPOptions = {},
  ) {
    super();
    const width = opts.width ?? 16;
    const depth = opts.depth ?? 1;
    for (const [name, v, min] of [
      ['inFeatures', inFeatures, 1],
      ['outFeatures', outFeatures, 1],
      ['width', width, 1],
      ['depth', depth, 0],
    ] as const)
      if (!Number.isInteger(v) || v < min)
        throw new ArgumentError(`MLP: ${name} must be an integer ≥ ${min} (got ${v})`);
    const activation = opts.activation ?? 'lipswish';
    const finalActivation = opts.finalActivation ?? 'none';
    for (const a of [activation, finalActivation])
      if (!ACTIVATIONS.includes(a))
        throw new ArgumentError(
          `MLP: activation must be one of ${ACTIVATIONS.join(', ')} (got '${String(a)}')`,
        );
    this.activation = activation;
    this.finalActivation = finalActivation;
    const dtype: DType = opts.dtype ?? 'float32';
    const keys = opts.key ? splitKey(opts.key, depth + 1) : new Array<undefined>(depth + 1).fill(undefined);
    const layers: Linear[] = [];
    let fan = inFeatures;
    for (let i = 0; i < depth; i++) {
      layers.push(new Linear(fan, width, { dtype, key: keys[i] }));
      fan = width;
    }
    layers.push(new Linear(fan, outFeatures, { dtype, key: keys[depth] }));
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    const n = this.layers.length;
    this.layers.forEach((l, i) => {
      h = l.forward(h);
      h = activate(h, i < n - 1 ? this.activation : this.finalActivation);
    });
    return h;
  }

  override extraRepr(): string {
    return `in=${this.inFeatures}, out=${this.outFeatures}, width=${this.layers[0]!.outFeatures}, depth=${this.layers.length - 1}, activation=${this.activation}, final=${this.finalActivation}`;
  }
}

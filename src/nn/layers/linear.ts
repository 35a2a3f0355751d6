/** Affine layers: `Identity`, `Linear`, `Bilinear`. */
import { fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add, mul } from '../../ops/binary.js';
import { zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/matmul.js';
import { sum } from '../../ops/reduce.js';
import { permute, reshape, unsqueeze } from '../../ops/view.js';
import type { PRNGKey } from '../../random/key.js';
import { linear } from '../functional/index.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkInt, type FactoryOptions, factoryDType, subKeys } from './common.js';

/** Returns its input unchanged (a placeholder, e.g. to switch a layer off). */
export class Identity extends Module {
  /** Returns `x`. */
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Options of `Linear`. */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * `y = x·Wᵀ + b` over the last dim: input `[…, inFeatures]`, output `[…, outFeatures]`.
 * `weight` is `[outFeatures, inFeatures]`, initialised like PyTorch with
 * `kaimingUniform_(w, {a: √5})` (i.e. U(−1/√in, 1/√in)); `bias` is `[outFeatures]`
 * from U(−1/√in, 1/√in).
 */
export class Linear extends Module {
  /** Size of each input sample. */
  readonly inFeatures: number;
  /** Size of each output sample. */
  readonly outFeatures: number;
  /** `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** `[outFeatures]`, or null without bias. */
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkInt('Linear', 'inFeatures', inFeatures, 0);
    checkInt('Linear', 'outFeatures', outFeatures, 0);
    const dtype = factoryDType('Linear', opts);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(zeros([outFeatures, inFeatures], { dtype }));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outFeatures], { dtype })) : null;
    this.resetParameters(opts.key);
  }

  /** Re-draws the weight and bias with the default initialisation. */
  resetParameters(key?: PRNGKey): void {
    const [kw, kb] = subKeys(key, 2);
    kaimingUniform_(this.weight, { a: Math.sqrt(5), key: kw });
    if (this.bias) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound, { key: kb });
    }
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias ?? undefined);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * `y_k = x1ᵀ·A_k·x2 + b_k`: inputs `[…, in1]` and `[…, in2]` (same leading dims),
 * output `[…, out]`. `weight` is `[out, in1, in2]` and `bias` `[out]`, both from
 * U(−1/√in1, 1/√in1) like PyTorch.
 */
export class Bilinear extends Module<[Tensor, Tensor]> {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  /** `[out, in1, in2]`. */
  weight: Parameter;
  /** `[out]`, or null without bias. */
  bias: Parameter | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkInt('Bilinear', 'in1Features', in1Features);
    checkInt('Bilinear', 'in2Features', in2Features);
    checkInt('Bilinear', 'outFeatures', outFeatures);
    const dtype = factoryDType('Bilinear', opts);
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(zeros([outFeatures, in1Features, in2Features], { dtype }));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outFeatures], { dtype })) : null;
    this.resetParameters(opts.key);
  }

  /** Re-draws the weight and bias from U(−1/√in1, 1/√in1). */
  resetParameters(key?: PRNGKey): void {
    const [kw, kb] = subKeys(key, 2);
    const bound = 1 / Math.sqrt(this.in1Features);
    uniform_(this.weight, -bound, bound, { key: kw });
    if (this.bias) uniform_(this.bias, -bound, bound, { key: kb });
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    const [o, i1, i2] = [this.outFeatures, this.in1Features, this.in2Features];
    if (x1.shape[x1.ndim - 1] !== i1 || x2.shape[x2.ndim - 1] !== i2 || x1.ndim !== x2.ndim) {
      throw new ShapeError(
        `Bilinear: expected inputs […, ${i1}] and […, ${i2}] with the same leading dims, got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`,
      );
    }
    const lead = x1.shape.slice(0, -1);
    const a = reshape(x1, [-1, i1]);
    const b = reshape(x2, [-1, i2]);
    // t[n, o, j] = Σ_i a[n, i] W[o, i, j]
    const w = reshape(permute(this.weight, [1, 0, 2]), [i1, o * i2]);
    const t = reshape(matmul(a, w), [-1, o, i2]);
    let y = sum(mul(t, unsqueeze(b, 1)), -1);
    if (this.bias) y = add(y, this.bias);
    return reshape(y, [...lead, o]);
  }

  override extraRepr(): string {
    return `in1Features=${this.in1Features}, in2Features=${this.in2Features}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

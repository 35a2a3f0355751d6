/** Convolution layers: `Conv1d`, `Conv2d`, `ConvTranspose1d`, `ConvTranspose2d`. */
import { ArgumentError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { zeros } from '../../ops/creation.js';
import type { PRNGKey } from '../../random/key.js';
import { conv1d, conv2d, convTranspose1d, convTranspose2d } from '../functional/index.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkInt, type FactoryOptions, factoryDType, fmtTuple, ntuple, subKeys } from './common.js';

/** Padding of the convolution layers: per side, per dim, or `'same'`/`'valid'`. */
export type ConvPadding<N extends number[]> = number | N | 'same' | 'valid';

/** Options shared by the convolution layers (`N` is the tuple type of per-dim values). */
export interface ConvOptions<N extends number[]> extends FactoryOptions {
  /** Step of the sliding window (default 1). */
  stride?: number | N;
  /** Zero padding added to both sides of each spatial dim (default 0), or `'same'`/`'valid'`. */
  padding?: ConvPadding<N>;
  /** Spacing between kernel taps (default 1). */
  dilation?: number | N;
  /** Split the channels into this many independent groups (default 1). */
  groups?: number;
  /** Learn an additive per-channel bias (default true). */
  bias?: boolean;
  /** How the input is padded; only `'zeros'` is supported. */
  paddingMode?: 'zeros';
}

/** Options of `Conv1d`. */
export type Conv1dOptions = ConvOptions<[number]>;
/** Options of `Conv2d`. */
export type Conv2dOptions = ConvOptions<[number, number]>;

/** Options of the transposed convolution layers (`N` is the tuple type of per-dim values). */
export interface ConvTransposeOptions<N extends number[]> extends FactoryOptions {
  /** Step of the (forward) convolution being transposed (default 1). */
  stride?: number | N;
  /** Implicit padding removed from each side of the output: `dilation·(k−1) − padding` zeros pad the input (default 0). */
  padding?: number | N;
  /** Extra size added to one side of each output dim, to resolve the output size when stride > 1 (default 0). */
  outputPadding?: number | N;
  /** Spacing between kernel taps (default 1). */
  dilation?: number | N;
  /** Number of channel groups (default 1). */
  groups?: number;
  /** Learn an additive per-channel bias (default true). */
  bias?: boolean;
  /** Only `'zeros'` is supported. */
  paddingMode?: 'zeros';
}

/** Options of `ConvTranspose1d`. */
export type ConvTranspose1dOptions = ConvTransposeOptions<[number]>;
/** Options of `ConvTranspose2d`. */
export type ConvTranspose2dOptions = ConvTransposeOptions<[number, number]>;

/** The common parts of the convolution layers (PyTorch's `_ConvNd`). */
abstract class ConvNd extends Module {
  /** Number of input channels. */
  readonly inChannels: number;
  /** Number of output channels. */
  readonly outChannels: number;
  /** Kernel size per spatial dim. */
  readonly kernelSize: number[];
  /** Stride per spatial dim. */
  readonly stride: number[];
  /** Padding per spatial dim, or `'same'`/`'valid'`. */
  readonly padding: number[] | 'same' | 'valid';
  /** Dilation per spatial dim. */
  readonly dilation: number[];
  /** Number of channel groups. */
  readonly groups: number;
  /** Whether this is a transposed convolution. */
  readonly transposed: boolean;
  /** Output padding per spatial dim (transposed convolutions only; zeros otherwise). */
  readonly outputPadding: number[];
  /** The kernel: `[out, in/groups, k…]`, or `[in, out/groups, k…]` when transposed. */
  weight: Parameter;
  /** `[outChannels]`, or null without bias. */
  bias: Parameter | null;

  protected constructor(
    op: string,
    nd: number,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    transposed: boolean,
    opts: ConvOptions<number[]> & { outputPadding?: number | readonly number[] },
  ) {
    super();
    checkInt(op, 'inChannels', inChannels);
    checkInt(op, 'outChannels', outChannels);
    const groups = opts.groups ?? 1;
    checkInt(op, 'groups', groups);
    if (inChannels % groups !== 0) {
      throw new ArgumentError(`${op}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    }
    if (outChannels % groups !== 0) {
      throw new ArgumentError(`${op}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    }
    if ((opts.paddingMode ?? 'zeros') !== 'zeros') {
      throw new ArgumentError(`${op}: only paddingMode 'zeros' is supported (got '${opts.paddingMode}')`);
    }
    const dtype = factoryDType(op, opts);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = ntuple(op, 'kernelSize', kernelSize, nd);
    this.stride = ntuple(op, 'stride', opts.stride ?? 1, nd);
    const padding = opts.padding ?? 0;
    this.padding = typeof padding === 'string' ? padding : ntuple(op, 'padding', padding, nd);
    this.dilation = ntuple(op, 'dilation', opts.dilation ?? 1, nd);
    this.groups = groups;
    this.transposed = transposed;
    this.outputPadding = ntuple(op, 'outputPadding', opts.outputPadding ?? 0, nd);
    for (const k of this.kernelSize) checkInt(op, 'kernelSize', k);
    for (const s of this.stride) checkInt(op, 'stride', s);
    for (const d of this.dilation) checkInt(op, 'dilation', d);
    if (typeof this.padding === 'string') {
      if (transposed)
        throw new ArgumentError(`${op}: padding must be a number or a tuple (got '${this.padding}')`);
      if (this.padding !== 'same' && this.padding !== 'valid') {
        throw new ArgumentError(
          `${op}: padding must be a number, a tuple, 'same' or 'valid' (got '${this.padding}')`,
        );
      }
      if (this.padding === 'same' && this.stride.some((s) => s !== 1)) {
        throw new ArgumentError(`${op}: padding='same' is not supported for strided convolutions`);
      }
    } else for (const p of this.padding) checkInt(op, 'padding', p, 0);
    for (const [i, p] of this.outputPadding.entries()) {
      checkInt(op, 'outputPadding', p, 0);
      if (p >= Math.max(this.stride[i]!, this.dilation[i]!)) {
        throw new ArgumentError(`${op}: outputPadding must be smaller than stride or dilation (got ${p})`);
      }
    }
    const shape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(zeros(shape, { dtype }));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outChannels], { dtype })) : null;
    this.resetParameters(opts.key);
  }

  /**
   * Re-draws the parameters like PyTorch: `kaimingUniform_(weight, {a: √5})` and the
   * bias from U(−1/√fanIn, 1/√fanIn), with fanIn = `weight.shape[1]·Πk`.
   */
  resetParameters(key?: PRNGKey): void {
    const [kw, kb] = subKeys(key, 2);
    kaimingUniform_(this.weight, { a: Math.sqrt(5), key: kw });
    if (this.bias) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound, { key: kb });
    }
  }

  override extraRepr(): string {
    const s = [
      `${this.inChannels}, ${this.outChannels}, kernelSize=${fmtTuple(this.kernelSize)}, stride=${fmtTuple(this.stride)}`,
    ];
    if (typeof this.padding === 'string' || this.padding.some((p) => p !== 0)) {
      s.push(`padding=${fmtTuple(this.padding)}`);
    }
    if (this.dilation.some((d) => d !== 1)) s.push(`dilation=${fmtTuple(this.dilation)}`);
    if (this.outputPadding.some((p) => p !== 0)) s.push(`outputPadding=${fmtTuple(this.outputPadding)}`);
    if (this.groups !== 1) s.push(`groups=${this.groups}`);
    if (!this.bias) s.push('bias=false');
    return s.join(', ');
  }
}

/**
 * 1-D convolution over `[N, C, L]` (or unbatched `[C, L]`, if the functional op accepts it)
 * to `[N, outChannels, L']`. Weight `[outChannels, inChannels/groups, k]`.
 */
export class Conv1d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number],
    opts: Conv1dOptions = {},
  ) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, false, opts);
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias ?? undefined, {
      stride: this.stride[0]!,
      padding: typeof this.padding === 'string' ? this.padding : this.padding[0]!,
      dilation: this.dilation[0]!,
      groups: this.groups,
    });
  }
}

/**
 * 2-D convolution over `[N, C, H, W]` to `[N, outChannels, H', W']` (cross-correlation,
 * like PyTorch). Weight `[outChannels, inChannels/groups, kh, kw]`.
 *
 * @example
 * ```ts
 * const conv = new Conv2d(3, 16, 3, { padding: 1 });
 * conv.forward(randn([8, 3, 32, 32])).shape; // [8, 16, 32, 32]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number, number],
    opts: Conv2dOptions = {},
  ) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, false, opts);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias ?? undefined, {
      stride: this.stride as [number, number],
      padding: typeof this.padding === 'string' ? this.padding : (this.padding as [number, number]),
      dilation: this.dilation as [number, number],
      groups: this.groups,
    });
  }
}

/**
 * 1-D transposed convolution: `[N, inChannels, L]` to `[N, outChannels, L']` with
 * `L' = (L−1)·stride − 2·padding + dilation·(k−1) + outputPadding + 1`.
 * Weight `[inChannels, outChannels/groups, k]`.
 */
export class ConvTranspose1d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number],
    opts: ConvTranspose1dOptions = {},
  ) {
    super('ConvTranspose1d', 1, inChannels, outChannels, kernelSize, true, opts);
  }

  forward(x: Tensor): Tensor {
    return convTranspose1d(x, this.weight, this.bias ?? undefined, {
      stride: this.stride[0]!,
      padding: (this.padding as number[])[0]!,
      outputPadding: this.outputPadding[0]!,
      dilation: this.dilation[0]!,
      groups: this.groups,
    });
  }
}

/**
 * 2-D transposed convolution (the gradient of `Conv2d` with respect to its input):
 * `[N, inChannels, H, W]` to `[N, outChannels, H', W']` with
 * `H' = (H−1)·stride − 2·padding + dilation·(kh−1) + outputPadding + 1`.
 * Weight `[inChannels, outChannels/groups, kh, kw]`.
 */
export class ConvTranspose2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number, number],
    opts: ConvTranspose2dOptions = {},
  ) {
    super('ConvTranspose2d', 2, inChannels, outChannels, kernelSize, true, opts);
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias ?? undefined, {
      stride: this.stride as [number, number],
      padding: this.padding as [number, number],
      outputPadding: this.outputPadding as [number, number],
      dilation: this.dilation as [number, number],
      groups: this.groups,
    });
  }
}

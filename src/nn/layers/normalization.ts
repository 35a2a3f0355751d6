/** Normalisation layers: `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`, `GroupNorm`. */
import { noGrad } from '../../autograd/mode.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { copy_ } from '../../ops/assign.js';
import { ones, scalar, zeros } from '../../ops/creation.js';
import { batchNorm, groupNorm, layerNorm } from '../functional/index.js';
import { ones_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkInt, type FactoryOptions, factoryDType } from './common.js';

/** Options of the batch-norm layers. */
export interface BatchNormOptions extends Omit<FactoryOptions, 'key'> {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /**
   * Weight of the new batch statistic in the running averages (default 0.1:
   * `running = (1−m)·running + m·batch`); null for a cumulative moving average.
   */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /**
   * Keep running mean/variance for evaluation (default true); without them batch
   * statistics are used in evaluation mode too.
   */
  trackRunningStats?: boolean;
}

/** The common parts of the batch-norm layers (PyTorch's `_BatchNorm`). */
abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** Per-channel scale γ `[C]` (ones), or null when not affine. */
  weight: Parameter | null;
  /** Per-channel shift β `[C]` (zeros), or null when not affine. */
  bias: Parameter | null;
  /** Buffer: running mean `[C]` (null without `trackRunningStats`). */
  declare runningMean: Tensor | null;
  /** Buffer: running (unbiased) variance `[C]` (null without `trackRunningStats`). */
  declare runningVar: Tensor | null;
  /** Buffer: number of training batches seen, int32 scalar (null without `trackRunningStats`). */
  declare numBatchesTracked: Tensor | null;

  protected constructor(
    private readonly op: string,
    numFeatures: number,
    opts: BatchNormOptions,
  ) {
    super();
    checkInt(op, 'numFeatures', numFeatures);
    const dtype = factoryDType(op, opts);
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('runningMean', zeros([numFeatures], { dtype }));
      this.registerBuffer('runningVar', ones([numFeatures], { dtype }));
      this.registerBuffer('numBatchesTracked', scalar(0, { dtype: 'int32' }));
    } else {
      this.registerBuffer('runningMean', null);
      this.registerBuffer('runningVar', null);
      this.registerBuffer('numBatchesTracked', null);
    }
  }

  /** The accepted input ranks. */
  protected abstract readonly ranks: readonly number[];

  /** Resets the running statistics to mean 0, variance 1, no batches. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    zeros_(this.runningMean!);
    ones_(this.runningVar!);
    noGrad(() => copy_(this.numBatchesTracked!, 0));
  }

  /** Resets the running statistics and sets γ = 1, β = 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  /**
   * In training mode, normalises with the batch statistics (over all dims but 1)
   * and updates the running averages; in evaluation mode, uses the running averages
   * (or batch statistics if they are not tracked).
   */
  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.ndim)) {
      throw new ShapeError(
        `${this.op}: expected a ${this.ranks.join('-D or ')}-D input (got ${fmtShape(x.shape)})`,
      );
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        `${this.op}: expected ${this.numFeatures} channels in dim 1 (got ${fmtShape(x.shape)})`,
      );
    }
    let momentum = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      const n = this.numBatchesTracked.item() + 1;
      noGrad(() => copy_(this.numBatchesTracked!, n));
      if (this.momentum === null) momentum = 1 / n;
    }
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    return batchNorm(
      x,
      track ? this.runningMean : null,
      track ? this.runningVar : null,
      this.weight ?? undefined,
      this.bias ?? undefined,
      { training: useBatchStats, momentum, eps: this.eps },
    );
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation of `[N, C]` or `[N, C, L]` over the batch (and length) dims,
 * per channel C. Running statistics are buffers (`runningMean`, `runningVar`,
 * `numBatchesTracked`).
 */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3] as const;

  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, opts);
  }
}

/**
 * Batch normalisation of `[N, C, H, W]` over N, H and W, per channel C.
 *
 * @example
 * ```ts
 * const bn = new BatchNorm2d(16);
 * bn.forward(x);   // training: batch statistics, updates bn.runningMean / bn.runningVar
 * bn.eval();
 * bn.forward(x);   // evaluation: running statistics
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4] as const;

  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, opts);
  }
}

/** Options of `LayerNorm`. */
export interface LayerNormOptions extends Omit<FactoryOptions, 'key'> {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Learn a scale (ones) and shift (zeros) of shape `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, whether to learn the shift too (default true). */
  bias?: boolean;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims of each sample
 * (statistics per sample, biased variance), with an optional elementwise affine map.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  /** Scale of shape `normalizedShape` (ones), or null. */
  weight: Parameter | null;
  /** Shift of shape `normalizedShape` (zeros), or null. */
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0) throw new ArgumentError('LayerNorm: normalizedShape must not be empty');
    for (const d of shape) checkInt('LayerNorm', 'normalizedShape', d);
    const dtype = factoryDType('LayerNorm', opts);
    this.normalizedShape = shape;
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(ones(shape, { dtype })) : null;
    this.bias = this.elementwiseAffine && (opts.bias ?? true) ? new Parameter(zeros(shape, { dtype })) : null;
  }

  /** Sets the scale to ones and the shift to zeros. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight ?? undefined, this.bias ?? undefined, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/** Options of `GroupNorm`. */
export interface GroupNormOptions extends Omit<FactoryOptions, 'key'> {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale (ones) and shift (zeros) (default true). */
  affine?: boolean;
}

/**
 * Group normalisation of `[N, C, …]`: the channels are split into `numGroups`
 * groups, each normalised over its channels and all spatial positions, per sample.
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  /** Per-channel scale `[C]` (ones), or null. */
  weight: Parameter | null;
  /** Per-channel shift `[C]` (zeros), or null. */
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, opts: GroupNormOptions = {}) {
    super();
    checkInt('GroupNorm', 'numGroups', numGroups);
    checkInt('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) {
      throw new ArgumentError(
        `GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
      );
    }
    const dtype = factoryDType('GroupNorm', opts);
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    this.weight = this.affine ? new Parameter(ones([numChannels], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }

  /** Sets the scale to ones and the shift to zeros. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight ?? undefined, this.bias ?? undefined, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}

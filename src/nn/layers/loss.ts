/** Loss modules: wrappers of the functional losses holding their options. */
import type { Tensor } from '../../core/tensor.js';
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  huberLoss,
  l1Loss,
  mseLoss,
  nllLoss,
  smoothL1Loss,
} from '../functional/index.js';
import type { Reduction } from '../functional/loss.js';
import { Module } from '../module.js';

export type { Reduction };

/** Options shared by every loss module. */
export interface LossOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/** Options of `NLLLoss`. */
export interface NLLLossOptions extends LossOptions {
  /** Per-class weight `[C]` (a buffer of the module). */
  weight?: Tensor | null;
  /** Target value that is ignored and does not count in the mean (default −100). */
  ignoreIndex?: number;
}

/** Options of `CrossEntropyLoss`. */
export interface CrossEntropyLossOptions extends NLLLossOptions {
  /** Mix the target with the uniform distribution: `(1−ε)·target + ε/C` (default 0). */
  labelSmoothing?: number;
}

/** Options of `BCELoss`. */
export interface BCELossOptions extends LossOptions {
  /** Rescaling weight broadcast to the input (a buffer of the module). */
  weight?: Tensor | null;
}

/** Options of `BCEWithLogitsLoss`. */
export interface BCEWithLogitsLossOptions extends BCELossOptions {
  /** Weight of the positive examples, per class (a buffer of the module). */
  posWeight?: Tensor | null;
}

/** The common parts of the loss modules: `forward(input, target)` and the reduction. */
abstract class Loss extends Module<[Tensor, Tensor]> {
  readonly reduction: Reduction;

  constructor(opts: LossOptions) {
    super();
    this.reduction = opts.reduction ?? 'mean';
  }

  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction='${this.reduction}'`;
  }
}

/**
 * Cross-entropy between logits `[N, C]` (or `[N, C, d…]`, or `[C]`) and class indices
 * (int32 `[N]`) or class probabilities (same shape as the input).
 */
export class CrossEntropyLoss extends Loss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  /** Buffer: per-class weight or null. */
  declare weight: Tensor | null;

  constructor(opts: CrossEntropyLossOptions = {}) {
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    this.registerBuffer('weight', opts.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight ?? undefined,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/** Negative log-likelihood of log-probabilities `[N, C]` (or `[N, C, d…]`) at int32 class indices. */
export class NLLLoss extends Loss {
  readonly ignoreIndex: number;
  /** Buffer: per-class weight or null. */
  declare weight: Tensor | null;

  constructor(opts: NLLLossOptions = {}) {
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.registerBuffer('weight', opts.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      weight: this.weight ?? undefined,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }
}

/** Mean squared error `(input − target)²`. */
export class MSELoss extends Loss {
  constructor(opts: LossOptions = {}) {
    super(opts);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error `|input − target|`. */
export class L1Loss extends Loss {
  constructor(opts: LossOptions = {}) {
    super(opts);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Huber loss: `½d²` for `|d| ≤ δ`, `δ(|d| − ½δ)` beyond (δ = `delta`, default 1). */
export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(opts: LossOptions & { delta?: number } = {}) {
    super(opts);
    this.delta = opts.delta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }

  override extraRepr(): string {
    return [super.extraRepr(), `delta=${this.delta}`].filter(Boolean).join(', ');
  }
}

/** Smooth L1: `½d²/β` for `|d| < β`, `|d| − ½β` beyond (β = `beta`, default 1). */
export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(opts: LossOptions & { beta?: number } = {}) {
    super(opts);
    this.beta = opts.beta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }

  override extraRepr(): string {
    return [super.extraRepr(), `beta=${this.beta}`].filter(Boolean).join(', ');
  }
}

/** Binary cross-entropy of probabilities `input ∈ [0, 1]` against targets in [0, 1]. */
export class BCELoss extends Loss {
  /** Buffer: rescaling weight or null. */
  declare weight: Tensor | null;

  constructor(opts: BCELossOptions = {}) {
    super(opts);
    this.registerBuffer('weight', opts.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight ?? undefined, reduction: this.reduction });
  }
}

/** Binary cross-entropy of logits (sigmoid fused in, numerically stable) against targets in [0, 1]. */
export class BCEWithLogitsLoss extends Loss {
  /** Buffer: rescaling weight or null. */
  declare weight: Tensor | null;
  /** Buffer: positive-class weight or null. */
  declare posWeight: Tensor | null;

  constructor(opts: BCEWithLogitsLossOptions = {}) {
    super(opts);
    this.registerBuffer('weight', opts.weight ?? null);
    this.registerBuffer('posWeight', opts.posWeight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight ?? undefined,
      posWeight: this.posWeight ?? undefined,
      reduction: this.reduction,
    });
  }
}

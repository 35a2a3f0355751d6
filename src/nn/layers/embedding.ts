/** `Embedding`: a lookup table of learned vectors. */
import { noGrad } from '../../autograd/mode.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { copy_ } from '../../ops/assign.js';
import { zeros } from '../../ops/creation.js';
import { select } from '../../ops/view.js';
import type { PRNGKey } from '../../random/key.js';
import { embedding } from '../functional/index.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkInt, type FactoryOptions, factoryDType } from './common.js';

/** Options of `Embedding`. */
export interface EmbeddingOptions extends FactoryOptions {
  /**
   * An index whose vector is initialised to zeros and gets no gradient (e.g. padding
   * tokens); negative values count from the end.
   */
  paddingIdx?: number;
}

function resolvePaddingIdx(op: string, paddingIdx: number | undefined, num: number): number | null {
  if (paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx >= num || paddingIdx < -num) {
    throw new ArgumentError(`${op}: paddingIdx must be an integer in [-${num}, ${num}) (got ${paddingIdx})`);
  }
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/**
 * Maps integer indices `[…]` to vectors `[…, embeddingDim]` by looking rows up in
 * `weight` (`[numEmbeddings, embeddingDim]`, initialised N(0, 1) like PyTorch).
 *
 * @example
 * ```ts
 * const emb = new Embedding(1000, 64, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 2, 0]], { dtype: 'int32' })).shape; // [1, 3, 64]
 * ```
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The resolved (non-negative) padding index, or null. */
  readonly paddingIdx: number | null;
  /** `[numEmbeddings, embeddingDim]`. */
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    checkInt('Embedding', 'numEmbeddings', numEmbeddings);
    checkInt('Embedding', 'embeddingDim', embeddingDim);
    const dtype = factoryDType('Embedding', opts);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = resolvePaddingIdx('Embedding', opts.paddingIdx, numEmbeddings);
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim], { dtype }));
    this.resetParameters(opts.key);
  }

  /**
   * An embedding whose table is `weights` (`[num, dim]`, its storage shared), frozen
   * (`requiresGrad` false) unless `freeze: false`.
   */
  static fromPretrained(weights: Tensor, opts: { freeze?: boolean; paddingIdx?: number } = {}): Embedding {
    if (weights.ndim !== 2) {
      throw new ShapeError(`Embedding.fromPretrained: weights must be 2-D (got ${fmtShape(weights.shape)})`);
    }
    const [num, dim] = weights.shape as [number, number];
    const emb = new Embedding(num, dim, { dtype: weights.dtype, paddingIdx: opts.paddingIdx });
    emb.weight = new Parameter(weights.detach(), !(opts.freeze ?? true));
    return emb;
  }

  /** Re-draws the table from N(0, 1) and zeroes the padding row. */
  resetParameters(key?: PRNGKey): void {
    normal_(this.weight, 0, 1, { key });
    if (this.paddingIdx !== null) noGrad(() => copy_(select(this.weight, 0, this.paddingIdx!), 0));
  }

  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx ?? undefined });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}

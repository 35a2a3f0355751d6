/** `MultiheadAttention`. */
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add, where } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/matmul.js';
import { mean } from '../../ops/reduce.js';
import { narrow, permute, reshape, transpose, unsqueeze } from '../../ops/view.js';
import type { PRNGKey } from '../../random/key.js';
import { dropout, linear, scaledDotProductAttention, softmax } from '../functional/index.js';
import { constant_, xavierUniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkInt, type FactoryOptions, factoryDType, subKeys } from './common.js';
import { Linear } from './linear.js';

/** Options of `MultiheadAttention`. */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout probability on the attention weights, in training mode (default 0). */
  dropout?: number;
  /** Learn biases for the input and output projections (default true). */
  bias?: boolean;
  /** Feature size of `key` (default `embedDim`). */
  kdim?: number;
  /** Feature size of `value` (default `embedDim`). */
  vdim?: number;
  /** Inputs are `[batch, seq, feature]` (default true) rather than `[seq, batch, feature]`. */
  batchFirst?: boolean;
}

/** Options of `MultiheadAttention.forward`. */
export interface MultiheadAttentionForwardOptions {
  /**
   * `[N, S]` (or `[S]` unbatched): `true` (bool) marks key positions to ignore (e.g.
   * padding); a float mask is added to the attention scores.
   */
  keyPaddingMask?: Tensor | null;
  /**
   * `[L, S]` or `[N·numHeads, L, S]`: `true` (bool) marks query–key pairs that may not
   * attend; a float mask is added to the attention scores.
   */
  attnMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** Average the returned weights over heads (`[N, L, S]`, default) instead of `[N, H, L, S]`. */
  averageAttnWeights?: boolean;
  /**
   * Causal attention (query i attends to keys ≤ i). With an `attnMask` it is only a
   * hint that the mask is causal (as in PyTorch); without one, the causal mask is built.
   */
  isCausal?: boolean;
}

/** An additive float mask from a bool "disallowed" mask (true → −∞) or a float mask. */
function additiveMask(mask: Tensor, dtype: Tensor['dtype']): Tensor {
  if (mask.dtype === 'bool') return where(mask, Number.NEGATIVE_INFINITY, zeros([], { dtype }));
  if (mask.dtype === 'int32') {
    throw new ArgumentError('MultiheadAttention: masks must be bool or floating (got int32)');
  }
  return cast(mask, dtype);
}

/**
 * Multi-head scaled dot-product attention (Vaswani et al., 2017), parameterised like
 * `torch.nn.MultiheadAttention`: `inProjWeight` `[3E, E]` (Xavier-uniform) and
 * `inProjBias` `[3E]` (zeros) project query, key and value; `outProj` is a `Linear(E, E)`
 * (bias zeroed). When `kdim`/`vdim` differ from `embedDim`, separate `qProjWeight`
 * `[E, E]`, `kProjWeight` `[E, kdim]`, `vProjWeight` `[E, vdim]` are used instead.
 *
 * `forward(query, key, value)` takes `[N, L, E]`, `[N, S, kdim]`, `[N, S, vdim]` with
 * `batchFirst` (default; `[L, N, E]` … otherwise), or unbatched `[L, E]`, `[S, kdim]`,
 * `[S, vdim]`, and returns `[output, weights]`: output shaped like `query`, weights
 * `[N, L, S]` (averaged over heads), `[N, H, L, S]`, or null when `needWeights` is false.
 *
 * @example
 * ```ts
 * const mha = new MultiheadAttention(64, 8);
 * const [y, w] = mha.forward(x, x, x); // self-attention, x: [N, L, 64]
 * ```
 */
export class MultiheadAttention extends Module<
  [Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions?],
  [Tensor, Tensor | null]
> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  /** Whether query, key and value share `inProjWeight` (kdim = vdim = embedDim). */
  readonly sameEmbedDim: boolean;
  /** `[3E, E]`: the stacked query, key and value projections (null when kdim/vdim differ). */
  inProjWeight: Parameter | null;
  /** `[E, E]` query projection when kdim/vdim differ, else null. */
  qProjWeight: Parameter | null;
  /** `[E, kdim]` key projection when kdim/vdim differ, else null. */
  kProjWeight: Parameter | null;
  /** `[E, vdim]` value projection when kdim/vdim differ, else null. */
  vProjWeight: Parameter | null;
  /** `[3E]` biases of the query, key and value projections (null without bias). */
  inProjBias: Parameter | null;
  /** The output projection. */
  outProj: Linear;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    checkInt('MultiheadAttention', 'embedDim', embedDim);
    checkInt('MultiheadAttention', 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) {
      throw new ArgumentError(
        `MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`,
      );
    }
    const p = opts.dropout ?? 0;
    if (!(p >= 0 && p <= 1))
      throw new ArgumentError(`MultiheadAttention: dropout must be in [0, 1] (got ${p})`);
    const dtype = factoryDType('MultiheadAttention', opts);
    const bias = opts.bias ?? true;
    const [kInit, kOut] = subKeys(opts.key, 2);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = opts.kdim ?? embedDim;
    this.vdim = opts.vdim ?? embedDim;
    checkInt('MultiheadAttention', 'kdim', this.kdim);
    checkInt('MultiheadAttention', 'vdim', this.vdim);
    this.dropout = p;
    this.batchFirst = opts.batchFirst ?? true;
    this.sameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    const E = embedDim;
    if (this.sameEmbedDim) {
      this.inProjWeight = new Parameter(zeros([3 * E, E], { dtype }));
      this.qProjWeight = null;
      this.kProjWeight = null;
      this.vProjWeight = null;
    } else {
      this.inProjWeight = null;
      this.qProjWeight = new Parameter(zeros([E, E], { dtype }));
      this.kProjWeight = new Parameter(zeros([E, this.kdim], { dtype }));
      this.vProjWeight = new Parameter(zeros([E, this.vdim], { dtype }));
    }
    this.inProjBias = bias ? new Parameter(zeros([3 * E], { dtype })) : null;
    this.outProj = new Linear(E, E, { bias, dtype, key: kOut });
    this.resetParameters(kInit);
  }

  /**
   * Re-initialises like PyTorch: Xavier-uniform input projections, zero input and
   * output biases (the output projection weight keeps `Linear`'s initialisation).
   */
  resetParameters(key?: PRNGKey): void {
    const [k0, k1, k2] = subKeys(key, 3);
    if (this.inProjWeight) xavierUniform_(this.inProjWeight, { key: k0 });
    else {
      xavierUniform_(this.qProjWeight!, { key: k0 });
      xavierUniform_(this.kProjWeight!, { key: k1 });
      xavierUniform_(this.vProjWeight!, { key: k2 });
    }
    if (this.inProjBias) constant_(this.inProjBias, 0);
    if (this.outProj.bias) constant_(this.outProj.bias, 0);
  }

  /** The query, key and value projection weights and biases. */
  private projections(): [
    Tensor,
    Tensor,
    Tensor,
    Tensor | undefined,
    Tensor | undefined,
    Tensor | undefined,
  ] {
    const E = this.embedDim;
    const w = this.inProjWeight;
    const [wq, wk, wv] = w
      ? [narrow(w, 0, 0, E), narrow(w, 0, E, E), narrow(w, 0, 2 * E, E)]
      : [this.qProjWeight!, this.kProjWeight!, this.vProjWeight!];
    const b = this.inProjBias;
    const [bq, bk, bv] = b ? [narrow(b, 0, 0, E), narrow(b, 0, E, E), narrow(b, 0, 2 * E, E)] : [];
    return [wq, wk, wv, bq, bk, bv];
  }

  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    opts: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention';
    const E = this.embedDim;
    const H = this.numHeads;
    const D = this.headDim;
    const batched = query.ndim === 3;
    if (!(query.ndim === 3 || query.ndim === 2) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(
        `${op}: expected query, key and value all 3-D (batched) or all 2-D (unbatched), got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`,
      );
    }
    // To [N, L, E] / [N, S, ·].
    const toBatchFirst = (t: Tensor) =>
      !batched ? unsqueeze(t, 0) : this.batchFirst ? t : transpose(t, 0, 1);
    const q0 = toBatchFirst(query);
    const k0 = toBatchFirst(key);
    const v0 = toBatchFirst(value);
    const [N, L] = [q0.shape[0]!, q0.shape[1]!];
    const S = k0.shape[1]!;
    if (q0.shape[2] !== E || k0.shape[2] !== this.kdim || v0.shape[2] !== this.vdim) {
      throw new ShapeError(
        `${op}: expected feature sizes ${E}, ${this.kdim}, ${this.vdim} for query, key, value (got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)})`,
      );
    }
    if (k0.shape[0] !== N || v0.shape[0] !== N || v0.shape[1] !== S) {
      throw new ShapeError(
        `${op}: query, key and value must agree in batch size and key/value in length (got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)})`,
      );
    }
    const [wq, wk, wv, bq, bk, bv] = this.projections();
    // [N, L, E] → [N, H, L, D]
    const heads = (t: Tensor, len: number) => permute(reshape(t, [N, len, H, D]), [0, 2, 1, 3]);
    const q = heads(linear(q0, wq, bq), L);
    const k = heads(linear(k0, wk, bk), S);
    const v = heads(linear(v0, wv, bv), S);

    // Additive float mask broadcastable to [N, H, L, S], or null.
    let mask: Tensor | null = null;
    const dtype = q.dtype;
    if (opts.attnMask) {
      const m = opts.attnMask;
      let am: Tensor;
      if (m.ndim === 2 && m.shape[0] === L && m.shape[1] === S) am = additiveMask(m, dtype);
      else if (m.ndim === 3 && m.shape[0] === N * H && m.shape[1] === L && m.shape[2] === S) {
        am = reshape(additiveMask(m, dtype), [N, H, L, S]);
      } else {
        throw new ShapeError(
          `${op}: attnMask must be [${L},${S}] or [${N * H},${L},${S}] (got ${fmtShape(m.shape)})`,
        );
      }
      mask = am;
    } else if (opts.isCausal) {
      const idx = zeros([L, S], { dtype: 'bool' });
      const d = idx._storage.data;
      for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) d[i * S + j] = 1;
      mask = additiveMask(idx, dtype);
    }
    if (opts.keyPaddingMask) {
      const m = opts.keyPaddingMask;
      const want = batched ? [N, S] : [S];
      if (m.ndim !== want.length || m.shape.some((s, i) => s !== want[i])) {
        throw new ShapeError(`${op}: keyPaddingMask must be ${fmtShape(want)} (got ${fmtShape(m.shape)})`);
      }
      const km = reshape(additiveMask(m, dtype), [N, 1, 1, S]);
      mask = mask ? add(mask, km) : km;
    }

    const p = this.training ? this.dropout : 0;
    const needWeights = opts.needWeights ?? true;
    let out: Tensor;
    let weights: Tensor | null = null;
    if (needWeights) {
      let scores = matmul(q, transpose(k, -2, -1));
      scores = scores.mul(1 / Math.sqrt(D));
      if (mask) scores = add(scores, mask);
      let attn = softmax(scores, -1);
      if (p > 0) attn = dropout(attn, p, true);
      out = matmul(attn, v);
      const w = (opts.averageAttnWeights ?? true) ? mean(attn, 1) : attn;
      weights = batched ? w : reshape(w, w.shape.slice(1));
    } else {
      out = scaledDotProductAttention(q, k, v, { attnMask: mask ?? undefined, dropoutP: p });
    }
    // [N, H, L, D] → [N, L, E]
    let y = this.outProj.forward(reshape(permute(out, [0, 2, 1, 3]), [N, L, E]));
    if (!batched) y = reshape(y, [L, E]);
    else if (!this.batchFirst) y = transpose(y, 0, 1);
    return [y, weights];
  }

  override extraRepr(): string {
    const extra = this.sameEmbedDim ? '' : `, kdim=${this.kdim}, vdim=${this.vdim}`;
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, dropout=${this.dropout}, batchFirst=${this.batchFirst}${extra}`;
  }
}

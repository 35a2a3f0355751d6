/** Scaled dot-product attention (the math form, composed of differentiable ops). */
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { add, mul, where } from '../../ops/binary.js';
import { matmul } from '../../ops/matmul.js';
import { transpose } from '../../ops/view.js';
import type { PRNGKey } from '../../random/key.js';
import { softmax } from './activation.js';
import { dropout } from './dropout.js';
import { checkFloat, checkProb } from './util.js';

/** Options of `scaledDotProductAttention`. */
export interface AttentionOptions {
  /**
   * Mask broadcastable to [..., L, S]: bool (true = may attend) or float (added to the
   * scores, e.g. −∞ to block).
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0; applied whenever > 0). */
  dropoutP?: number;
  /** Query i attends only to keys j ≤ i (top-left aligned; exclusive with attnMask). */
  isCausal?: boolean;
  /** Score scale (default 1/√E). */
  scale?: number | null;
  /** Key for the dropout mask. */
  key?: PRNGKey;
}

/**
 * `softmax(q·kᵀ·scale + mask)·v` for `q` [..., L, E], `k` [..., S, E], `v` [..., S, Ev]
 * (batch dims broadcast) → [..., L, Ev]. Rows whose keys are all masked give NaN, as in PyTorch.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: AttentionOptions = {},
): Tensor {
  const op = 'scaledDotProductAttention';
  checkFloat(q, op, 'query');
  checkFloat(k, op, 'key');
  checkFloat(v, op, 'value');
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) {
    throw new ShapeError(
      `${op}: expected query [..., L, E], key [..., S, E], value [..., S, Ev], got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}`,
    );
  }
  const L = q.shape[q.ndim - 2]!;
  const E = q.shape[q.ndim - 1]!;
  const S = k.shape[k.ndim - 2]!;
  if (k.shape[k.ndim - 1] !== E || v.shape[v.ndim - 2] !== S) {
    throw new ShapeError(
      `${op}: query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} do not match ` +
        '(need query [..., L, E], key [..., S, E], value [..., S, Ev])',
    );
  }
  const dropoutP = opts.dropoutP ?? 0;
  checkProb(dropoutP, op, 'dropoutP');
  if (opts.isCausal && opts.attnMask) {
    throw new ArgumentError(`${op}: isCausal and attnMask cannot both be given`);
  }
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  let scores = matmul(mul(q, scale), transpose(k, -2, -1));
  if (opts.isCausal) {
    const m = new Uint8Array(L * S);
    for (let i = 0; i < L; i++) for (let j = 0; j <= Math.min(i, S - 1); j++) m[i * S + j] = 1;
    scores = where(Tensor._fromData(m, [L, S], 'bool'), scores, Number.NEGATIVE_INFINITY);
  } else if (opts.attnMask) {
    const mask = opts.attnMask;
    scores =
      mask.dtype === 'bool'
        ? where(mask, scores, Number.NEGATIVE_INFINITY)
        : add(scores, mask.dtype === scores.dtype ? mask : mask.cast(scores.dtype));
  }
  let attn = softmax(scores, -1);
  if (dropoutP > 0) attn = dropout(attn, dropoutP, true, opts.key ? { key: opts.key } : {});
  return matmul(attn, v);
}

/**
 * Embedding lookup: rows of a weight matrix gathered by int32 indices. The backward is
 * a dedicated recorded scatter-add (rows of `paddingIdx` receive no gradient), whose own
 * backward is the gather again, so gradients of any order work.
 */
import { record } from '../../autograd/node.js';
import { allocArray } from '../../core/dtype.js';
import { AxisError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { checkFloat, checkIndexTensor } from './util.js';

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** Row whose gradient stays zero (negative counts from the end). */
  paddingIdx?: number | null;
}

/** Validated row indices (negative ones are an error, like PyTorch). */
function rowIndices(indices: Tensor, rows: number, op: string): Int32Array {
  // A copy: the backward must not see later in-place changes of `indices`.
  const idx = (indices._contiguousData() as Int32Array).slice();
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    if (r < 0 || r >= rows) {
      throw new AxisError(
        `${op}: index ${r} is out of range for a weight with ${rows} rows (indices ${fmtShape(indices.shape)})`,
      );
    }
  }
  return idx;
}

/**
 * out[k] = w[idx[k]] (rows of `dim`); with `zeroPad`, rows whose index is `pad` are 0
 * (the adjoint of `scatterRows`).
 */
function gatherRows(
  w: Tensor,
  idx: Int32Array,
  outShape: readonly number[],
  pad: number,
  zeroPad: boolean,
): Tensor {
  const dim = w.shape[1]!;
  const wd = w._contiguousData();
  const out = allocArray(w.dtype, idx.length * dim);
  for (let k = 0; k < idx.length; k++) {
    const r = idx[k]!;
    if (zeroPad && r === pad) continue;
    out.set(wd.subarray(r * dim, (r + 1) * dim), k * dim);
  }
  const y = Tensor._fromData(out, outShape, w.dtype);
  record(zeroPad ? 'embeddingBackwardBackward' : 'embedding', y, [w], ([g]) => [
    scatterRows(g!, idx, w.shape[0]!, pad),
  ]);
  return y;
}

/** grad[idx[k]] += g[k] for every k with idx[k] ≠ pad: [..., dim] → [rows, dim]. */
function scatterRows(g: Tensor, idx: Int32Array, rows: number, pad: number): Tensor {
  const dim = g.shape[g.ndim - 1]!;
  const gd = g._contiguousData();
  const out = allocArray(g.dtype, rows * dim);
  for (let k = 0; k < idx.length; k++) {
    const r = idx[k]!;
    if (r === pad) continue;
    const src = k * dim;
    const dst = r * dim;
    for (let j = 0; j < dim; j++) out[dst + j]! += gd[src + j]!;
  }
  const gw = Tensor._fromData(out, [rows, dim], g.dtype);
  record('embeddingBackward', gw, [g], ([h]) => [gatherRows(h!, idx, g.shape, pad, true)]);
  return gw;
}

/**
 * Looks up rows of `weight` [num, dim] for int32 `indices` of any shape → [...indices.shape, dim].
 * The gradient of row `paddingIdx` stays zero.
 */
export function embedding(indices: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  const op = 'embedding';
  checkIndexTensor(indices, op, 'indices');
  checkFloat(weight, op, 'weight');
  if (weight.ndim !== 2)
    throw new ShapeError(`${op}: weight must be 2-D [num, dim], got ${fmtShape(weight.shape)}`);
  const rows = weight.shape[0]!;
  let pad = -1;
  if (opts.paddingIdx != null) {
    const p = opts.paddingIdx;
    if (!Number.isInteger(p) || p < -rows || p >= rows) {
      throw new AxisError(`${op}: paddingIdx ${p} is out of range for a weight with ${rows} rows`);
    }
    pad = p < 0 ? p + rows : p;
  }
  const idx = rowIndices(indices, rows, op);
  return gatherRows(weight, idx, [...indices.shape, weight.shape[1]!], pad, false);
}

/** Fully connected layer: `y = x·Wᵀ + b`. */
import { record } from '../../autograd/node.js';
import { getBackend } from '../../backend/index.js';
import { allocOutput } from '../../core/dtype.js';
import { fmtShape, ShapeError } from '../../core/errors.js';
import { sizeOf } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { matmul } from '../../ops/matmul.js';
import { sum } from '../../ops/reduce.js';
import { reshape, transpose } from '../../ops/view.js';
import { commonFloat } from './util.js';

/**
 * `x·weightᵀ + bias` over the last dim: `x` [..., in], `weight` [out, in], `bias` [out]
 * → [..., out]. One GEMM reading the weight transposed in place (no copy), bias fused;
 * the backward is two matmuls (`g·W`, `gᵀ·x`) and a sum, written with ops.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const op = 'linear';
  if (weight.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)} are not aligned (expected weight [out, ${x.shape[x.ndim - 1] ?? '?'}])`,
    );
  }
  const [nOut, nIn] = weight.shape as [number, number];
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== nOut)) {
    throw new ShapeError(`${op}: bias must have shape [${nOut}] (got ${fmtShape(bias.shape)})`);
  }
  const { dtype, ts } = commonFloat(op, ['input', 'weight', 'bias'], x, weight, bias ?? null);
  const [xf, w, b] = ts;
  const rows = sizeOf(x.shape.slice(0, -1));
  const outShape = [...x.shape.slice(0, -1), nOut];
  const out = allocOutput(dtype, rows * nOut);
  if (out.length > 0) {
    getBackend().matmul(xf._contiguousData(), w._contiguousData(), out, {
      batch: 1,
      m: rows,
      n: nOut,
      k: nIn,
      transA: false,
      transB: true,
      aOffset: 0,
      bOffset: 0,
      aBatchStride: 0,
      bBatchStride: 0,
    });
    if (b) {
      // out += bias on every row, in place (the native backend's row-broadcast kernel).
      const shape = [rows, nOut];
      const dense = { data: out, shape, strides: [nOut, 1], offset: 0 };
      const row = { data: b._storage.data, shape, strides: [0, b.strides[0]!], offset: b.offset };
      getBackend().binary('add', dense, row, out);
    }
  }
  const y = Tensor._fromData(out, outShape, dtype);
  record(
    op,
    y,
    b ? [xf, w, b] : [xf, w],
    ([g]) => {
      const g2 = reshape(g!, [rows, nOut]);
      return [
        xf.requiresGrad ? reshape(matmul(g2, w), xf.shape) : null,
        w.requiresGrad ? matmul(transpose(g2, 0, 1), reshape(xf, [rows, nIn])) : null,
        b?.requiresGrad ? sum(g2, 0) : null,
      ];
    },
    [xf, w],
  );
  return y;
}

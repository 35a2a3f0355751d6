/** Shared helpers of the linalg tests. */
import { expect } from 'vitest';
import type { DType } from '../../src/core/dtype.js';
import { Tensor } from '../../src/core/tensor.js';
import { add, div, mul } from '../../src/ops/binary.js';
import { eye } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { transpose, unsqueeze } from '../../src/ops/view.js';
import { randomKey } from '../../src/random/key.js';
import { randn } from '../../src/random/sample.js';

/** A reproducible standard-normal tensor. */
export function rnd(shape: readonly number[], seed: number, dtype: DType = 'float64'): Tensor {
  return randn(shape, { dtype, key: randomKey(seed) });
}

/** Matrix transpose of the last two dims. */
export function tT(x: Tensor): Tensor {
  return transpose(x, -2, -1);
}

/** (X + Xᵀ)/2. */
export function sym(x: Tensor): Tensor {
  return div(add(x, tT(x)), 2);
}

/** A well-conditioned symmetric positive-definite matrix X Xᵀ + n I (batched). */
export function spd(shape: readonly number[], seed: number, dtype: DType = 'float64'): Tensor {
  const n = shape[shape.length - 1]!;
  const x = rnd(shape, seed, dtype);
  return add(matmul(x, tT(x)), eye(n, n, { dtype }).mul(n));
}

/** The n×n identity. */
export function I(n: number, dtype: DType = 'float64'): Tensor {
  return eye(n, n, { dtype });
}

/** [..., k] → [..., k, k] diagonal. */
export function diag(v: Tensor): Tensor {
  const k = v.shape[v.ndim - 1]!;
  return mul(unsqueeze(v, -1), eye(k, k, { dtype: v.dtype }));
}

/** Largest absolute elementwise difference (shapes must match). */
export function maxDiff(a: Tensor, b: Tensor | number[]): number {
  const x = a._contiguousData();
  const y = Array.isArray(b) ? b : b._contiguousData();
  if (!Array.isArray(b)) expect(a.shape).toEqual(b.shape);
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Asserts elementwise closeness. */
export function expectClose(a: Tensor, b: Tensor | number[], tol = 1e-10): void {
  const d = maxDiff(a, b);
  expect(d, `max abs diff ${d} > ${tol}`).toBeLessThanOrEqual(tol);
}

/** Asserts Qᵀ Q = I for the columns of Q (batched). */
export function expectOrthonormalColumns(Q: Tensor, tol = 1e-10): void {
  const k = Q.shape[Q.ndim - 1]!;
  const QtQ = matmul(tT(Q), Q);
  expectClose(QtQ, eye(k, k, { dtype: Q.dtype }).expand(...QtQ.shape), tol);
}

/** Stacks equally shaped tensors along a new leading axis (test-local, no autograd). */
export function stack(ts: readonly Tensor[]): Tensor {
  const t0 = ts[0]!;
  const out = new Float64Array(ts.length * t0.size);
  ts.forEach((t, i) => {
    out.set(t._contiguousData(), i * t0.size);
  });
  return Tensor._fromData(
    t0.dtype === 'float64' ? out : Float32Array.from(out),
    [ts.length, ...t0.shape],
    t0.dtype,
  );
}

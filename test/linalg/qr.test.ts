import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import { qr } from '../../src/linalg/index.js';
import { tensor } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { sum } from '../../src/ops/reduce.js';
import { expectClose, expectOrthonormalColumns, rnd } from './helpers.js';

function expectUpper(R: { shape: readonly number[]; _contiguousData(): ArrayLike<number> }): void {
  const [r, c] = R.shape.slice(-2) as [number, number];
  const d = R._contiguousData();
  const batch = d.length / (r * c);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < r; i++)
      for (let j = 0; j < Math.min(i, c); j++) expect(d[b * r * c + i * c + j]).toBe(0);
}

describe('qr', () => {
  it('reduced: Q R = A, Q orthonormal, R upper; tall, square, wide, batched', () => {
    for (const shape of [
      [2, 5, 3],
      [4, 4],
      [3, 5],
    ]) {
      const A = rnd(shape, shape[1]!);
      const { Q, R } = qr(A);
      const m = shape[shape.length - 2]!;
      const n = shape[shape.length - 1]!;
      const k = Math.min(m, n);
      expect(Q.shape.slice(-2)).toEqual([m, k]);
      expect(R.shape.slice(-2)).toEqual([k, n]);
      expectClose(matmul(Q, R), A, 1e-12);
      expectOrthonormalColumns(Q, 1e-13);
      expectUpper(R);
    }
  });

  it("complete: square Q [m,m], R [m,n]; mode 'r' returns R only", () => {
    const A = rnd([5, 3], 50);
    const { Q, R } = qr(A, { mode: 'complete' });
    expect(Q.shape).toEqual([5, 5]);
    expect(R.shape).toEqual([5, 3]);
    expectClose(matmul(Q, R), A, 1e-12);
    expectOrthonormalColumns(Q, 1e-13);
    expectUpper(R);
    const r = qr(A, { mode: 'r' });
    expect(r.Q.shape).toEqual([0]);
    expectClose(r.R, qr(A).R, 0);
  });

  it('float32, a closed form, and errors', () => {
    const A = tensor([
      [3, 1],
      [4, 2],
    ]);
    const { Q, R } = qr(A);
    expect(Q.dtype).toBe('float32');
    // Householder: R₀₀ = −‖a₀‖.
    expectClose(R, [-5, -2.2, 0, 0.4], 1e-6);
    expectClose(matmul(Q, R), A, 1e-6);
    expect(() => qr(rnd([3], 0))).toThrow(ShapeError);
    expect(() => qr(rnd([3, 3], 0), { mode: 'full' as 'reduced' })).toThrow("qr: unknown mode 'full'");
  });

  it('gradcheck: tall, square and wide reduced QR; complete with m ≤ n; batched', () => {
    for (const shape of [
      [4, 3],
      [3, 3],
      [2, 4],
    ]) {
      gradcheck(
        (a) => {
          const { Q, R } = qr(a);
          return [Q, R];
        },
        [rnd(shape, 51 + shape[1]!)],
      );
    }
    gradcheck((a) => qr(a, { mode: 'complete' }).Q, [rnd([2, 3], 55)]);
    gradcheck((a) => sum(qr(a).R.mul(qr(a).Q.sum())), [rnd([2, 3, 2], 56)]);
  });

  it("backward errors for mode 'complete' with m > n and mode 'r'", () => {
    const A = rnd([4, 2], 57).requiresGrad_();
    expect(() => qr(A, { mode: 'complete' }).Q.sum().backward()).toThrow(ArgumentError);
    expect(() => qr(A, { mode: 'r' }).R.sum().backward()).toThrow(
      "qr: the gradient needs Q, which mode 'r' does not compute",
    );
  });
});

import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.js';
import { ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { eigvalsh, svd, svdvals } from '../../src/linalg/index.js';
import { mul } from '../../src/ops/binary.js';
import { tensor } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { abs, exp } from '../../src/ops/unary.js';
import { diag, expectClose, expectOrthonormalColumns, rnd, tT } from './helpers.js';

function expectDescendingNonNegative(S: Tensor): void {
  const k = S.shape[S.ndim - 1]!;
  const d = S._contiguousData();
  for (let i = 0; i < d.length; i++) {
    expect(d[i]!).toBeGreaterThanOrEqual(0);
    if (i % k) expect(d[i]!).toBeLessThanOrEqual(d[i - 1]!);
  }
}

describe('svd', () => {
  it('U diag(S) Vh = A with orthonormal U, V; tall, square, wide, batched', () => {
    for (const shape of [
      [2, 6, 4],
      [5, 5],
      [3, 7],
      [1, 4],
      [4, 1],
    ]) {
      const A = rnd(shape, shape.length * 10 + shape[0]!);
      const { U, S, Vh } = svd(A);
      const m = shape[shape.length - 2]!;
      const n = shape[shape.length - 1]!;
      const k = Math.min(m, n);
      expect(U.shape.slice(-2)).toEqual([m, k]);
      expect(S.shape[S.ndim - 1]).toBe(k);
      expect(Vh.shape.slice(-2)).toEqual([k, n]);
      expectDescendingNonNegative(S);
      expectOrthonormalColumns(U, 1e-13);
      expectOrthonormalColumns(tT(Vh), 1e-13);
      expectClose(matmul(mul(U, S.unsqueeze(-2)), Vh), A, 1e-12);
      expectClose(svdvals(A), S, 0);
    }
  });

  it('fullMatrices gives square orthogonal U and Vh', () => {
    for (const shape of [
      [5, 3],
      [3, 5],
    ]) {
      const A = rnd(shape, 70 + shape[0]!);
      const { U, S, Vh } = svd(A, { fullMatrices: true });
      const [m, n] = shape as [number, number];
      expect(U.shape).toEqual([m, m]);
      expect(Vh.shape).toEqual([n, n]);
      expectOrthonormalColumns(U, 1e-13);
      expectOrthonormalColumns(tT(Vh), 1e-13);
      const k = Math.min(m, n);
      expectClose(matmul(mul(U.narrow(-1, 0, k), S.unsqueeze(-2)), Vh.narrow(-2, 0, k)), A, 1e-12);
    }
  });

  it('singular values match eigenvalues of AᵀA; rank-deficient and zero matrices', () => {
    const A = rnd([6, 4], 72);
    const ev = eigvalsh(matmul(tT(A), A))._contiguousData();
    const s = svdvals(A)._contiguousData();
    for (let i = 0; i < 4; i++) expect(s[i]!).toBeCloseTo(Math.sqrt(ev[3 - i]!), 12);
    const R = matmul(rnd([5, 2], 73), rnd([2, 4], 74)); // rank 2
    const { U, S, Vh } = svd(R, { fullMatrices: true });
    expect(S._contiguousData()[2]!).toBeLessThan(1e-14);
    expectOrthonormalColumns(U, 1e-13);
    expectClose(matmul(mul(U.narrow(-1, 0, 4), S.unsqueeze(-2)), Vh), R, 1e-12);
    const Z = svd(
      tensor(
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
        { dtype: 'float64' },
      ),
    );
    expectClose(Z.S, [0, 0], 0);
    expectOrthonormalColumns(Z.U, 1e-15);
    expectOrthonormalColumns(tT(Z.Vh), 1e-15);
  });

  it('float32 and graded matrices (high relative accuracy)', () => {
    const A = rnd([6, 3], 75, 'float32');
    const { U, S, Vh } = svd(A);
    expect(S.dtype).toBe('float32');
    expectClose(matmul(mul(U, S.unsqueeze(-2)), Vh), A, 1e-5);
    const G = tensor(
      [
        [1, 0],
        [0, 1e-200],
      ],
      { dtype: 'float64' },
    );
    expectClose(svdvals(G), [1, 1e-200], 1e-215);
    // Not orthogonal: σ₂ = det / σ₁ ≈ 1e-200 to full relative precision.
    const s2 = svdvals(
      tensor(
        [
          [1, 1e-200],
          [0, 1e-200],
        ],
        { dtype: 'float64' },
      ),
    )._contiguousData()[1]!;
    expect(Math.abs(s2 / 1e-200 - 1)).toBeLessThan(1e-14);
    expect(() => svd(rnd([4], 0))).toThrow(ShapeError);
  });

  it('gradcheck: S, gauge-invariant functions of U and Vh (tall, square, wide)', () => {
    for (const shape of [
      [4, 3],
      [3, 3],
      [2, 4],
    ]) {
      const A = rnd(shape, 80 + shape[0]! * 7 + shape[1]!);
      gradcheck((a) => svdvals(a), [A]);
      gradcheck(
        (a) => {
          const { U, Vh } = svd(a);
          return [abs(U), abs(Vh)];
        },
        [A],
      );
      // U h(S) Vh and the projections U Uᵀ, Vhᵀ Vh are sign-invariant.
      gradcheck(
        (a) => {
          const { U, S, Vh } = svd(a);
          return [matmul(mul(U, exp(S).unsqueeze(-2)), Vh), matmul(U, tT(U)), matmul(tT(Vh), Vh)];
        },
        [A],
      );
    }
    gradcheck((a) => svd(a, { fullMatrices: true }).S, [rnd([2, 3, 2], 90)]);
    gradgradcheck((a) => svdvals(a), [rnd([3, 2], 91)]);
  });
});

void diag;

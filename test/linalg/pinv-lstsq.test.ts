import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { cond, inv, lstsq, matrixNorm, matrixRank, pinv, solve, svdvals } from '../../src/linalg/index.js';
import { tensor } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { norm, sum } from '../../src/ops/reduce.js';
import { abs } from '../../src/ops/unary.js';
import { expectClose, I, rnd, sym, tT } from './helpers.js';

/** The four Moore–Penrose conditions. */
function expectMoorePenrose(A: Tensor, P: Tensor, tol: number): void {
  expectClose(matmul(A, matmul(P, A)), A, tol);
  expectClose(matmul(P, matmul(A, P)), P, tol);
  const AP = matmul(A, P);
  const PA = matmul(P, A);
  expectClose(AP, tT(AP), tol);
  expectClose(PA, tT(PA), tol);
}

describe('pinv', () => {
  it('satisfies the Moore–Penrose conditions: tall, wide, rank-deficient, batched, hermitian', () => {
    const tall = rnd([2, 5, 3], 100);
    const P = pinv(tall);
    expect(P.shape).toEqual([2, 3, 5]);
    expectMoorePenrose(tall, P, 1e-12);
    expectMoorePenrose(rnd([3, 6], 101), pinv(rnd([3, 6], 101)), 1e-12);
    const lowRank = matmul(rnd([5, 2], 102), rnd([2, 4], 103));
    expectMoorePenrose(lowRank, pinv(lowRank), 1e-12);
    const S = sym(rnd([4, 4], 104));
    expectClose(pinv(S, { hermitian: true }), pinv(S), 1e-12);
    const Sd = matmul(rnd([4, 2], 105), tT(rnd([4, 2], 105)));
    expectClose(pinv(Sd, { hermitian: true }), pinv(Sd), 1e-12);
    // Square invertible: the inverse.
    const A = rnd([4, 4], 106);
    expectClose(pinv(A), inv(A), 1e-11);
  });

  it('tolerances: atol/rtol cut small singular values', () => {
    const D = tensor(
      [
        [3, 0],
        [0, 1e-3],
      ],
      { dtype: 'float64' },
    );
    expectClose(pinv(D), [1 / 3, 0, 0, 1000], 1e-12);
    expectClose(pinv(D, { rtol: 1e-2 }), [1 / 3, 0, 0, 0], 1e-15);
    expectClose(pinv(D, { atol: 0.5 }), [1 / 3, 0, 0, 0], 1e-15);
    expect(() => pinv(D, { rtol: -1 })).toThrow(ArgumentError);
    expect(() => pinv(rnd([3], 0))).toThrow(ShapeError);
  });

  it('float32', () => {
    const A = rnd([5, 3], 107, 'float32');
    const P = pinv(A);
    expect(P.dtype).toBe('float32');
    expectMoorePenrose(A, P, 1e-5);
  });

  it('gradcheck (tall, wide, batched) and gradgradcheck', () => {
    gradcheck((a) => pinv(a), [rnd([4, 3], 108)]);
    gradcheck((a) => pinv(a), [rnd([2, 4], 109)]);
    gradcheck((a) => pinv(a), [rnd([2, 3, 3], 110)]);
    gradgradcheck((a) => pinv(a), [rnd([3, 2], 111)]);
  });
});

describe('lstsq', () => {
  it('full rank: the normal equations hold; residuals ‖A x − b‖²', () => {
    const A = rnd([2, 6, 3], 120);
    const B = rnd([2, 6, 2], 121);
    const { solution: X, residuals, rank, singularValues } = lstsq(A, B);
    expect(X.shape).toEqual([2, 3, 2]);
    expectClose(
      matmul(tT(A), matmul(A, X).sub(B)),
      tensor(new Float64Array(12), { shape: [2, 3, 2] }),
      1e-12,
    );
    expectClose(residuals, sum(matmul(A, X).sub(B).square(), -2), 1e-12);
    expect(rank.toArray()).toEqual([3, 3]);
    expect(rank.dtype).toBe('int32');
    expectClose(singularValues, svdvals(A), 1e-14);
    // Square: the solve.
    const Q = rnd([4, 4], 122);
    const b = rnd([4], 123);
    expectClose(lstsq(Q, b).solution, solve(Q, b), 1e-11);
    expect(lstsq(Q, b).residuals.shape).toEqual([0]);
  });

  it('rank-deficient and underdetermined: the minimum-norm solution', () => {
    const A = matmul(rnd([5, 2], 124), rnd([2, 4], 125)); // rank 2
    const b = rnd([5], 126);
    const { solution: x, rank, residuals } = lstsq(A, b);
    expect(rank.item()).toBe(2);
    expect(residuals.shape).toEqual([0]);
    expectClose(x, matmul(pinv(A), b), 1e-12);
    // Normal equations hold and x ⊥ null(A): x lies in the row space.
    expectClose(matmul(tT(A), matmul(A, x).sub(b)), [0, 0, 0, 0], 1e-12);
    const W = rnd([2, 5], 127);
    const y = rnd([2], 128);
    const xw = lstsq(W, y).solution;
    expectClose(matmul(W, xw), y, 1e-12);
    // Any other solution is longer.
    const other = xw.add(matmul(I(5).sub(matmul(pinv(W), W)), rnd([5], 129)));
    expect(norm(other).item()).toBeGreaterThan(norm(xw).item());
  });

  it('errors on mismatched shapes', () => {
    expect(() => lstsq(rnd([4, 3], 0), rnd([5, 2], 1))).toThrow(
      'lstsq: A [4,3] and B [5,2] are incompatible (B must be [..., 4] or [..., 4, k])',
    );
    expect(() => lstsq(rnd([4], 0), rnd([4], 1))).toThrow(ShapeError);
  });

  it('gradcheck in A and B', () => {
    gradcheck((a, b) => lstsq(a, b).solution, [rnd([4, 2], 130), rnd([4, 2], 131)]);
    gradcheck((a, b) => lstsq(a, b).residuals, [rnd([4, 2], 132), rnd([4], 133)]);
    gradcheck((a, b) => lstsq(a, b).solution, [rnd([2, 3], 134), rnd([2], 135)]);
  });
});

describe('matrixNorm / matrixRank / cond', () => {
  const A = tensor(
    [
      [1, -2, 3],
      [-4, 5, -6],
    ],
    { dtype: 'float64' },
  );

  it('every order against its definition', () => {
    const s = svdvals(A)._contiguousData();
    expectClose(matrixNorm(A), [Math.sqrt(91)], 1e-14);
    expectClose(matrixNorm(A, 'nuc'), [s[0]! + s[1]!], 1e-14);
    expectClose(matrixNorm(A, 2), [s[0]!], 1e-14);
    expectClose(matrixNorm(A, -2), [s[1]!], 1e-14);
    expectClose(matrixNorm(A, 1), [9], 0);
    expectClose(matrixNorm(A, -1), [5], 0);
    expectClose(matrixNorm(A, Number.POSITIVE_INFINITY), [15], 0);
    expectClose(matrixNorm(A, Number.NEGATIVE_INFINITY), [6], 0);
    const B = rnd([2, 3, 4, 3], 140);
    expect(matrixNorm(B, 2).shape).toEqual([2, 3]);
    expect(matrixNorm(B, 'fro', { keepdims: true }).shape).toEqual([2, 3, 1, 1]);
    expect(matrixNorm(B, 'nuc', { keepdims: true }).shape).toEqual([2, 3, 1, 1]);
    expect(() => matrixNorm(A, 3)).toThrow('matrixNorm: unsupported order 3');
  });

  it('matrixRank and cond', () => {
    const low = matmul(rnd([2, 5, 2], 141), rnd([2, 2, 4], 142));
    expect(matrixRank(low).toArray()).toEqual([2, 2]);
    expect(matrixRank(rnd([3, 5], 143)).item()).toBe(3);
    expect(
      matrixRank(
        tensor(
          [
            [1, 0],
            [0, 1e-3],
          ],
          { dtype: 'float64' },
        ),
        { rtol: 1e-2 },
      ).item(),
    ).toBe(1);
    expect(
      matrixRank(
        tensor(
          [
            [1, 0],
            [0, 1e-3],
          ],
          { dtype: 'float64' },
        ),
        { atol: 1e-2 },
      ).item(),
    ).toBe(1);
    expect(matrixRank(sym(rnd([4, 4], 144)), { hermitian: true }).item()).toBe(4);
    expect(
      matrixRank(
        tensor(
          [
            [0, 0],
            [0, 0],
          ],
          { dtype: 'float64' },
        ),
      ).item(),
    ).toBe(0);
    const s = svdvals(A)._contiguousData();
    expectClose(cond(A), [s[0]! / s[1]!], 1e-13);
    expectClose(cond(A, -2), [s[1]! / s[0]!], 1e-13);
    const M = rnd([3, 3], 145);
    expectClose(cond(M, 'fro'), matrixNorm(M).mul(matrixNorm(inv(M))), 1e-12);
    expectClose(cond(M, 1), matrixNorm(M, 1).mul(matrixNorm(inv(M), 1)), 1e-12);
  });

  it('gradcheck of every differentiable order and of cond', () => {
    const X = rnd([2, 3, 4], 146);
    for (const ord of ['fro', 'nuc', 2, -2, 1, -1, Number.POSITIVE_INFINITY] as const) {
      gradcheck((x) => matrixNorm(x, ord), [X]);
    }
    gradcheck((x) => cond(x), [rnd([3, 3], 147)]);
    gradcheck((x) => cond(x, 1), [rnd([3, 3], 148)]);
  });
});

void abs;

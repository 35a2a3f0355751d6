import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.js';
import { ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { inv, LinAlgError, solve, solveTriangular } from '../../src/linalg/index.js';
import { add, mul } from '../../src/ops/binary.js';
import { tensor } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { expectClose, I, rnd, stack, tT } from './helpers.js';

/** A well-conditioned general matrix: random + n·I. */
function wellConditioned(
  shape: readonly number[],
  seed: number,
  dtype: 'float32' | 'float64' = 'float64',
): Tensor {
  const n = shape[shape.length - 1]!;
  return add(rnd(shape, seed, dtype), mul(I(n, dtype), n));
}

describe('solve', () => {
  it('A · solve(A, B) = B for matrices, vectors and broadcast batches', () => {
    const A = wellConditioned([2, 4, 4], 1);
    const B = rnd([2, 4, 3], 2);
    const X = solve(A, B);
    expect(X.shape).toEqual([2, 4, 3]);
    expectClose(matmul(A, X), B, 1e-12);
    // Vector right-hand sides: [n] and [..., n].
    const b = rnd([4], 3);
    const x = solve(A, b);
    expect(x.shape).toEqual([2, 4]);
    expectClose(matmul(A, x.unsqueeze(-1)).squeeze(-1), b.expand(2, 4), 1e-12);
    const bb = rnd([2, 4], 4);
    expectClose(matmul(A, solve(A, bb).unsqueeze(-1)).squeeze(-1), bb, 1e-12);
    // Broadcasting: one A against a batch of B, and a batch of A against one B.
    const A1 = wellConditioned([4, 4], 5);
    const Bs = rnd([3, 1, 4, 2], 6);
    const Xs = solve(A1, Bs);
    expect(Xs.shape).toEqual([3, 1, 4, 2]);
    expectClose(matmul(A1, Xs), Bs, 1e-12);
    expect(solve(A, rnd([4, 2], 7)).shape).toEqual([2, 4, 2]);
  });

  it('left: false solves X A = B', () => {
    const A = wellConditioned([3, 3], 8);
    const B = rnd([2, 3], 9);
    expectClose(matmul(solve(A, B, { left: false }), A), B, 1e-12);
  });

  it('float32 in, float32 out; mixed dtypes promote', () => {
    const A = wellConditioned([5, 5], 10, 'float32');
    const B = rnd([5, 2], 11, 'float32');
    const X = solve(A, B);
    expect(X.dtype).toBe('float32');
    expectClose(matmul(A, X), B, 1e-5);
    expect(solve(A, rnd([5, 2], 12)).dtype).toBe('float64');
  });

  it('errors: singular (naming the batch element), non-square, mismatched shapes', () => {
    const sing = tensor(
      [
        [1, 2],
        [2, 4],
      ],
      { dtype: 'float64' },
    );
    const A = stack([I(2), sing]);
    expect(() => solve(A, rnd([2, 2, 1], 0))).toThrow(LinAlgError);
    expect(() => solve(A, rnd([2, 2, 1], 0))).toThrow('solve: batch element 1 of A [2,2,2] is singular');
    expect(() => solve(rnd([3, 4], 0), rnd([3], 1))).toThrow(ShapeError);
    expect(() => solve(rnd([3, 4], 0), rnd([3], 1))).toThrow(
      'solve: A must be a (batch of) square matrix, got shape [3,4]',
    );
    expect(() => solve(I(3), rnd([4, 2], 1))).toThrow(
      'solve: A [3,3] and B [4,2] are incompatible (B must be [..., 3] or [..., 3, k])',
    );
    expect(() => solve(rnd([2, 3, 3], 0), rnd([3, 3, 1], 1))).toThrow('cannot be broadcast');
  });

  it('gradcheck in A and B (matrix, vector, broadcast batch) and gradgradcheck', () => {
    const A = wellConditioned([3, 3], 13);
    gradcheck((a, b) => solve(a, b), [A, rnd([3, 2], 14)]);
    gradcheck((a, b) => solve(a, b), [A, rnd([3], 15)]);
    gradcheck((a, b) => solve(a, b, { left: false }), [A, rnd([2, 3], 16)]);
    gradcheck((a, b) => solve(a, b), [wellConditioned([2, 3, 3], 17), rnd([3, 1], 18)]);
    gradgradcheck((a, b) => solve(a, b), [A, rnd([3, 2], 19)]);
  });
});

describe('solveTriangular', () => {
  const lowerA = () => add(rnd([3, 3], 20), mul(I(3), 3));
  it('solves lower/upper, left/right, unitriangular, reading one triangle', () => {
    const A = lowerA();
    const B = rnd([2, 3, 2], 21);
    const L = A.mul(
      tensor(
        [
          [1, 0, 0],
          [1, 1, 0],
          [1, 1, 1],
        ],
        { dtype: 'float64' },
      ),
    );
    const U = tT(L);
    expectClose(matmul(L, solveTriangular(A, B, { upper: false })), B, 1e-12);
    expectClose(matmul(U, solveTriangular(tT(A), B, { upper: true })), B, 1e-12);
    const Br = rnd([2, 2, 3], 22);
    expectClose(matmul(solveTriangular(A, Br, { upper: false, left: false }), L), Br, 1e-12);
    expectClose(matmul(solveTriangular(tT(A), Br, { upper: true, left: false }), U), Br, 1e-12);
    const Lu = add(
      L.mul(
        tensor(
          [
            [0, 0, 0],
            [1, 0, 0],
            [1, 1, 0],
          ],
          { dtype: 'float64' },
        ),
      ),
      I(3),
    );
    expectClose(matmul(Lu, solveTriangular(A, B, { upper: false, unitriangular: true })), B, 1e-12);
  });

  it('rejects mismatched shapes', () => {
    expect(() => solveTriangular(I(3), rnd([2, 3], 0), { upper: true })).toThrow(
      'solveTriangular: A [3,3] and B [2,3] are incompatible',
    );
    expect(() => solveTriangular(I(3), rnd([3], 0), { upper: true })).toThrow(ShapeError);
  });

  it('gradcheck for every variant', () => {
    const A = lowerA();
    for (const upper of [false, true]) {
      for (const left of [true, false]) {
        for (const unitriangular of [false, true]) {
          const B = left ? rnd([3, 2], 23) : rnd([2, 3], 23);
          gradcheck((a, b) => solveTriangular(a, b, { upper, left, unitriangular }), [A, B]);
        }
      }
    }
    gradcheck(
      (a, b) => solveTriangular(a, b, { upper: false }),
      [rnd([2, 1, 3, 3], 24).add(mul(I(3), 3)), rnd([3, 3, 1], 25)],
    );
  });
});

describe('inv', () => {
  it('A · inv(A) = I, batched, float32 and float64', () => {
    const A = wellConditioned([2, 3, 5, 5], 26);
    expectClose(matmul(A, inv(A)), I(5).expand(2, 3, 5, 5), 1e-12);
    const A32 = wellConditioned([4, 4], 27, 'float32');
    const Y = inv(A32);
    expect(Y.dtype).toBe('float32');
    expectClose(matmul(Y, A32), I(4, 'float32'), 1e-5);
    expectClose(
      inv(
        tensor(
          [
            [2, 1],
            [1, 1],
          ],
          { dtype: 'float64' },
        ),
      ),
      [1, -1, -1, 2],
      1e-15,
    );
  });

  it('errors on singular input, naming it', () => {
    const sing = tensor(
      [
        [1, 2],
        [2, 4],
      ],
      { dtype: 'float64' },
    );
    expect(() => inv(sing)).toThrow('inv: the input [2,2] is singular');
    expect(() => inv(stack([I(2), I(2), sing]).reshape(3, 1, 2, 2))).toThrow(
      'inv: batch element [2,0] of the input [3,1,2,2] is singular',
    );
    expect(() => inv(rnd([2, 3], 0))).toThrow(ShapeError);
  });

  it('gradcheck and gradgradcheck', () => {
    const A = wellConditioned([3, 3], 28);
    gradcheck((a) => inv(a), [A]);
    gradcheck((a) => inv(a), [wellConditioned([2, 2, 2], 29)]);
    gradgradcheck((a) => inv(a), [A]);
  });
});

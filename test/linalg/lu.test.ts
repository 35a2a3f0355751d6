import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.js';
import { ShapeError } from '../../src/core/errors.js';
import { det, lu, luFactor, slogdet } from '../../src/linalg/index.js';
import { diagPart } from '../../src/linalg/internal.js';
import { tensor } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { prod } from '../../src/ops/reduce.js';
import { expectClose, I, rnd, stack } from './helpers.js';

describe('lu / luFactor', () => {
  it('A = P L U with unit-lower L, upper U, batched and rectangular', () => {
    for (const shape of [
      [2, 4, 4],
      [3, 5],
      [5, 3],
    ]) {
      const A = rnd(shape, shape[0]!);
      const { P, L, U } = lu(A);
      const m = shape[shape.length - 2]!;
      const n = shape[shape.length - 1]!;
      const k = Math.min(m, n);
      expect(L.shape.slice(-2)).toEqual([m, k]);
      expect(U.shape.slice(-2)).toEqual([k, n]);
      expectClose(matmul(P, matmul(L, U)), A, 1e-12);
      const l = L._contiguousData();
      const u = U._contiguousData();
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < k; j++) {
          if (i === j) expect(l[i * k + j]).toBe(1);
          if (j > i) expect(l[i * k + j]).toBe(0);
          expect(Math.abs(l[i * k + j]!)).toBeLessThanOrEqual(1); // partial pivoting
        }
      }
      for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(u[i * n + j]).toBe(0);
    }
  });

  it('luFactor packs L and U and returns 1-based pivots', () => {
    const A = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    );
    const { LU, pivots } = luFactor(A);
    expect(pivots.dtype).toBe('int32');
    expect(pivots.toArray()).toEqual([2, 2]);
    expectClose(LU, [3, 4, 1 / 3, 2 - 4 / 3], 1e-15);
    const { L, U } = lu(A);
    expectClose(L, [1, 0, 1 / 3, 1], 1e-15);
    expectClose(U, [3, 4, 0, 2 / 3], 1e-15);
  });

  it('factorises singular matrices without error and keeps float32', () => {
    const { P, L, U } = lu(
      tensor([
        [1, 2],
        [2, 4],
      ]),
    );
    expect(U.dtype).toBe('float32');
    expectClose(matmul(P, matmul(L, U)), [1, 2, 2, 4], 1e-6);
    expect(() => lu(rnd([3], 0))).toThrow(ShapeError);
  });

  it('gradcheck: square, wide and tall L and U; packed LU', () => {
    for (const shape of [
      [3, 3],
      [2, 4],
      [4, 2],
    ]) {
      const A = rnd(shape, 30 + shape[0]!);
      gradcheck(
        (a) => {
          const { L, U } = lu(a);
          return [L, U];
        },
        [A],
      );
      gradcheck((a) => luFactor(a).LU, [A]);
    }
    gradcheck((a) => lu(a).U, [rnd([2, 3, 3], 35)]);
  });
});

describe('det / slogdet', () => {
  it('2×2 and 3×3 closed forms, float32 and float64', () => {
    expectClose(
      det(
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'float64' },
        ),
      ),
      [-2],
      1e-14,
    );
    const M = rnd([3, 3], 40);
    const m = M._contiguousData();
    const a = (i: number, j: number) => m[i * 3 + j]!;
    const ref =
      a(0, 0) * (a(1, 1) * a(2, 2) - a(1, 2) * a(2, 1)) -
      a(0, 1) * (a(1, 0) * a(2, 2) - a(1, 2) * a(2, 0)) +
      a(0, 2) * (a(1, 0) * a(2, 1) - a(1, 1) * a(2, 0));
    expectClose(det(M).reshape(1), [ref], 1e-13);
    const d32 = det(
      tensor([
        [2, 1],
        [7, 4],
      ]),
    );
    expect(d32.dtype).toBe('float32');
    expectClose(d32, [1], 1e-6);
  });

  it('equals the product of the LU pivots times det(P), batched', () => {
    const A = rnd([2, 3, 5, 5], 41);
    const { P, U } = lu(A);
    const ref = prod(diagPart(U), -1).mul(det(P));
    expect(det(A).shape).toEqual([2, 3]);
    expectClose(det(A), ref, 1e-12);
    const { sign, logabsdet } = slogdet(A);
    expectClose(sign.mul(logabsdet.exp()), det(A), 1e-12);
  });

  it('singular matrices: det 0, slogdet (0, -Infinity); huge matrices do not overflow slogdet', () => {
    const S = tensor(
      [
        [1, 2, 3],
        [2, 4, 6],
        [1, 0, 1],
      ],
      { dtype: 'float64' },
    );
    expect(det(S).item()).toBe(0);
    const { sign, logabsdet } = slogdet(S);
    expect(sign.item()).toBe(0);
    expect(logabsdet.item()).toBe(Number.NEGATIVE_INFINITY);
    const big = I(400).mul(10);
    expect(det(big).item()).toBe(Number.POSITIVE_INFINITY);
    expect(slogdet(big).logabsdet.item()).toBeCloseTo(400 * Math.log(10), 8);
  });

  it('errors on non-square input', () => {
    expect(() => det(rnd([2, 3], 0))).toThrow('det: A must be a (batch of) square matrix, got shape [2,3]');
    expect(() => slogdet(rnd([4], 0))).toThrow(ShapeError);
  });

  it('gradcheck (regular, batched and singular) and gradgradcheck', () => {
    gradcheck((a) => det(a), [rnd([3, 3], 42)]);
    gradcheck((a) => det(a), [rnd([2, 2, 2], 43)]);
    gradcheck((a) => slogdet(a).logabsdet, [rnd([2, 3, 3], 44)]);
    // Rank 2: the gradient is the cofactor matrix (computed from the SVD).
    gradcheck(
      (a) => det(a),
      [
        tensor(
          [
            [1, 2, 3],
            [2, 4, 6],
            [1, 0, 1],
          ],
          { dtype: 'float64' },
        ),
      ],
    );
    gradgradcheck((a) => det(a), [rnd([3, 3], 45)]);
    gradgradcheck((a) => slogdet(a).logabsdet, [rnd([3, 3], 46)]);
  });
});

void stack;

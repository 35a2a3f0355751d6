import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { DTypeError, ShapeError } from '../../src/core/errors.js';
import { cholesky, LinAlgError } from '../../src/linalg/index.js';
import { add, mul } from '../../src/ops/binary.js';
import { tensor } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { expectClose, I, rnd, spd, stack, sym, tT } from './helpers.js';

describe('cholesky', () => {
  it('reconstructs A = L Lᵀ with L lower-triangular, batched', () => {
    const A = spd([2, 3, 4, 4], 1);
    const L = cholesky(A);
    expect(L.shape).toEqual([2, 3, 4, 4]);
    expectClose(matmul(L, tT(L)), A, 1e-12);
    const d = L._contiguousData();
    for (let b = 0; b < 6; b++) {
      for (let i = 0; i < 4; i++) {
        expect(d[b * 16 + i * 4 + i]!).toBeGreaterThan(0);
        for (let j = i + 1; j < 4; j++) expect(d[b * 16 + i * 4 + j]).toBe(0);
      }
    }
  });

  it('upper returns U = Lᵀ with A = Uᵀ U', () => {
    const A = spd([3, 3], 2);
    const U = cholesky(A, { upper: true });
    expectClose(U, tT(cholesky(A)), 0);
    expectClose(matmul(tT(U), U), A, 1e-12);
  });

  it('matches a closed form and reads only the lower triangle', () => {
    const A = tensor(
      [
        [4, 999],
        [2, 5],
      ],
      { dtype: 'float64' },
    );
    expectClose(cholesky(A), [2, 0, 1, 2], 1e-15);
  });

  it('float32 in, float32 out', () => {
    const A = spd([5, 5], 3, 'float32');
    const L = cholesky(A);
    expect(L.dtype).toBe('float32');
    expectClose(matmul(L, tT(L)), A, 1e-4);
  });

  it('names the batch element that is not positive-definite', () => {
    const good = spd([3, 3], 4);
    const bad = tensor(
      [
        [1, 2, 0],
        [2, 1, 0],
        [0, 0, 1],
      ],
      { dtype: 'float64' },
    );
    expect(() => cholesky(stack([good, bad]))).toThrow(LinAlgError);
    expect(() => cholesky(stack([good, bad]))).toThrow(
      'cholesky: batch element 1 of the input [2,3,3] is not positive-definite (the leading minor of order 2 is not positive)',
    );
    expect(() => cholesky(bad)).toThrow('cholesky: the input [3,3] is not positive-definite');
  });

  it('rejects non-square and integer input', () => {
    expect(() => cholesky(rnd([3, 4], 0))).toThrow(ShapeError);
    expect(() => cholesky(rnd([3, 4], 0))).toThrow(
      'cholesky: A must be a (batch of) square matrix, got shape [3,4]',
    );
    expect(() => cholesky(rnd([3], 0))).toThrow('cholesky: A must have at least 2 dimensions');
    expect(() => cholesky(tensor([[1]], { dtype: 'int32' }))).toThrow(DTypeError);
  });

  it('gradcheck (symmetric parametrisation), lower and upper, batched', () => {
    const X = rnd([2, 3, 3], 5);
    const f = (upper: boolean) => (x: typeof X) => cholesky(add(sym(x), mul(I(3), 3)), { upper });
    gradcheck(f(false), [X]);
    gradcheck(f(true), [X]);
    // Through A = X Xᵀ + I as well.
    const Y = rnd([3, 3], 6);
    gradcheck((y) => cholesky(add(matmul(y, tT(y)), I(3))), [Y]);
  });
});

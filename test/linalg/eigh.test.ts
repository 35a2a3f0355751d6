import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../src/autograd/gradcheck.js';
import { ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { eigh, eigvalsh } from '../../src/linalg/index.js';
import { mul } from '../../src/ops/binary.js';
import { tensor } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { sum } from '../../src/ops/reduce.js';
import { abs, exp, sign } from '../../src/ops/unary.js';
import { diag, expectClose, expectOrthonormalColumns, rnd, sym, tT } from './helpers.js';

/** Ascending check per batch row. */
function expectAscending(L: Tensor): void {
  const n = L.shape[L.ndim - 1]!;
  const d = L._contiguousData();
  for (let i = 0; i < d.length; i++) if (i % n) expect(d[i]!).toBeGreaterThanOrEqual(d[i - 1]!);
}

describe('eigh', () => {
  it('V diag(λ) Vᵀ = A with orthonormal V and ascending λ, batched', () => {
    for (const n of [1, 2, 5, 12]) {
      const A = sym(rnd([3, n, n], n));
      const { eigenvalues: L, eigenvectors: V } = eigh(A);
      expect(L.shape).toEqual([3, n]);
      expectAscending(L);
      expectOrthonormalColumns(V, 1e-13);
      expectClose(matmul(V, matmul(diag(L), tT(V))), A, 1e-12);
      expectClose(eigvalsh(A), L, 0);
    }
  });

  it('closed forms, degenerate spectra and float32', () => {
    expectClose(
      eigvalsh(
        tensor(
          [
            [2, 1],
            [1, 2],
          ],
          { dtype: 'float64' },
        ),
      ),
      [1, 3],
      1e-14,
    );
    const { eigenvalues, eigenvectors } = eigh(
      tensor(
        [
          [2, 0, 0],
          [0, 2, 0],
          [0, 0, 2],
        ],
        { dtype: 'float64' },
      ),
    );
    expectClose(eigenvalues, [2, 2, 2], 1e-15);
    expectOrthonormalColumns(eigenvectors, 1e-15);
    const A = sym(rnd([6, 6], 60, 'float32'));
    const r = eigh(A);
    expect(r.eigenvalues.dtype).toBe('float32');
    expectClose(matmul(r.eigenvectors, matmul(diag(r.eigenvalues), tT(r.eigenvectors))), A, 1e-5);
  });

  it("reads only the uplo triangle ('L' default, 'U')", () => {
    const S = sym(rnd([4, 4], 61));
    const lowerOnly = S.mul(
      tensor(
        [
          [1, 0, 0, 0],
          [1, 1, 0, 0],
          [1, 1, 1, 0],
          [1, 1, 1, 1],
        ],
        { dtype: 'float64' },
      ),
    ).add(
      tensor(
        [
          [0, 9, 9, 9],
          [0, 0, 9, 9],
          [0, 0, 0, 9],
          [0, 0, 0, 0],
        ],
        { dtype: 'float64' },
      ),
    );
    expectClose(eigvalsh(lowerOnly), eigvalsh(S), 1e-13);
    expectClose(eigvalsh(tT(lowerOnly), { uplo: 'U' }), eigvalsh(S), 1e-13);
    expect(() => eigh(S, { uplo: 'X' as 'L' })).toThrow("eigh: uplo must be 'L' or 'U'");
  });

  it('rejects non-square input', () => {
    expect(() => eigh(rnd([3, 4], 0))).toThrow(ShapeError);
    expect(() => eigvalsh(rnd([3, 4], 0))).toThrow('eigvalsh: A must be a (batch of) square matrix');
  });

  it('gradcheck: eigenvalues and gauge-invariant functions of eigenvectors', () => {
    const X = rnd([4, 4], 62);
    gradcheck((x) => eigh(sym(x)).eigenvalues, [X]);
    gradcheck((x) => eigvalsh(sym(x)), [rnd([2, 3, 3], 63)]);
    // |V| and sign-fixed V are invariant to the sign of each eigenvector.
    gradcheck((x) => abs(eigh(sym(x)).eigenvectors), [X]);
    gradcheck(
      (x) => {
        const V = eigh(sym(x)).eigenvectors;
        return mul(V, sign(sum(V, 0, true)).detach());
      },
      [X],
    );
    // A spectral function V exp(Λ) Vᵀ (matrix exponential) combines both outputs.
    gradcheck(
      (x) => {
        const { eigenvalues: L, eigenvectors: V } = eigh(sym(x));
        return matmul(V, matmul(diag(exp(L)), tT(V)));
      },
      [rnd([2, 3, 3], 64)],
    );
    gradgradcheck((x) => eigvalsh(sym(x)), [rnd([3, 3], 65)]);
  });
});

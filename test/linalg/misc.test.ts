import { afterEach, describe, expect, it } from 'vitest';
import { gradgradcheck } from '../../src/autograd/gradcheck.js';
import {
  cholesky,
  det,
  eigh,
  eigvalsh,
  getLinalgKernels,
  inv,
  jsLinalgKernels,
  LinAlgError,
  lu,
  pinv,
  qr,
  resetLinalgKernels,
  setLinalgKernels,
  slogdet,
  solve,
  solveTriangular,
  svd,
  svdvals,
} from '../../src/linalg/index.js';
import { add, mul } from '../../src/ops/binary.js';
import { eye, zeros } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { abs } from '../../src/ops/unary.js';
import { expectClose, I, rnd, spd, sym, tT } from './helpers.js';

describe('linalg: shared behaviour', () => {
  afterEach(() => resetLinalgKernels());

  it('empty batches and 0×0 matrices', () => {
    const e = zeros([0, 3, 3], { dtype: 'float64' });
    expect(cholesky(e).shape).toEqual([0, 3, 3]);
    expect(inv(e).shape).toEqual([0, 3, 3]);
    expect(det(e).shape).toEqual([0]);
    expect(eigh(e).eigenvalues.shape).toEqual([0, 3]);
    expect(svd(e).S.shape).toEqual([0, 3]);
    const z = zeros([0, 0], { dtype: 'float64' });
    expect(det(z).item()).toBe(1);
    expect(slogdet(z).logabsdet.item()).toBe(0);
    const w = svd(zeros([3, 0], { dtype: 'float64' }), { fullMatrices: true });
    expect([w.U.shape, w.S.shape, w.Vh.shape]).toEqual([[3, 3], [0], [0, 0]]);
    expect(pinv(zeros([3, 0], { dtype: 'float64' })).shape).toEqual([0, 3]);
  });

  it('non-contiguous (transposed, broadcast) inputs', () => {
    const A = spd([4, 4], 1);
    const At = tT(A); // a strided view
    expect(At.isContiguous).toBe(false);
    expectClose(cholesky(At), cholesky(A), 0);
    const B = rnd([4, 4], 2);
    expectClose(matmul(tT(B), inv(tT(B))), eye(4, 4, { dtype: 'float64' }), 1e-12);
    const Ab = B.expand(3, 4, 4);
    expectClose(qr(Ab).R, qr(B).R.expand(3, 4, 4), 0);
    expectClose(solve(Ab, rnd([4], 3)), solve(B, rnd([4], 3)).expand(3, 4), 0);
  });

  it('exactly degenerate spectra give finite gradients', () => {
    const I1 = eye(3, 3, { dtype: 'float64', requiresGrad: true });
    eigvalsh(I1).sum().backward();
    expectClose(I1.grad!, eye(3, 3, { dtype: 'float64' }), 1e-15);
    const I2 = eye(3, 3, { dtype: 'float64', requiresGrad: true });
    svdvals(I2).sum().backward();
    expectClose(I2.grad!, eye(3, 3, { dtype: 'float64' }), 1e-15);
  });

  it('float32 gradients stay float32 and agree with float64', () => {
    const x64 = rnd([3, 3], 4).requiresGrad_();
    const x32 = x64.detach().float().requiresGrad_();
    for (const x of [x64, x32]) {
      const { L, U } = lu(x);
      det(x).add(L.sum()).add(U.sum()).add(inv(x).sum()).backward();
    }
    expect(x32.grad!.dtype).toBe('float32');
    expectClose(x32.grad!.double(), x64.grad!, 1e-3);
  });

  it('dispatches to replaceable kernels', () => {
    let calls = 0;
    setLinalgKernels({
      potrf: (a, n) => {
        calls++;
        return jsLinalgKernels.potrf(a, n);
      },
    });
    cholesky(spd([2, 3, 3], 5));
    expect(calls).toBe(2);
    expect(getLinalgKernels().getrf).toBe(jsLinalgKernels.getrf);
    setLinalgKernels({ potrf: () => 3 });
    expect(() => cholesky(spd([3, 3], 6))).toThrow(LinAlgError);
    resetLinalgKernels();
    expect(getLinalgKernels().potrf).toBe(jsLinalgKernels.potrf);
  });

  it('second-order gradients (gradgradcheck) through every decomposition', () => {
    const X = rnd([3, 3], 7);
    gradgradcheck((x) => cholesky(add(sym(x), mul(I(3), 3))), [X]);
    gradgradcheck((a, b) => solveTriangular(a, b, { upper: true }), [add(X, mul(I(3), 3)), rnd([3, 2], 8)]);
    gradgradcheck((x) => lu(x).U, [X]);
    gradgradcheck((x) => qr(x).Q, [rnd([3, 2], 9)]);
    gradgradcheck((x) => abs(eigh(sym(x)).eigenvectors), [X]);
    gradgradcheck(
      (x) => {
        const { U, S, Vh } = svd(x);
        return matmul(mul(U, S.exp().unsqueeze(-2)), Vh);
      },
      [rnd([3, 2], 10)],
    );
  });
});

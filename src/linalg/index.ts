/**
 * Linear algebra (`torch.linalg`-style): decompositions (Cholesky, LU, QR, symmetric
 * eigendecomposition, SVD), solves, inverses, determinants, pseudo-inverse, least
 * squares, norms and ranks. Batched over leading dims, float32 and float64 (computed in
 * float64, returned in the input dtype), with differentiable backward formulas written
 * in nabla ops (so higher-order gradients work).
 */

export type { CholeskyOptions } from './decompositions/cholesky.js';
export { cholesky } from './decompositions/cholesky.js';
export type { EighOptions, EighResult } from './decompositions/eigh.js';
export { eigh, eigvalsh } from './decompositions/eigh.js';
export type { LUFactorResult, LUResult } from './decompositions/lu.js';
export { lu, luFactor } from './decompositions/lu.js';
export type { QRMode, QROptions, QRResult } from './decompositions/qr.js';
export { qr } from './decompositions/qr.js';
export type { SVDOptions, SVDResult } from './decompositions/svd.js';
export { svd, svdvals } from './decompositions/svd.js';
export type { SlogdetResult } from './determinant.js';
export { det, slogdet } from './determinant.js';
export { LinAlgError } from './errors.js';
export type { LinalgKernels } from './kernels/index.js';
export {
  getLinalgKernels,
  jsLinalgKernels,
  nativeLinalgKernels,
  resetLinalgKernels,
  restoreDefaultLinalgKernels,
  setLinalgKernels,
} from './kernels/index.js';
export type { LstsqOptions, LstsqResult } from './lstsq.js';
export { lstsq } from './lstsq.js';
export type { MatrixNormOptions, MatrixNormOrd, MatrixRankOptions } from './norms.js';
export { cond, matrixNorm, matrixRank } from './norms.js';
export type { PinvOptions, RankTolerance } from './pinv.js';
export { pinv } from './pinv.js';
export type { SolveOptions } from './solve.js';
export { inv, solve } from './solve.js';
export type { SolveTriangularOptions } from './triangular.js';
export { solveTriangular } from './triangular.js';

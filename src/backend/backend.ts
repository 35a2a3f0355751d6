/**
 * The kernel interface every backend implements. Ops (src/ops) never touch typed
 * arrays directly: they prepare shapes and call these kernels, so a new backend
 * (e.g. the native addon) slots in by implementing this interface — or by
 * overriding only the kernels it does faster and delegating the rest.
 *
 * Conventions: `DataArray` arguments are contiguous row-major buffers of exactly
 * the needed length unless an offset/stride is given; kernels write into `out`
 * and never allocate tensors.
 */
import type { DataArray } from '../core/dtype.js';

/** A strided view of a buffer (shape/strides in elements). */
export interface StridedArray {
  readonly data: DataArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Elementwise unary kernels. `param` is the op's scalar parameter (leakyRelu slope, elu alpha). */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'expm1'
  | 'log'
  | 'log1p'
  | 'sqrt'
  | 'rsqrt'
  | 'square'
  | 'reciprocal'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'tanh'
  | 'sigmoid'
  | 'softplus'
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'gelu'
  | 'geluTanh'
  | 'silu'
  | 'erf'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'isnan'
  | 'isfinite'
  | 'logicalNot'
  | 'step'
  | 'cast';

/** Elementwise binary kernels (inputs already broadcast to the output shape). */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'logicalAnd'
  | 'logicalOr'
  | 'atan2'
  | 'fmod'
  /** `a * (1 - b²)`: tanh's backward with b = tanh(x) (fused so it is one pass). */
  | 'tanhGrad'
  /** `a * b * (1 - b)`: sigmoid's backward with b = sigmoid(x). */
  | 'sigmoidGrad'
  /** `b > 0 ? a : 0`: relu's backward with b = x (NaN x gives 0, as PyTorch). */
  | 'reluGrad';

/** Reductions over the middle axis of a `[outer, red, inner]` layout. */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min';

/** Arguments of a (batched) matrix multiply `C[b] = op(A[b]) · op(B[b])`. */
export interface MatmulArgs {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** A is stored as [k, m] (read transposed). */
  transA: boolean;
  /** B is stored as [n, k] (read transposed). */
  transB: boolean;
  /** Element offsets of each batch's A/B matrices (0 stride = broadcast). */
  aOffset: number;
  bOffset: number;
  aBatchStride: number;
  bBatchStride: number;
}

/** 2-D convolution geometry for im2col/col2im (NCHW). */
export interface Conv2dGeometry {
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  outH: number;
  outW: number;
}

/** The kernel set. */
export interface Backend {
  readonly name: string;
  /** Gathers a strided view into a contiguous buffer (with dtype conversion if `out` differs). */
  copyStrided(src: StridedArray, out: DataArray): void;
  /** Writes `src` (broadcast to `dst.shape`) into the strided view `dst`, converting dtype. */
  assign(dst: StridedArray, src: StridedArray): void;
  /** `out[i] = op(x[i])` over contiguous buffers of equal length. */
  unary(op: UnaryOp, x: DataArray, out: DataArray, param: number): void;
  /** `out = op(a, b)` where a and b are strided views of the output shape (stride 0 = broadcast). */
  binary(op: BinaryOp, a: StridedArray, b: StridedArray, out: DataArray): void;
  /** `out = cond ? a : b` with strided, broadcast inputs. */
  where(cond: StridedArray, a: StridedArray, b: StridedArray, out: DataArray): void;
  /** Reduces the middle axis of contiguous `x` viewed as `[outer, red, inner]`. */
  reduce(op: ReduceOp, x: DataArray, outer: number, red: number, inner: number, out: DataArray): void;
  /** Index of the max/min along the middle axis (first occurrence; NaN wins). */
  argReduce(
    op: 'argmax' | 'argmin',
    x: DataArray,
    outer: number,
    red: number,
    inner: number,
    out: Int32Array,
  ): void;
  /** Inclusive cumulative sum/product along the middle axis. */
  cumulative(
    op: 'cumsum' | 'cumprod',
    x: DataArray,
    outer: number,
    n: number,
    inner: number,
    out: DataArray,
  ): void;
  /** Batched matrix multiply into contiguous `out` of shape [batch, m, n]. */
  matmul(a: DataArray, b: DataArray, out: DataArray, args: MatmulArgs): void;
  /** Unfolds one image [C,H,W] (at `xOffset`) into columns [C·kh·kw, outH·outW]. */
  im2col(x: DataArray, xOffset: number, g: Conv2dGeometry, out: DataArray): void;
  /** Adds columns [C·kh·kw, outH·outW] back into one image [C,H,W] at `outOffset` (accumulates). */
  col2im(cols: DataArray, g: Conv2dGeometry, out: DataArray, outOffset: number): void;
}

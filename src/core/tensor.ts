/**
 * The Tensor: a strided view (shape, strides, offset) of a typed-array storage,
 * plus autograd metadata. Views share storage (and its version counter, which
 * autograd uses to detect in-place modification of saved tensors).
 */

import { backward as runBackward } from '../autograd/backward.js';
import type { Node } from '../autograd/node.js';
import type { StridedArray } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import * as B from '../ops/binary.js';
import * as C from '../ops/cast.js';
import * as M from '../ops/matmul.js';
import * as R from '../ops/reduce.js';
import * as U from '../ops/unary.js';
import * as V from '../ops/view.js';
import { allocArray, type DataArray, type DType } from './dtype.js';
import { AutogradError, NablaError } from './errors.js';
import { formatTensor } from './format.js';
import { contiguousStrides, isContiguous, type Shape, sizeOf } from './shape.js';

/** A value that ops accept wherever a tensor is expected: tensors and JavaScript scalars. */
export type TensorLike = Tensor | number | boolean;

/** Nested JavaScript arrays, as accepted by `tensor()` and returned by `toArray()`. */
export type NestedArray = number | boolean | NestedArray[];

/** Typed storage shared by a tensor and its views. */
export class Storage {
  /** Bumped by every in-place write; autograd compares it to detect stale saved tensors. */
  version = 0;
  constructor(readonly data: DataArray) {}
}

/** Options of `backward()`. */
export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (default false). */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients (default false). */
  createGraph?: boolean;
}

/** An n-dimensional array with autograd support. */
export class Tensor {
  /** @internal the storage (shared with views). */
  readonly _storage: Storage;
  /** Size of each dimension. */
  readonly shape: readonly number[];
  /** Step in elements between neighbours along each dimension. */
  readonly strides: readonly number[];
  /** Offset of element [0,…,0] in the storage. */
  readonly offset: number;
  /** Element type. */
  readonly dtype: DType;
  /** Whether gradients flow to (leaf) or through (non-leaf) this tensor. */
  requiresGrad = false;
  /** Accumulated gradient of a leaf (or of a non-leaf after `retainGrad()`). */
  grad: Tensor | null = null;
  /** @internal the node that produced this tensor, if recorded. */
  _node: Node | null = null;
  /** @internal which output of `_node` this tensor is. */
  _outIndex = 0;

  /** @internal use the creation functions (`tensor`, `zeros`, …) instead. */
  constructor(storage: Storage, shape: Shape, strides: readonly number[], offset: number, dtype: DType) {
    this._storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
  }

  /** @internal a fresh contiguous tensor over `data`. */
  static _fromData(data: DataArray, shape: Shape, dtype: DType): Tensor {
    return new Tensor(new Storage(data), [...shape], contiguousStrides(shape), 0, dtype);
  }

  /**
   * @internal {@link _fromData} keeping `shape` itself (no copy): for op outputs whose shape
   * array is fresh or another tensor's (shapes are never mutated), on the per-op hot path.
   */
  static _wrap(data: DataArray, shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(new Storage(data), shape, contiguousStrides(shape), 0, dtype);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** True for tensors not produced by a recorded op (user-created or detached). */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** True when the elements are laid out row-major without gaps. */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** The storage's in-place modification counter. */
  get version(): number {
    return this._storage.version;
  }

  /** @internal this tensor as a kernel-level strided view. */
  _strided(): StridedArray {
    return { data: this._storage.data, shape: this.shape, strides: this.strides, offset: this.offset };
  }

  /**
   * @internal the elements in row-major order: the storage itself (or a
   * zero-copy subarray) when contiguous, otherwise a fresh gathered copy. Do not write.
   */
  _contiguousData(): DataArray {
    const n = this.size;
    const data = this._storage.data;
    if (this.isContiguous) {
      if (this.offset === 0 && data.length === n) return data;
      return data.subarray(this.offset, this.offset + n);
    }
    const out = allocArray(this.dtype, n);
    getBackend().copyStrided(this._strided(), out);
    return out;
  }

  /** A copy of the elements in row-major order, as a typed array of the tensor's dtype. */
  dataSync(): DataArray {
    const d = this._contiguousData();
    return d === this._storage.data || d.buffer === this._storage.data.buffer ? d.slice() : d;
  }

  /** The elements as nested JavaScript arrays (booleans for bool tensors). */
  toArray(): NestedArray {
    const d = this._contiguousData();
    const isBool = this.dtype === 'bool';
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.ndim) return isBool ? d[off] !== 0 : d[off]!;
      const step = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, off + i * step));
      return out;
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new NablaError(
        `item: only one-element tensors can be converted to a number (shape [${this.shape}])`,
      );
    }
    return this._storage.data[this.offset]!;
  }

  /** Human-readable rendering, like PyTorch's repr. */
  toString(): string {
    return formatTensor(this);
  }

  /** Marks a leaf tensor as requiring grad (in place); returns `this`. */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) {
      throw new AutogradError(
        'requiresGrad_: can only change requiresGrad of leaf tensors (use detach() first)',
      );
    }
    if (flag && this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new AutogradError(
        `requiresGrad_: only floating-point tensors can require grad (got ${this.dtype})`,
      );
    }
    this.requiresGrad = flag;
    return this;
  }

  /** Keeps `.grad` for this non-leaf tensor during backward. */
  retainGrad(): this {
    if (this._node) {
      this._node.retained ??= new Map();
      this._node.retained.set(this._outIndex, this);
    }
    return this;
  }

  /** Back-propagates from this tensor into the `.grad` of the leaves (PyTorch semantics). */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    runBackward([this], gradient ? [gradient] : undefined, options);
  }

  /** A tensor sharing storage but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this._storage, this.shape, this.strides, this.offset, this.dtype);
  }

  // ---- arithmetic (see src/ops for documentation) ----
  add(other: TensorLike): Tensor {
    return B.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return B.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return B.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return B.div(this, other);
  }
  pow(other: TensorLike): Tensor {
    return B.pow(this, other);
  }
  maximum(other: TensorLike): Tensor {
    return B.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return B.minimum(this, other);
  }
  eq(other: TensorLike): Tensor {
    return B.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return B.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return B.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return B.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return B.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return B.ge(this, other);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return B.clamp(this, min, max);
  }
  neg(): Tensor {
    return U.neg(this);
  }
  abs(): Tensor {
    return U.abs(this);
  }
  exp(): Tensor {
    return U.exp(this);
  }
  log(): Tensor {
    return U.log(this);
  }
  sqrt(): Tensor {
    return U.sqrt(this);
  }
  square(): Tensor {
    return U.square(this);
  }
  tanh(): Tensor {
    return U.tanh(this);
  }
  sigmoid(): Tensor {
    return U.sigmoid(this);
  }
  relu(): Tensor {
    return U.relu(this);
  }
  sin(): Tensor {
    return U.sin(this);
  }
  cos(): Tensor {
    return U.cos(this);
  }
  // ---- reductions ----
  sum(axis?: number | readonly number[], keepdims = false): Tensor {
    return R.sum(this, axis, keepdims);
  }
  mean(axis?: number | readonly number[], keepdims = false): Tensor {
    return R.mean(this, axis, keepdims);
  }
  max(axis?: number | readonly number[], keepdims = false): Tensor {
    return R.max(this, axis, keepdims);
  }
  min(axis?: number | readonly number[], keepdims = false): Tensor {
    return R.min(this, axis, keepdims);
  }
  argmax(axis?: number, keepdims = false): Tensor {
    return R.argmax(this, axis, keepdims);
  }
  argmin(axis?: number, keepdims = false): Tensor {
    return R.argmin(this, axis, keepdims);
  }
  // ---- shape ----
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return V.reshape(this, V.shapeArgs(shape));
  }
  view(...shape: number[] | [readonly number[]]): Tensor {
    return V.view(this, V.shapeArgs(shape));
  }
  flatten(startAxis = 0, endAxis = -1): Tensor {
    return V.flatten(this, startAxis, endAxis);
  }
  transpose(axis0 = -2, axis1 = -1): Tensor {
    return V.transpose(this, axis0, axis1);
  }
  permute(...axes: number[]): Tensor {
    return V.permute(this, axes);
  }
  /** Matrix transpose of the last two dimensions. */
  get mT(): Tensor {
    return V.transpose(this, -2, -1);
  }
  /** Transpose of a 2-D tensor (reverses the axes in general, like NumPy's `.T`). */
  get T(): Tensor {
    return V.permute(
      this,
      this.shape.map((_, i) => this.ndim - 1 - i),
    );
  }
  expand(...shape: number[]): Tensor {
    return V.expand(this, shape);
  }
  squeeze(axis?: number | readonly number[]): Tensor {
    return V.squeeze(this, axis);
  }
  unsqueeze(axis: number): Tensor {
    return V.unsqueeze(this, axis);
  }
  narrow(axis: number, start: number, length: number): Tensor {
    return V.narrow(this, axis, start, length);
  }
  select(axis: number, index: number): Tensor {
    return V.select(this, axis, index);
  }
  contiguous(): Tensor {
    return C.contiguous(this);
  }
  clone(): Tensor {
    return C.clone(this);
  }
  cast(dtype: DType): Tensor {
    return C.cast(this, dtype);
  }
  /** Alias of `cast`. */
  to(dtype: DType): Tensor {
    return C.cast(this, dtype);
  }
  float(): Tensor {
    return C.cast(this, 'float32');
  }
  double(): Tensor {
    return C.cast(this, 'float64');
  }
  // ---- linear algebra ----
  matmul(other: Tensor): Tensor {
    return M.matmul(this, other);
  }
}

/**
 * Small dense linear algebra on raw arrays for the Newton iterations of the implicit
 * solvers and for Anderson mixing: LU with partial pivoting, one matrix per batch row,
 * plus packing of state leaves into per-row vectors and Jacobians by VJPs.
 */
import { grad as autogradGrad } from '../../autograd/backward.js';
import { enableGrad } from '../../autograd/mode.js';
import { allocArray, type DType } from '../../core/dtype.js';
import { Tensor } from '../../core/tensor.js';

/** In-place LU factorisation of the n×n row-major matrix at `A[off…]`; returns false when singular. */
export function luFactor(A: Float64Array, n: number, piv: Int32Array, off = 0, pivOff = 0): boolean {
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(A[off + k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(A[off + i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    piv[pivOff + k] = p;
    if (!(best > 0) || !Number.isFinite(best)) return false;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const a = off + k * n + j;
        const b = off + p * n + j;
        const tmp = A[a]!;
        A[a] = A[b]!;
        A[b] = tmp;
      }
    }
    const d = A[off + k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const l = (A[off + i * n + k]! /= d);
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) A[off + i * n + j]! -= l * A[off + k * n + j]!;
    }
  }
  return true;
}

/** Solves `LU x = b` in place (`b` at `x[xOff…]`) with the factorisation from `luFactor`. */
export function luSolve(
  A: Float64Array,
  n: number,
  piv: Int32Array,
  x: Float64Array,
  off = 0,
  pivOff = 0,
  xOff = 0,
): void {
  for (let k = 0; k < n; k++) {
    const p = piv[pivOff + k]!;
    if (p !== k) {
      const tmp = x[xOff + k]!;
      x[xOff + k] = x[xOff + p]!;
      x[xOff + p] = tmp;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = x[xOff + i]!;
    for (let j = 0; j < i; j++) s -= A[off + i * n + j]! * x[xOff + j]!;
    x[xOff + i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[xOff + i]!;
    for (let j = i + 1; j < n; j++) s -= A[off + i * n + j]! * x[xOff + j]!;
    x[xOff + i] = s / A[off + i * n + i]!;
  }
}

/** Solves the dense system `A x = b` (A n×n, copied) by LU; returns null when singular. */
export function solveDense(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const M = A.slice();
  const piv = new Int32Array(n);
  if (!luFactor(M, n, piv)) return null;
  const x = b.slice();
  luSolve(M, n, piv, x);
  return x;
}

/** Packs state leaves into per-row vectors (`[rows, n]` row-major) and back. */
export class RowPacker {
  /** Components per row. */
  readonly n: number;
  private readonly offsets: number[];

  constructor(
    readonly rows: number,
    readonly rowSizes: readonly number[],
    readonly shapes: readonly (readonly number[])[],
    readonly dtype: DType,
  ) {
    this.offsets = [];
    let off = 0;
    for (const r of rowSizes) {
      this.offsets.push(off);
      off += r;
    }
    this.n = off;
  }

  /** Leaves (tensors or raw arrays) → `[rows·n]`. */
  pack(
    leaves: readonly (Tensor | ArrayLike<number>)[],
    out = new Float64Array(this.rows * this.n),
  ): Float64Array {
    const n = this.n;
    leaves.forEach((leaf, l) => {
      const d = leaf instanceof Tensor ? leaf._contiguousData() : leaf;
      const rs = this.rowSizes[l]!;
      const off = this.offsets[l]!;
      for (let b = 0; b < this.rows; b++) {
        for (let i = 0; i < rs; i++) out[b * n + off + i] = d[b * rs + i]!;
      }
    });
    return out;
  }

  /** `[rows·n]` → fresh leaf tensors. */
  unpack(v: Float64Array): Tensor[] {
    const n = this.n;
    return this.rowSizes.map((rs, l) => {
      const off = this.offsets[l]!;
      const d = allocArray(this.dtype, rs * this.rows);
      for (let b = 0; b < this.rows; b++) {
        for (let i = 0; i < rs; i++) d[b * rs + i] = v[b * n + off + i]!;
      }
      return Tensor._fromData(d, this.shapes[l]!, this.dtype);
    });
  }

  /** Cotangent leaves selecting component `i` of every row. */
  unit(i: number): Tensor[] {
    const v = new Float64Array(this.rows * this.n);
    for (let b = 0; b < this.rows; b++) v[b * this.n + i] = 1;
    return this.unpack(v);
  }
}

/**
 * Per-row Jacobians `J[b] = ∂f/∂y` (n×n row-major, `[rows·n·n]`) of a row-separable
 * function, with one VJP per component (each VJP gives row i of every row's block).
 */
export function rowJacobians(
  f: (y: Tensor[]) => Tensor[],
  y: readonly Tensor[],
  packer: RowPacker,
): Float64Array {
  const n = packer.n;
  const rows = packer.rows;
  const J = new Float64Array(rows * n * n);
  enableGrad(() => {
    const yt = y.map((l) => l.detach().requiresGrad_(true));
    const fy = f(yt);
    const outs: Tensor[] = [];
    const idx: number[] = [];
    fy.forEach((o, l) => {
      if (o.requiresGrad) {
        outs.push(o);
        idx.push(l);
      }
    });
    if (outs.length === 0) return;
    for (let i = 0; i < n; i++) {
      const e = packer.unit(i);
      const gs = autogradGrad(
        outs,
        yt,
        idx.map((l) => e[l]!),
        { retainGraph: true, allowUnused: true },
      );
      const g = packer.pack(gs.map((t, l) => t ?? new Float64Array(y[l]!.size)));
      for (let b = 0; b < rows; b++) {
        for (let j = 0; j < n; j++) J[b * n * n + i * n + j] = g[b * n + j]!;
      }
    }
  });
  return J;
}

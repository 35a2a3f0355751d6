/**
 * Fused, differentiable building blocks of the solvers. The Runge–Kutta stage
 * combinations `y0 + Σ_j c_j·k_j` run as one raw loop (one recorded op per stage
 * instead of 2·s elementwise ops), with per-row coefficients for batched problems
 * whose rows step independently.
 */
import { isGradEnabled } from '../autograd/mode.js';
import { record } from '../autograd/node.js';
import { allocArray, type DataArray } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { mul, where } from '../ops/binary.js';
import { full } from '../ops/creation.js';
import { indexSelect } from '../ops/indexing.js';
import { reshape } from '../ops/view.js';

type Floats = Float32Array | Float64Array;

function coefTensor(col: Float64Array, rows: number, like: Tensor): Tensor | number {
  let same = true;
  for (let b = 1; b < rows; b++) if (col[b] !== col[0]) same = false;
  if (same) return col[0]!;
  const shape = [rows, ...new Array<number>(like.ndim - 1).fill(1)];
  const data = allocArray(like.dtype, rows);
  for (let b = 0; b < rows; b++) data[b] = col[b]!;
  return Tensor._fromData(data, shape, like.dtype);
}

/**
 * `base + Σ_j coef[j]·ks[j]` in one pass, where `coefs[j*rows + b]` scales row `b`
 * (rows split the leading dimension; `rows = 1` means one scalar per term). Terms
 * whose coefficients are all zero are skipped. Differentiable in `base` and every
 * `ks[j]` (the coefficients are constants).
 */
export function combine(
  base: Tensor | null,
  ks: readonly Tensor[],
  coefs: Float64Array,
  rows: number,
): Tensor {
  const ref = base ?? ks[0]!;
  const n = ref.size;
  const rowSize = rows > 0 ? n / rows : 0;
  const used: number[] = [];
  for (let j = 0; j < ks.length; j++) {
    for (let b = 0; b < rows; b++) {
      if (coefs[j * rows + b] !== 0) {
        used.push(j);
        break;
      }
    }
  }
  if (base && used.length === 0) return base;
  const out = allocArray(ref.dtype, n) as Floats;
  if (base) out.set(base._contiguousData() as Floats);
  for (const j of used) accumulate(out, ks[j]!._contiguousData() as Floats, coefs, j, rows, rowSize, n);
  const y = Tensor._fromData(out, ref.shape, ref.dtype);
  let needsGrad = false;
  if (isGradEnabled()) {
    if (base?.requiresGrad) needsGrad = true;
    for (const j of used) if (ks[j]!.requiresGrad) needsGrad = true;
  }
  if (!needsGrad) return y;
  const inputs = base ? [base, ...used.map((j) => ks[j]!)] : used.map((j) => ks[j]!);
  const cols = used.map((j) => coefs.slice(j * rows, (j + 1) * rows));
  record('diffeq.combine', y, inputs, ([g]) => {
    const grads: (Tensor | null)[] = [];
    if (base) grads.push(base.requiresGrad ? g! : null);
    used.forEach((j, u) => {
      grads.push(ks[j]!.requiresGrad ? mul(g!, coefTensor(cols[u]!, rows, g!)) : null);
    });
    return grads;
  });
  return y;
}

/** `out += coefs[j, ·] ⊙ kd` (one coefficient per row). */
function accumulate(
  out: Floats,
  kd: Floats,
  coefs: Float64Array,
  j: number,
  rows: number,
  rowSize: number,
  n: number,
): void {
  if (rows === 1) {
    const c = coefs[j]!;
    for (let i = 0; i < n; i++) out[i]! += c * kd[i]!;
    return;
  }
  const base = j * rows;
  if (rowSize === 1) {
    for (let b = 0; b < rows; b++) out[b]! += coefs[base + b]! * kd[b]!;
    return;
  }
  for (let b = 0; b < rows; b++) {
    const c = coefs[base + b]!;
    if (c === 0) continue;
    const end = (b + 1) * rowSize;
    for (let i = b * rowSize; i < end; i++) out[i]! += c * kd[i]!;
  }
}

/** A bool mask of shape `[rows, 1, …, 1]` (rank `ndim`). */
function rowMask(mask: Uint8Array, ndim: number): Tensor {
  const shape = [mask.length, ...new Array<number>(Math.max(0, ndim - 1)).fill(1)];
  const data = allocArray('bool', mask.length);
  data.set(mask);
  return Tensor._fromData(data, shape, 'bool');
}

/** Row-wise select: rows where `mask` is set come from `a`, the others from `b` (differentiable). */
export function rowWhere(mask: Uint8Array, a: Tensor, b: Tensor): Tensor {
  let all = true;
  let none = true;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) none = false;
    else all = false;
  }
  if (all) return a;
  if (none) return b;
  return where(rowMask(mask, a.ndim), a, b);
}

/** Leaf-wise `rowWhere`. */
export function rowWhereLeaves(mask: Uint8Array, a: readonly Tensor[], b: readonly Tensor[]): Tensor[] {
  return a.map((x, i) => rowWhere(mask, x, b[i]!));
}

/**
 * Builds `[T, …shape]` from per-row pieces: `out[slots[p][r], r] = pieces[p][r]` for
 * every row `r` with a slot ≥ 0 (rows split the leading dim of each piece, `rows = 1`
 * meaning the whole piece). Unfilled entries are NaN. Differentiable in the pieces.
 */
export function assembleRows(
  pieces: readonly Tensor[],
  slots: readonly Int32Array[],
  T: number,
  rows: number,
  shape: readonly number[],
  dtype: Tensor['dtype'],
): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const rowSize = rows > 0 ? size / rows : 0;
  const out = allocArray(dtype, T * size) as Floats;
  out.fill(Number.NaN);
  pieces.forEach((p, k) => {
    const d = p._contiguousData() as Floats;
    const s = slots[k]!;
    for (let r = 0; r < rows; r++) {
      const slot = s[r]!;
      if (slot < 0) continue;
      const src = r * rowSize;
      const dst = slot * size + r * rowSize;
      for (let i = 0; i < rowSize; i++) out[dst + i] = d[src + i]!;
    }
  });
  const y = Tensor._fromData(out, [T, ...shape], dtype);
  record('diffeq.assemble', y, pieces as Tensor[], ([g]) =>
    pieces.map((p, k) => {
      if (!p.requiresGrad) return null;
      const s = slots[k]!;
      const idx = new Int32Array(rows);
      const m = new Uint8Array(rows);
      let any = false;
      for (let r = 0; r < rows; r++) {
        idx[r] = s[r]! >= 0 ? s[r]! * rows + r : 0;
        m[r] = s[r]! >= 0 ? 1 : 0;
        if (m[r]) any = true;
      }
      if (!any) return null;
      const flat = reshape(g!, [T * rows, rowSize]);
      const picked = reshape(indexSelect(flat, 0, Tensor._fromData(idx, [rows], 'int32')), shape);
      let allSet = true;
      for (let r = 0; r < rows; r++) if (!m[r]) allSet = false;
      return allSet ? picked : rowWhere(m, picked, full(shape, 0, { dtype: g!.dtype }));
    }),
  );
  return y;
}

/** True when every element of the given rows (all rows if `rows` is 1) is finite; per-row flags into `out`. */
export function rowsFinite(data: DataArray, rows: number, out: Uint8Array): void {
  const rowSize = data.length / rows;
  for (let b = 0; b < rows; b++) {
    let ok = 1;
    const end = (b + 1) * rowSize;
    for (let i = b * rowSize; i < end; i++) {
      const v = data[i]!;
      if (v - v !== 0) {
        ok = 0;
        break;
      }
    }
    out[b] = out[b]! & ok;
  }
}

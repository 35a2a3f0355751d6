/**
 * Batched GEMM of the TypeScript backend. Four rows of A are processed together
 * so each row of B loaded from cache feeds four accumulators; accumulation is in
 * double precision (float32 results are rounded once, at the end).
 */
import type { DataArray } from '../../core/dtype.js';
import type { MatmulArgs } from '../backend.js';

function transposeInto(src: DataArray, offset: number, rows: number, cols: number, dst: Float64Array): void {
  // src is [rows, cols]; dst becomes [cols, rows]
  for (let r = 0; r < rows; r++) {
    const base = offset + r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[base + c]!;
  }
}

function copyInto(src: DataArray, offset: number, n: number, dst: Float64Array): void {
  for (let i = 0; i < n; i++) dst[i] = src[offset + i]!;
}

/** `out[b] = op(A[b]) · op(B[b])`, out contiguous [batch, m, n]. */
export function matmul(a: DataArray, b: DataArray, out: DataArray, args: MatmulArgs): void {
  const { batch, m, n, k, transA, transB } = args;
  const A = new Float64Array(m * k);
  const B = new Float64Array(k * n);
  const acc = new Float64Array(4 * n);
  let lastA = -1;
  let lastB = -1;
  for (let bi = 0; bi < batch; bi++) {
    const aOff = args.aOffset + bi * args.aBatchStride;
    const bOff = args.bOffset + bi * args.bBatchStride;
    // Convert each distinct operand once (broadcast batches share it).
    if (aOff !== lastA) {
      if (transA) transposeInto(a, aOff, k, m, A);
      else copyInto(a, aOff, m * k, A);
      lastA = aOff;
    }
    if (bOff !== lastB) {
      if (transB) transposeInto(b, bOff, n, k, B);
      else copyInto(b, bOff, k * n, B);
      lastB = bOff;
    }
    const cOff = bi * m * n;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      acc.fill(0);
      const r0 = i * k;
      const r1 = r0 + k;
      const r2 = r1 + k;
      const r3 = r2 + k;
      for (let p = 0; p < k; p++) {
        const a0 = A[r0 + p]!;
        const a1 = A[r1 + p]!;
        const a2 = A[r2 + p]!;
        const a3 = A[r3 + p]!;
        const bRow = p * n;
        for (let j = 0; j < n; j++) {
          const bv = B[bRow + j]!;
          acc[j]! += a0 * bv;
          acc[n + j]! += a1 * bv;
          acc[2 * n + j]! += a2 * bv;
          acc[3 * n + j]! += a3 * bv;
        }
      }
      const o = cOff + i * n;
      for (let j = 0; j < 4 * n; j++) out[o + j] = acc[j]!;
    }
    for (; i < m; i++) {
      acc.fill(0, 0, n);
      const r0 = i * k;
      for (let p = 0; p < k; p++) {
        const a0 = A[r0 + p]!;
        if (a0 === 0) continue;
        const bRow = p * n;
        for (let j = 0; j < n; j++) acc[j]! += a0 * B[bRow + j]!;
      }
      const o = cOff + i * n;
      for (let j = 0; j < n; j++) out[o + j] = acc[j]!;
    }
  }
}

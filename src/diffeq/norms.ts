/**
 * Error norms on raw arrays, one value per batch row. A norm sees the scaled error
 * `e = err / (atol + rtol·max(|y0|, |y1|))` of every component of a row.
 */
import type { DataArray } from '../core/dtype.js';

/**
 * A custom norm: receives the scaled error of one row, one array per state leaf, and
 * returns a non-negative number (≤ 1 accepts the step). For seminorms return the norm of
 * the components that matter only.
 */
export type ErrorNormFn = (scaled: readonly Float64Array[]) => number;

/** `rms` (root mean square over all components; the default), `max`, or a custom function. */
export type ErrorNorm = 'rms' | 'max' | ErrorNormFn;

/**
 * Per-row norm of `x / scale` where `scale = atol + rtol·max(|a|, |b|)` (b optional).
 * `x`, `a`, `b` are per-leaf raw arrays laid out as `[rows, rowSize]`.
 */
export function scaledRowNorms(
  x: readonly DataArray[],
  a: readonly DataArray[],
  b: readonly DataArray[] | null,
  rows: number,
  rtol: number,
  atol: number,
  norm: ErrorNorm,
  out = new Float64Array(rows),
): Float64Array {
  if (typeof norm === 'function') {
    for (let r = 0; r < rows; r++) {
      const leaves = x.map((xl, l) => {
        const rs = xl.length / rows;
        const s = new Float64Array(rs);
        const al = a[l]!;
        const bl = b?.[l];
        for (let i = 0; i < rs; i++) {
          const q = r * rs + i;
          const m = bl ? Math.max(Math.abs(al[q]!), Math.abs(bl[q]!)) : Math.abs(al[q]!);
          s[i] = xl[q]! / (atol + rtol * m);
        }
        return s;
      });
      out[r] = norm(leaves);
    }
    return out;
  }
  const isMax = norm === 'max';
  let count = 0;
  for (const xl of x) count += xl.length / rows;
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let l = 0; l < x.length; l++) {
      const xl = x[l]!;
      const al = a[l]!;
      const bl = b?.[l];
      const rs = xl.length / rows;
      const end = (r + 1) * rs;
      for (let q = r * rs; q < end; q++) {
        const m = bl ? Math.max(Math.abs(al[q]!), Math.abs(bl[q]!)) : Math.abs(al[q]!);
        const e = xl[q]! / (atol + rtol * m);
        if (isMax) {
          const ae = Math.abs(e);
          if (ae > acc || ae !== ae) acc = ae;
        } else acc += e * e;
      }
    }
    out[r] = isMax ? acc : count > 0 ? Math.sqrt(acc / count) : 0;
  }
  return out;
}

/** RMS of an array. */
export function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return x.length ? Math.sqrt(s / x.length) : 0;
}

/**
 * A grouped norm: the maximum over groups of each group's RMS; leaves in group −1 are
 * ignored (a seminorm). `groups[l]` is the group of leaf `l`.
 */
export function groupedRmsNorm(groups: readonly number[]): ErrorNormFn {
  const ng = Math.max(-1, ...groups) + 1;
  return (scaled) => {
    const ss = new Float64Array(ng);
    const cnt = new Float64Array(ng);
    scaled.forEach((s, l) => {
      const g = groups[l]!;
      if (g < 0) return;
      for (let i = 0; i < s.length; i++) ss[g]! += s[i]! * s[i]!;
      cnt[g]! += s.length;
    });
    let m = 0;
    for (let g = 0; g < ng; g++) {
      if (cnt[g]! > 0) {
        const v = Math.sqrt(ss[g]! / cnt[g]!);
        if (v > m || v !== v) m = v;
      }
    }
    return m;
  };
}

/** Reduction and scan kernels of the TypeScript backend, over a `[outer, red, inner]` layout. */
import type { DataArray } from '../../core/dtype.js';
import type { ReduceOp } from '../backend.js';

/** Reduces the middle axis. Sums accumulate in double precision; max/min propagate NaN. */
export function reduce(
  op: ReduceOp,
  x: DataArray,
  outer: number,
  red: number,
  inner: number,
  out: DataArray,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * red;
      let acc: number;
      switch (op) {
        case 'sum':
          acc = 0;
          for (let r = 0; r < red; r++) acc += x[base + r]!;
          break;
        case 'prod':
          acc = 1;
          for (let r = 0; r < red; r++) acc *= x[base + r]!;
          break;
        case 'max':
          acc = Number.NEGATIVE_INFINITY;
          for (let r = 0; r < red; r++) {
            const v = x[base + r]!;
            if (v > acc || v !== v) acc = v;
            if (acc !== acc) break;
          }
          break;
        case 'min':
          acc = Number.POSITIVE_INFINITY;
          for (let r = 0; r < red; r++) {
            const v = x[base + r]!;
            if (v < acc || v !== v) acc = v;
            if (acc !== acc) break;
          }
          break;
      }
      out[o] = acc;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * red * inner;
    const init = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
    acc.fill(init);
    for (let r = 0; r < red; r++) {
      const row = base + r * inner;
      switch (op) {
        case 'sum':
          for (let j = 0; j < inner; j++) acc[j]! += x[row + j]!;
          break;
        case 'prod':
          for (let j = 0; j < inner; j++) acc[j]! *= x[row + j]!;
          break;
        case 'max':
          for (let j = 0; j < inner; j++) {
            const v = x[row + j]!;
            if (v > acc[j]! || v !== v) acc[j] = v;
          }
          break;
        case 'min':
          for (let j = 0; j < inner; j++) {
            const v = x[row + j]!;
            if (v < acc[j]! || v !== v) acc[j] = v;
          }
          break;
      }
    }
    // A NaN can be overwritten above by a later comparison only if v !== v, so re-check is not needed.
    const ob = o * inner;
    for (let j = 0; j < inner; j++) out[ob + j] = acc[j]!;
  }
}

/** First index of the max (argmax) or min (argmin) along the middle axis; NaN counts as the extreme. */
export function argReduce(
  op: 'argmax' | 'argmin',
  x: DataArray,
  outer: number,
  red: number,
  inner: number,
  out: Int32Array,
): void {
  const isMax = op === 'argmax';
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * red * inner + j;
      let best = x[base]!;
      let bi = 0;
      if (best === best) {
        for (let r = 1; r < red; r++) {
          const v = x[base + r * inner]!;
          if (v !== v) {
            bi = r;
            break;
          }
          if (isMax ? v > best : v < best) {
            best = v;
            bi = r;
          }
        }
      }
      out[o * inner + j] = bi;
    }
  }
}

/** Inclusive scan along the middle axis. */
export function cumulative(
  op: 'cumsum' | 'cumprod',
  x: DataArray,
  outer: number,
  n: number,
  inner: number,
  out: DataArray,
): void {
  const isSum = op === 'cumsum';
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let acc = isSum ? 0 : 1;
      let p = o * n * inner + j;
      for (let r = 0; r < n; r++) {
        acc = isSum ? acc + x[p]! : acc * x[p]!;
        out[p] = acc;
        p += inner;
      }
    }
  }
}

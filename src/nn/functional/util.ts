/** Argument helpers shared by the functional ops (not exported from the barrel). */
import { type DType, isFloating, promoteTypes } from '../../core/dtype.js';
import { ArgumentError, DTypeError, fmtShape } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { cast } from '../../ops/cast.js';

/** An int-or-pair argument (kernel size, stride, padding, dilation). */
export type IntPair = number | readonly [number, number];

/** Expands an int-or-pair argument and checks that both entries are integers ≥ `min`. */
export function pair(v: IntPair, op: string, name: string, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new ArgumentError(
      `${op}: ${name} must be ${min > 0 ? 'a positive' : 'a non-negative'} integer or a pair of them (got ${JSON.stringify(v)})`,
    );
  }
  return p;
}

/** Checks an integer argument ≥ `min`. */
export function checkInt(v: number, op: string, name: string, min: number): number {
  if (!Number.isInteger(v) || v < min) {
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${min} (got ${v})`);
  }
  return v;
}

/** Throws unless `t` is floating point. */
export function checkFloat(t: Tensor, op: string, name: string): void {
  if (!isFloating(t.dtype)) {
    throw new DTypeError(
      `${op}: ${name} must be float32 or float64 (got ${t.dtype} of shape ${fmtShape(t.shape)})`,
    );
  }
}

/**
 * Checks that the given tensors are floating point and casts them (differentiably)
 * to their common dtype. Null entries pass through.
 */
export function commonFloat<T extends (Tensor | null | undefined)[]>(
  op: string,
  names: readonly string[],
  ...ts: T
): { dtype: DType; ts: T } {
  let dtype: DType | null = null;
  ts.forEach((t, i) => {
    if (!t) return;
    checkFloat(t, op, names[i] ?? `argument ${i}`);
    dtype = dtype ? promoteTypes(dtype, t.dtype) : t.dtype;
  });
  const d: DType = dtype ?? 'float32';
  return { dtype: d, ts: ts.map((t) => (t && t.dtype !== d ? cast(t, d) : t)) as T };
}

/** Checks an int32 index tensor. */
export function checkIndexTensor(t: Tensor, op: string, name: string): void {
  if (t.dtype !== 'int32') {
    throw new DTypeError(`${op}: ${name} must be an int32 tensor of indices (got ${t.dtype})`);
  }
}

/** Checks a probability in [0, 1]. */
export function checkProb(p: number, op: string, name = 'p'): void {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`${op}: ${name} must be in [0, 1] (got ${p})`);
}

/** Helpers shared by the layer families: factory options, key splitting, argument checks. */
import type { DType } from '../../core/dtype.js';
import { isFloating } from '../../core/dtype.js';
import { ArgumentError, DTypeError } from '../../core/errors.js';
import { type PRNGKey, splitKey } from '../../random/key.js';

/** Options every layer with parameters accepts. */
export interface FactoryOptions {
  /** Floating dtype of the parameters and buffers (default float32). */
  dtype?: DType;
  /**
   * PRNG key for the initial values, for reproducible construction; without one the
   * global generator is used (so `manualSeed` also makes construction reproducible).
   */
  key?: PRNGKey;
}

/** The parameter dtype from factory options (float32 by default; floating only). */
export function factoryDType(op: string, opts: FactoryOptions): DType {
  const dtype = opts.dtype ?? 'float32';
  if (!isFloating(dtype)) throw new DTypeError(`${op}: dtype must be float32 or float64 (got ${dtype})`);
  return dtype;
}

/** `n` keys split from `key`, or `n` undefineds (global generator) without one. */
export function subKeys(key: PRNGKey | undefined, n: number): (PRNGKey | undefined)[] {
  return key ? splitKey(key, n) : Array.from({ length: n }, () => undefined);
}

/** Checks that `v` is an integer ≥ `min` (default 1). */
export function checkInt(op: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) {
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${min} (got ${v})`);
  }
}

/** Expands a number to an n-tuple (tuples are checked for length). */
export function ntuple(op: string, name: string, v: number | readonly number[], n: number): number[] {
  if (typeof v === 'number') return Array.from({ length: n }, () => v);
  if (v.length !== n) {
    throw new ArgumentError(`${op}: ${name} must be a number or ${n} numbers (got [${v.join(', ')}])`);
  }
  return [...v];
}

/** `[a, b]` → `(a, b)` for reprs, like Python tuples. */
export function fmtTuple(v: number | readonly number[] | string): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  return `(${v.join(', ')}${v.length === 1 ? ',' : ''})`;
}

/** Shared types and helpers of the transforms. */
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { foldIn, type PRNGKey, randomKey } from '../../random/key.js';
import { rand } from '../../random/sample.js';

/**
 * A transform maps one input (a sample or a batch) to an output. Random transforms take an
 * optional per-call key; without one they use their own key stream (if constructed with a
 * key) or the global generator.
 */
export type Transform<I = Tensor, O = Tensor> = (x: I, key?: PRNGKey) => O;

/** Options of the random transforms. */
export interface RandomTransformOptions {
  /**
   * Key (or seed): call `i` of the transform uses `foldIn(key, i)`, so the same key gives
   * the same sequence of random choices. Without a key the global generator is used.
   */
  key?: PRNGKey | number;
}

/** Draws `n` uniform numbers in [0, 1) for one call of a random transform. */
export function uniformDraws(
  n: number,
  callKey: PRNGKey | undefined,
  stream: { key: PRNGKey | undefined; calls: number },
): Float64Array {
  let key = callKey;
  if (!key && stream.key) key = foldIn(stream.key, stream.calls++);
  return rand([n], { dtype: 'float64', ...(key ? { key } : {}) })._contiguousData() as Float64Array;
}

/** A key stream for a random transform. */
export function keyStream(options: RandomTransformOptions): { key: PRNGKey | undefined; calls: number } {
  const key = typeof options.key === 'number' ? randomKey(options.key) : options.key;
  return { key, calls: 0 };
}

/** Splits an image tensor into (batch, channels, height, width): 2-D [H,W], 3-D [C,H,W] or 4-D [N,C,H,W]. */
export function imageDims(
  x: Tensor,
  op: string,
): { n: number; c: number; h: number; w: number; batched: boolean } {
  const s = x.shape;
  if (s.length === 2) return { n: 1, c: 1, h: s[0]!, w: s[1]!, batched: false };
  if (s.length === 3) return { n: 1, c: s[0]!, h: s[1]!, w: s[2]!, batched: false };
  if (s.length === 4) return { n: s[0]!, c: s[1]!, h: s[2]!, w: s[3]!, batched: true };
  throw new ShapeError(
    `${op}: expected an image [C,H,W] (or [H,W]) or a batch [N,C,H,W], got ${fmtShape(s)}`,
  );
}

/** Parses a size argument: a number (square) or [height, width]. */
export function pairSize(size: number | readonly [number, number], op: string): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h! < 1 || w! < 1) {
    throw new ArgumentError(
      `${op}: size must be a positive integer or [height, width] (got ${String(size)})`,
    );
  }
  return [h!, w!];
}

/** Random data augmentation: crops and flips, per sample (also within batches). */
import { allocArray } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { PRNGKey } from '../../random/key.js';
import {
  imageDims,
  keyStream,
  pairSize,
  type RandomTransformOptions,
  type Transform,
  uniformDraws,
} from './types.js';

/** Options of `randomCrop`. */
export interface RandomCropOptions extends RandomTransformOptions {
  /**
   * Zero padding added before cropping: a number (all sides), [leftRight, topBottom] or
   * [left, top, right, bottom] (torchvision's convention). Default 0.
   */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Value of the padded pixels (default 0). */
  fill?: number;
}

function parsePadding(p: RandomCropOptions['padding']): [number, number, number, number] {
  if (p === undefined) return [0, 0, 0, 0];
  const a = typeof p === 'number' ? [p, p, p, p] : p.length === 2 ? [p[0], p[1], p[0], p[1]] : [...p];
  if (a.length !== 4 || a.some((v) => !Number.isInteger(v) || v! < 0)) {
    throw new ArgumentError(`randomCrop: padding must be non-negative integers (got ${String(p)})`);
  }
  return a as [number, number, number, number];
}

/**
 * Crops a random `size` window (after optional padding), like torchvision's `RandomCrop`.
 * Works on [C,H,W] / [H,W] images and on [N,C,H,W] batches (a separate window per sample).
 */
export function randomCrop(
  size: number | readonly [number, number],
  options: RandomCropOptions = {},
): Transform {
  const [th, tw] = pairSize(size, 'randomCrop');
  const [pl, pt, pr, pb] = parsePadding(options.padding);
  const fill = options.fill ?? 0;
  const stream = keyStream(options);
  return (x: Tensor, key?: PRNGKey) => {
    const { n, c, h, w } = imageDims(x, 'randomCrop');
    const ph = h + pt + pb;
    const pw = w + pl + pr;
    if (ph < th || pw < tw) {
      throw new ShapeError(
        `randomCrop: required crop size [${th},${tw}] is larger than the (padded) input image size [${ph},${pw}] of ${fmtShape(x.shape)}`,
      );
    }
    const u = uniformDraws(2 * n, key, stream);
    const src = x._contiguousData();
    const out = allocArray(x.dtype, n * c * th * tw);
    if (fill !== 0) out.fill(fill);
    for (let b = 0; b < n; b++) {
      const top = Math.floor(u[2 * b]! * (ph - th + 1)) - pt;
      const left = Math.floor(u[2 * b + 1]! * (pw - tw + 1)) - pl;
      const y0 = Math.max(0, -top);
      const y1 = Math.min(th, h - top);
      const x0 = Math.max(0, -left);
      const x1 = Math.min(tw, w - left);
      for (let k = 0; k < c; k++) {
        const sBase = (b * c + k) * h * w;
        const oBase = (b * c + k) * th * tw;
        for (let y = y0; y < y1; y++) {
          const s = sBase + (y + top) * w + left;
          if (x1 > x0) out.set(src.subarray(s + x0, s + x1), oBase + y * tw + x0);
        }
      }
    }
    return Tensor._fromData(out, [...x.shape.slice(0, -2), th, tw], x.dtype);
  };
}

/**
 * Flips each image left–right with probability `p` (default 0.5), like torchvision's
 * `RandomHorizontalFlip`. Works on images and on batches (independently per sample).
 */
export function randomHorizontalFlip(p = 0.5, options: RandomTransformOptions = {}): Transform {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`randomHorizontalFlip: p must be in [0, 1] (got ${p})`);
  const stream = keyStream(options);
  return (x: Tensor, key?: PRNGKey) => {
    const { n, c, h, w } = imageDims(x, 'randomHorizontalFlip');
    const u = uniformDraws(n, key, stream);
    const src = x._contiguousData();
    const out = allocArray(x.dtype, x.size);
    const per = c * h * w;
    for (let b = 0; b < n; b++) {
      const base = b * per;
      if (!(u[b]! < p)) {
        out.set(src.subarray(base, base + per), base);
        continue;
      }
      for (let r = 0; r < c * h; r++) {
        const row = base + r * w;
        for (let j = 0; j < w; j++) out[row + j] = src[row + w - 1 - j]!;
      }
    }
    return Tensor._fromData(out, x.shape, x.dtype);
  };
}

/** Converting raw images into [C,H,W] float32 tensors, and resizing/cropping them. */
import { allocArray, isFloating } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { DecodedImage } from '../formats/image.js';
import { imageDims, pairSize, type Transform } from './types.js';

/** A raw interleaved image: bytes (or numbers) in HWC order with its shape ([H,W], [H,W,C] or [N,H,W,C]). */
export interface RawImage {
  data: ArrayLike<number>;
  shape: readonly number[];
}

/** Inputs `toTensor` accepts. */
export type ImageInput = DecodedImage | RawImage | Tensor;

/**
 * Converts a raw image — a decoded PNG/JPEG (`{width, height, channels, data}`), raw HWC
 * bytes with a shape, or an integer tensor — from [H,W,C] with values 0..255 to a [C,H,W]
 * float32 tensor in [0, 1], like torchvision's `ToTensor`. [H,W] gives [1,H,W]; a batch
 * [N,H,W,C] gives [N,C,H,W]. Float tensors are only transposed (not rescaled), as in torchvision.
 */
export function toTensor(img: ImageInput): Tensor {
  let shape: readonly number[];
  let data: ArrayLike<number>;
  let scale = 1 / 255;
  if (img instanceof Tensor) {
    shape = img.shape;
    data = img._contiguousData();
    if (isFloating(img.dtype)) scale = 1;
  } else if ('width' in img && 'channels' in img) {
    shape = [img.height, img.width, img.channels];
    data = img.data;
  } else if ('shape' in img && 'data' in img) {
    shape = img.shape;
    data = img.data;
    if (data instanceof Float32Array || data instanceof Float64Array) scale = 1;
  } else {
    throw new ArgumentError('toTensor: expected a decoded image, { data, shape } or a tensor');
  }
  let n = 1;
  let h: number;
  let w: number;
  let c: number;
  if (shape.length === 2) [h, w, c] = [shape[0]!, shape[1]!, 1];
  else if (shape.length === 3) [h, w, c] = [shape[0]!, shape[1]!, shape[2]!];
  else if (shape.length === 4) [n, h, w, c] = [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
  else throw new ShapeError(`toTensor: expected [H,W], [H,W,C] or [N,H,W,C], got ${fmtShape(shape)}`);
  if (data.length !== n * h * w * c) {
    throw new ShapeError(
      `toTensor: data has ${data.length} values, shape ${fmtShape(shape)} needs ${n * h * w * c}`,
    );
  }
  const out = new Float32Array(n * c * h * w);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const sBase = b * plane * c;
    const oBase = b * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) out[oBase + k * plane + p] = data[sBase + p * c + k]! * scale;
    }
  }
  return Tensor._fromData(out, shape.length === 4 ? [n, c, h, w] : [c, h, w], 'float32');
}

/**
 * Bilinear resize of [C,H,W] / [H,W] images or [N,C,H,W] batches to exactly `size`
 * (a number means a square), with half-pixel centres (PyTorch's `interpolate(...,
 * mode='bilinear', align_corners=False)`, no antialiasing).
 */
export function resize(size: number | readonly [number, number]): Transform {
  const [oh, ow] = pairSize(size, 'resize');
  return (x: Tensor) => {
    const { n, c, h, w } = imageDims(x, 'resize');
    if (h === oh && w === ow) return x;
    const dtype = isFloating(x.dtype) ? x.dtype : 'float32';
    const src = x._contiguousData();
    const out = allocArray(dtype, n * c * oh * ow);
    const sy = h / oh;
    const sx = w / ow;
    const xs0 = new Int32Array(ow);
    const xs1 = new Int32Array(ow);
    const fx = new Float64Array(ow);
    for (let j = 0; j < ow; j++) {
      const sxj = Math.max((j + 0.5) * sx - 0.5, 0);
      xs0[j] = Math.min(Math.floor(sxj), w - 1);
      xs1[j] = Math.min(xs0[j]! + 1, w - 1);
      fx[j] = sxj - xs0[j]!;
    }
    for (let pl = 0; pl < n * c; pl++) {
      const sBase = pl * h * w;
      const oBase = pl * oh * ow;
      for (let i = 0; i < oh; i++) {
        const syi = Math.max((i + 0.5) * sy - 0.5, 0);
        const y0 = Math.min(Math.floor(syi), h - 1);
        const y1 = Math.min(y0 + 1, h - 1);
        const fy = syi - y0;
        const r0 = sBase + y0 * w;
        const r1 = sBase + y1 * w;
        for (let j = 0; j < ow; j++) {
          const a = src[r0 + xs0[j]!]! * (1 - fx[j]!) + src[r0 + xs1[j]!]! * fx[j]!;
          const b = src[r1 + xs0[j]!]! * (1 - fx[j]!) + src[r1 + xs1[j]!]! * fx[j]!;
          out[oBase + i * ow + j] = a * (1 - fy) + b * fy;
        }
      }
    }
    return Tensor._fromData(out, [...x.shape.slice(0, -2), oh, ow], dtype);
  };
}

/** Crops the central `size` window, like torchvision's `CenterCrop` (images and batches). */
export function centerCrop(size: number | readonly [number, number]): Transform {
  const [th, tw] = pairSize(size, 'centerCrop');
  return (x: Tensor) => {
    const { h, w } = imageDims(x, 'centerCrop');
    if (th > h || tw > w) {
      throw new ShapeError(
        `centerCrop: crop size [${th},${tw}] is larger than the image ${fmtShape(x.shape)}`,
      );
    }
    const top = roundHalfEven((h - th) / 2);
    const left = roundHalfEven((w - tw) / 2);
    return x
      .narrow(x.ndim - 2, top, th)
      .narrow(x.ndim - 1, left, tw)
      .contiguous();
  };
}

/** Python's `round`: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

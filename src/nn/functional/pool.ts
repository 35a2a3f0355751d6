/**
 * Pooling over the last two dims of [N,C,H,W] (or unbatched [C,H,W]) inputs: max, average
 * and adaptive average, plus 1-D wrappers. Each is a recorded op with tight typed-array loops;
 * the backward ops are themselves recorded so gradients of any order work:
 *  - max pooling gathers `x` at the argmax indices; its backward scatter-adds into those
 *    indices, whose backward gathers again;
 *  - average pooling is linear: forward (window sums / divisor) and its adjoint (spreading
 *    `g / divisor` over each window) are each other's backward.
 *
 * While the native backend is active, float32/float64 max/avg pooling (forward and backward
 * kernels) runs in the native addon whenever its geometry covers the case (floor-mode output
 * size, no divisor override; adaptive pooling with evenly dividing windows); the TypeScript
 * loops are the reference and the fallback, and the recorded-op structure is the same.
 */
import { record } from '../../autograd/node.js';
import { getBackend, getNativeAddon } from '../../backend/index.js';
import type { Conv2dGeometry, FloatArray, NativeAddon } from '../../backend/native/addon.js';
import { allocArray, type DataArray, type DType } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { squeeze, unsqueeze } from '../../ops/view.js';
import { checkFloat, checkInt, type IntPair, pair } from './util.js';

/** Options of `maxPool2d`. */
export interface MaxPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: IntPair | null;
  /** Implicit −∞ padding on each side (default 0; at most half the kernel). */
  padding?: IntPair;
  /** Spacing between window taps (default 1). */
  dilation?: IntPair;
  /** Use ⌈⌉ instead of ⌊⌋ for the output size (default false). */
  ceilMode?: boolean;
}

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: IntPair | null;
  /** Implicit zero padding on each side (default 0; at most half the kernel). */
  padding?: IntPair;
  /** Use ⌈⌉ instead of ⌊⌋ for the output size (default false). */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead. */
  divisorOverride?: number | null;
}

/** Output length of a pooling window sweep (PyTorch's `pooling_output_shape`). */
function poolOutSize(size: number, k: number, p: number, s: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
  let out = Math.floor(span / s) + 1;
  // In ceil mode the last window must start inside the input or its left padding.
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

interface Geom {
  planes: number;
  H: number;
  W: number;
  oh: number;
  ow: number;
  /**
   * The same windows as a native pooling geometry (whose output size is the floor-mode
   * one), or null when the addon's kernels do not cover them.
   */
  native: Conv2dGeometry | null;
}

/** The addon, when the native backend is active and `dtype` is one its pooling kernels take. */
function nativePool(dtype: DType): NativeAddon | null {
  if (dtype !== 'float32' && dtype !== 'float64') return null;
  return getBackend().name === 'native' ? getNativeAddon() : null;
}

/**
 * Native geometry of a pooling sweep, when the addon computes exactly these windows:
 * its output size is the floor-mode one (so ceil mode only when it gives the same size)
 * and it needs a non-empty input.
 */
function nativeGeometry(
  x: Tensor,
  k: [number, number],
  s: [number, number],
  p: [number, number],
  d: [number, number],
  oh: number,
  ow: number,
  countIncludePad: boolean,
): Conv2dGeometry | null {
  const [n, c, H, W] = x.shape as [number, number, number, number];
  if (n * c === 0 || H === 0 || W === 0) return null;
  if (poolOutSize(H, k[0], p[0], s[0], d[0], false) !== oh) return null;
  if (poolOutSize(W, k[1], p[1], s[1], d[1], false) !== ow) return null;
  return {
    batch: n,
    channels: c,
    height: H,
    width: W,
    kernelH: k[0],
    kernelW: k[1],
    strideH: s[0],
    strideW: s[1],
    padH: p[0],
    padW: p[1],
    dilationH: d[0],
    dilationW: d[1],
    countIncludePad,
  };
}

/** Runs `f` on a batched view of `x` ([C,H,W] inputs get a batch dim of 1). */
function batched(x: Tensor, op: string, f: (x4: Tensor) => Tensor): Tensor {
  if (x.ndim === 3) return squeeze(f(unsqueeze(x, 0)), 0);
  if (x.ndim !== 4)
    throw new ShapeError(`${op}: expected input [N,C,H,W] or [C,H,W], got ${fmtShape(x.shape)}`);
  return f(x);
}

function checkPoolArgs(
  op: string,
  x: Tensor,
  k: [number, number],
  p: [number, number],
  d: [number, number],
): void {
  checkFloat(x, op, 'input');
  for (let i = 0; i < 2; i++) {
    if (p[i]! * 2 > k[i]!) {
      throw new ArgumentError(
        `${op}: padding [${p}] should be at most half of the kernel size [${k}] (input ${fmtShape(x.shape)})`,
      );
    }
  }
  void d;
}

function checkOut(op: string, x: Tensor, oh: number, ow: number, k: [number, number]): void {
  if (oh < 1 || ow < 1) {
    throw new ShapeError(
      `${op}: output size [${oh},${ow}] is too small (input ${fmtShape(x.shape)}, kernel [${k}])`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Max pooling

/** For each output position along one axis: first input index and the valid tap range [k0, k1). */
function tapRanges(size: number, out: number, k: number, s: number, p: number, d: number) {
  const start = new Int32Array(out);
  const k0 = new Int32Array(out);
  const k1 = new Int32Array(out);
  for (let i = 0; i < out; i++) {
    const st = i * s - p;
    start[i] = st;
    k0[i] = st < 0 ? Math.ceil(-st / d) : 0;
    k1[i] = Math.min(k, Math.ceil((size - st) / d));
  }
  return { start, k0, k1 };
}

function maxPoolRaw(
  x: DataArray,
  g: Geom,
  k: [number, number],
  s: [number, number],
  p: [number, number],
  d: [number, number],
  out: DataArray,
  idx: Int32Array,
): void {
  const { planes, H, W, oh, ow } = g;
  const [dh, dw] = d;
  const rh = tapRanges(H, oh, k[0], s[0], p[0], dh);
  const rw = tapRanges(W, ow, k[1], s[1], p[1], dw);
  const HW = H * W;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * HW;
    for (let i = 0; i < oh; i++) {
      const hs = rh.start[i]!;
      const ki0 = rh.k0[i]!;
      const ki1 = rh.k1[i]!;
      for (let j = 0; j < ow; j++, o++) {
        const ws = rw.start[j]!;
        const kj0 = rw.k0[j]!;
        const kj1 = rw.k1[j]!;
        if (ki0 >= ki1 || kj0 >= kj1) {
          // A window entirely in the padding (possible only with large dilations).
          out[o] = Number.NEGATIVE_INFINITY;
          idx[o] = -1;
          continue;
        }
        // The first valid tap; then the first strictly larger one wins, NaN propagates (like PyTorch).
        let bi = (hs + ki0 * dh) * W + ws + kj0 * dw;
        let best = x[base + bi]!;
        for (let ki = ki0; ki < ki1; ki++) {
          const row = (hs + ki * dh) * W + ws;
          for (let kj = kj0; kj < kj1; kj++) {
            const q = row + kj * dw;
            const v = x[base + q]!;
            if (v > best || v !== v) {
              best = v;
              bi = q;
            }
          }
        }
        out[o] = best;
        idx[o] = bi;
      }
    }
  }
}

/** out[plane, k] = h[plane, idx[plane, k]]. */
function gatherPlanes(h: Tensor, idx: Int32Array, g: Geom, outShape: readonly number[]): Tensor {
  const hd = h._contiguousData();
  const HW = g.H * g.W;
  const OHW = g.oh * g.ow;
  const out = allocArray(h.dtype, g.planes * OHW);
  for (let pl = 0, o = 0; pl < g.planes; pl++) {
    const base = pl * HW;
    for (let q = 0; q < OHW; q++, o++) {
      const i = idx[o]!;
      out[o] = i >= 0 ? hd[base + i]! : 0;
    }
  }
  const y = Tensor._fromData(out, outShape, h.dtype);
  record('maxPool2d', y, [h], ([gy]) => [scatterPlanes(gy!, idx, g, h.shape)]);
  return y;
}

/** out[plane, idx[plane, k]] += gy[plane, k] (the gradient of `gatherPlanes`). */
function scatterPlanes(gy: Tensor, idx: Int32Array, g: Geom, inShape: readonly number[]): Tensor {
  const gd = gy._contiguousData();
  const HW = g.H * g.W;
  const OHW = g.oh * g.ow;
  const out = allocArray(gy.dtype, g.planes * HW);
  const addon = g.native ? nativePool(gy.dtype) : null;
  if (addon && g.native) {
    // Same scatter-add, in the same order within each plane.
    addon.maxpool2dBackward(gd as FloatArray, idx, out as FloatArray, g.native);
  } else {
    for (let pl = 0, o = 0; pl < g.planes; pl++) {
      const base = pl * HW;
      for (let q = 0; q < OHW; q++, o++) {
        const i = idx[o]!;
        if (i >= 0) out[base + i]! += gd[o]!;
      }
    }
  }
  const gx = Tensor._fromData(out, inShape, gy.dtype);
  record('maxPool2dBackward', gx, [gy], ([h]) => [gatherPlanes(h!, idx, g, gy.shape)]);
  return gx;
}

function maxPoolImpl(
  x: Tensor,
  kernelSize: IntPair,
  opts: MaxPool2dOptions,
  op: string,
): { output: Tensor; indices: Tensor } {
  const k = pair(kernelSize, op, 'kernelSize', 1);
  const s = pair(opts.stride ?? k, op, 'stride', 1);
  const p = pair(opts.padding ?? 0, op, 'padding', 0);
  const d = pair(opts.dilation ?? 1, op, 'dilation', 1);
  checkPoolArgs(op, x, k, p, d);
  const ceil = opts.ceilMode ?? false;
  const [n, c, H, W] = x.shape as [number, number, number, number];
  const oh = poolOutSize(H, k[0], p[0], s[0], d[0], ceil);
  const ow = poolOutSize(W, k[1], p[1], s[1], d[1], ceil);
  checkOut(op, x, oh, ow, k);
  const g: Geom = { planes: n * c, H, W, oh, ow, native: nativeGeometry(x, k, s, p, d, oh, ow, true) };
  const outShape = [n, c, oh, ow];
  const vals = allocArray(x.dtype, g.planes * oh * ow);
  const idx = new Int32Array(g.planes * oh * ow);
  const xd = x._contiguousData();
  const addon = g.native ? nativePool(x.dtype) : null;
  if (addon && g.native) {
    addon.maxpool2d(xd as FloatArray, vals as FloatArray, idx, g.native);
    // The addon stops at a window's first NaN, the loops below (like PyTorch) take its last:
    // recompute when a NaN came out so that the indices agree exactly.
    for (let o = 0; o < vals.length; o++) {
      if (vals[o] !== vals[o]) {
        maxPoolRaw(xd, g, k, s, p, d, vals, idx);
        break;
      }
    }
  } else {
    maxPoolRaw(xd, g, k, s, p, d, vals, idx);
  }
  const output = Tensor._fromData(vals, outShape, x.dtype);
  record('maxPool2d', output, [x], ([gy]) => [scatterPlanes(gy!, idx, g, x.shape)]);
  return { output, indices: Tensor._fromData(idx, outShape, 'int32') };
}

/**
 * 2-D max pooling of `x` [N,C,H,W] (or [C,H,W]). The gradient goes to the first
 * maximum of each window (like PyTorch).
 */
export function maxPool2d(x: Tensor, kernelSize: IntPair, opts: MaxPool2dOptions = {}): Tensor {
  return batched(x, 'maxPool2d', (x4) => maxPoolImpl(x4, kernelSize, opts, 'maxPool2d').output);
}

/**
 * `maxPool2d` that also returns, for each output, the flat index `h·W + w` of the chosen
 * element within its input plane (int32, like PyTorch's `return_indices=True`).
 */
export function maxPool2dWithIndices(
  x: Tensor,
  kernelSize: IntPair,
  opts: MaxPool2dOptions = {},
): { output: Tensor; indices: Tensor } {
  const op = 'maxPool2dWithIndices';
  if (x.ndim === 3) {
    const r = maxPoolImpl(unsqueeze(x, 0), kernelSize, opts, op);
    return { output: squeeze(r.output, 0), indices: squeeze(r.indices, 0) };
  }
  if (x.ndim !== 4)
    throw new ShapeError(`${op}: expected input [N,C,H,W] or [C,H,W], got ${fmtShape(x.shape)}`);
  return maxPoolImpl(x, kernelSize, opts, op);
}

// ---------------------------------------------------------------------------------------------
// Average pooling (fixed and adaptive windows)

/**
 * Windows of a linear averaging pool: row/col ranges (clipped to the input) and divisors.
 * `native` is set only when the addon's fixed windows give the same windows and divisors.
 */
interface AvgWindows extends Geom {
  hs: Int32Array;
  he: Int32Array;
  ws: Int32Array;
  we: Int32Array;
  /** Divisor of output (i, j) at i·ow + j. */
  div: Float64Array;
}

function avgRaw(x: DataArray, win: AvgWindows, dtype: DType): DataArray {
  const { planes, H, W, oh, ow, hs, he, ws, we, div } = win;
  const out = allocArray(dtype, planes * oh * ow);
  const HW = H * W;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * HW;
    for (let i = 0; i < oh; i++) {
      const h0 = hs[i]!;
      const h1 = he[i]!;
      for (let j = 0; j < ow; j++, o++) {
        const w0 = ws[j]!;
        const w1 = we[j]!;
        let acc = 0;
        for (let ih = h0; ih < h1; ih++) {
          const r = base + ih * W;
          for (let iw = w0; iw < w1; iw++) acc += x[r + iw]!;
        }
        out[o] = acc / div[i * ow + j]!;
      }
    }
  }
  return out;
}

function avgAdjointRaw(g: DataArray, win: AvgWindows, dtype: DType): DataArray {
  const { planes, H, W, oh, ow, hs, he, ws, we, div } = win;
  const out = allocArray(dtype, planes * H * W);
  const HW = H * W;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * HW;
    for (let i = 0; i < oh; i++) {
      const h0 = hs[i]!;
      const h1 = he[i]!;
      for (let j = 0; j < ow; j++, o++) {
        const w0 = ws[j]!;
        const w1 = we[j]!;
        const v = g[o]! / div[i * ow + j]!;
        for (let ih = h0; ih < h1; ih++) {
          const r = base + ih * W;
          for (let iw = w0; iw < w1; iw++) out[r + iw]! += v;
        }
      }
    }
  }
  return out;
}

function avgForward(x: Tensor, win: AvgWindows, name: string): Tensor {
  const shape = [x.shape[0]!, x.shape[1]!, win.oh, win.ow];
  const xd = x._contiguousData();
  const addon = win.native ? nativePool(x.dtype) : null;
  let yd: DataArray;
  if (addon && win.native) {
    yd = allocArray(x.dtype, win.planes * win.oh * win.ow);
    addon.avgpool2d(xd as FloatArray, yd as FloatArray, win.native);
  } else {
    yd = avgRaw(xd, win, x.dtype);
  }
  const y = Tensor._fromData(yd, shape, x.dtype);
  record(name, y, [x], ([g]) => [avgAdjoint(g!, win, x.shape, name)]);
  return y;
}

function avgAdjoint(g: Tensor, win: AvgWindows, inShape: readonly number[], name: string): Tensor {
  const gd = g._contiguousData();
  const addon = win.native ? nativePool(g.dtype) : null;
  let gxd: DataArray;
  if (addon && win.native) {
    gxd = allocArray(g.dtype, win.planes * win.H * win.W);
    addon.avgpool2dBackward(gd as FloatArray, gxd as FloatArray, win.native);
  } else {
    gxd = avgAdjointRaw(gd, win, g.dtype);
  }
  const gx = Tensor._fromData(gxd, inShape, g.dtype);
  record(`${name}Backward`, gx, [g], ([h]) => [avgForward(h!, win, name)]);
  return gx;
}

/**
 * 2-D average pooling of `x` [N,C,H,W] (or [C,H,W]). With `countIncludePad` (default)
 * the divisor counts padding (but not the part of a ceil-mode window beyond it).
 */
export function avgPool2d(x: Tensor, kernelSize: IntPair, opts: AvgPool2dOptions = {}): Tensor {
  const op = 'avgPool2d';
  return batched(x, op, (x4) => {
    const k = pair(kernelSize, op, 'kernelSize', 1);
    const s = pair(opts.stride ?? k, op, 'stride', 1);
    const p = pair(opts.padding ?? 0, op, 'padding', 0);
    checkPoolArgs(op, x4, k, p, [1, 1]);
    const ceil = opts.ceilMode ?? false;
    const includePad = opts.countIncludePad ?? true;
    const override = opts.divisorOverride ?? null;
    if (override !== null && !(override > 0)) {
      throw new ArgumentError(`${op}: divisorOverride must be positive (got ${override})`);
    }
    const [n, c, H, W] = x4.shape as [number, number, number, number];
    const oh = poolOutSize(H, k[0], p[0], s[0], 1, ceil);
    const ow = poolOutSize(W, k[1], p[1], s[1], 1, ceil);
    checkOut(op, x4, oh, ow, k);
    const axis = (size: number, out: number, kk: number, ss: number, pp: number) => {
      const st = new Int32Array(out);
      const en = new Int32Array(out);
      const padded = new Int32Array(out);
      for (let i = 0; i < out; i++) {
        const a = i * ss - pp;
        const b = Math.min(a + kk, size + pp);
        padded[i] = b - a;
        st[i] = Math.max(a, 0);
        en[i] = Math.min(b, size);
      }
      return { st, en, padded };
    };
    const ah = axis(H, oh, k[0], s[0], p[0]);
    const aw = axis(W, ow, k[1], s[1], p[1]);
    const div = new Float64Array(oh * ow);
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        div[i * ow + j] =
          override ??
          (includePad ? ah.padded[i]! * aw.padded[j]! : (ah.en[i]! - ah.st[i]!) * (aw.en[j]! - aw.st[j]!));
      }
    }
    const win: AvgWindows = {
      planes: n * c,
      H,
      W,
      oh,
      ow,
      native: override === null ? nativeGeometry(x4, k, s, p, [1, 1], oh, ow, includePad) : null,
      hs: ah.st,
      he: ah.en,
      ws: aw.st,
      we: aw.en,
      div,
    };
    return avgForward(x4, win, op);
  });
}

/**
 * Adaptive average pooling to `outputSize` ([oh, ow]; a null entry keeps that input
 * size): output (i, j) averages rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉−1 and likewise for columns.
 */
export function adaptiveAvgPool2d(
  x: Tensor,
  outputSize: number | readonly [number | null, number | null],
): Tensor {
  const op = 'adaptiveAvgPool2d';
  return batched(x, op, (x4) => {
    checkFloat(x4, op, 'input');
    const [n, c, H, W] = x4.shape as [number, number, number, number];
    const req = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
    const oh = checkInt(req[0] ?? H, op, 'outputSize', 1);
    const ow = checkInt(req[1] ?? W, op, 'outputSize', 1);
    if (H === 0 || W === 0) {
      throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has an empty spatial dim`);
    }
    const axis = (size: number, out: number) => {
      const st = new Int32Array(out);
      const en = new Int32Array(out);
      for (let i = 0; i < out; i++) {
        st[i] = Math.floor((i * size) / out);
        en[i] = Math.ceil(((i + 1) * size) / out);
      }
      return { st, en };
    };
    const ah = axis(H, oh);
    const aw = axis(W, ow);
    const div = new Float64Array(oh * ow);
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) div[i * ow + j] = (ah.en[i]! - ah.st[i]!) * (aw.en[j]! - aw.st[j]!);
    }
    // Evenly dividing windows are fixed ones (kernel = stride = size / out, no padding).
    const even = H % oh === 0 && W % ow === 0;
    const kk: [number, number] = [H / oh, W / ow];
    const native = even ? nativeGeometry(x4, kk, kk, [0, 0], [1, 1], oh, ow, true) : null;
    const win: AvgWindows = {
      planes: n * c,
      H,
      W,
      oh,
      ow,
      native,
      hs: ah.st,
      he: ah.en,
      ws: aw.st,
      we: aw.en,
      div,
    };
    return avgForward(x4, win, op);
  });
}

// ---------------------------------------------------------------------------------------------
// 1-D wrappers ([N,C,L] or [C,L]) over the 2-D kernels with a height-1 window.

/** Options of `maxPool1d`. */
export interface MaxPool1dOptions {
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/** Options of `avgPool1d`. */
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

function as1d(x: Tensor, op: string, f: (x4: Tensor) => Tensor): Tensor {
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new ShapeError(`${op}: expected input [N,C,L] or [C,L], got ${fmtShape(x.shape)}`);
  }
  return squeeze(f(unsqueeze(x, -2)), -2);
}

/** 1-D max pooling of `x` [N,C,L] (or [C,L]). */
export function maxPool1d(x: Tensor, kernelSize: number, opts: MaxPool1dOptions = {}): Tensor {
  const op = 'maxPool1d';
  return as1d(x, op, (x4) =>
    maxPool2d(x4, [1, kernelSize], {
      stride: [1, opts.stride ?? kernelSize],
      padding: [0, opts.padding ?? 0],
      dilation: [1, opts.dilation ?? 1],
      ceilMode: opts.ceilMode ?? false,
    }),
  );
}

/** 1-D average pooling of `x` [N,C,L] (or [C,L]). */
export function avgPool1d(x: Tensor, kernelSize: number, opts: AvgPool1dOptions = {}): Tensor {
  const op = 'avgPool1d';
  return as1d(x, op, (x4) =>
    avgPool2d(x4, [1, kernelSize], {
      stride: [1, opts.stride ?? kernelSize],
      padding: [0, opts.padding ?? 0],
      ceilMode: opts.ceilMode ?? false,
      countIncludePad: opts.countIncludePad ?? true,
    }),
  );
}

/** 1-D adaptive average pooling of `x` [N,C,L] (or [C,L]) to `outputSize`. */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  return as1d(x, 'adaptiveAvgPool1d', (x4) => adaptiveAvgPool2d(x4, [1, outputSize]));
}

/**
 * Convolutions: conv1d, conv2d, convTranspose1d, convTranspose2d (NCHW, PyTorch semantics).
 *
 * Everything is built on three recorded ops that share one geometry (`ConvSpec`):
 *  - `convForward(x, w)`      y  = x ⋆ w                       [N,C,H,W] → [N,O,oh,ow]
 *  - `convInputGrad(g, w)`    dx = col2im(wᵀ·g)  (= transposed conv)   [N,O,oh,ow] → [N,C,H,W]
 *  - `convWeightGrad(x, g)`   dw = Σₙ g·colsᵀ                      → [O,C/g,kh,kw]
 * Each one's backward is written with the other two, so gradients of any order work.
 *
 * Layout: for each group, the images of the batch are unfolded by the backend's `im2col`
 * into one buffer `cols` of shape [chunks, C/g·kh·kw, nb·oh·ow], where `nb` images share a
 * chunk (nb = 1 for large feature maps, more for small ones so each GEMM has ≥ ~512
 * columns). One batched `matmul` per group (weights broadcast over the chunks) then gives
 * the output; with nb = 1 and groups = 1 it is written straight into NCHW. The input
 * gradient is one batched GEMM `wᵀ·g` followed by `col2im` per image; the weight
 * gradient is one batched GEMM `g·colsᵀ` summed over chunks. Batches whose columns would
 * exceed 2²⁴ elements are processed in several passes of whole images.
 */
import { record } from '../../autograd/node.js';
import type { Conv2dGeometry, MatmulArgs } from '../../backend/backend.js';
import { getBackend } from '../../backend/index.js';
import { allocArray, type DataArray, type DType } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { add } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { sum } from '../../ops/reduce.js';
import { reshape, slice, squeeze, unsqueeze } from '../../ops/view.js';
import { checkInt, commonFloat, type IntPair, pair } from './util.js';

/** Geometry of one convolution (conv side: input [n,c,h,w], output [n,o,outH,outW]). */
export interface ConvSpec {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  outH: number;
  outW: number;
  groups: number;
  dtype: DType;
}

/** Columns per GEMM we aim for when feature maps are small (images are batched up to this). */
const TARGET_COLS = 512;
/** Cap on the elements of one chunk of columns (keeps GEMM operands cache-friendly). */
const MAX_CHUNK_ELEMS = 1 << 22;
/** Cap on the unfolded columns of one pass over (part of) the batch; larger batches run in passes. */
let MAX_COLS_ELEMS = 1 << 24;
/** Cap on the per-chunk partial weight gradients held at once. */
const MAX_PARTIAL_ELEMS = 1 << 22;

interface Layout {
  /** Output pixels per image. */
  P: number;
  HW: number;
  cg: number;
  og: number;
  ckk: number;
  /** Images per chunk. */
  nb: number;
  chunks: number;
  nbP: number;
}

function layoutOf(s: ConvSpec): Layout {
  const P = s.outH * s.outW;
  const cg = s.c / s.groups;
  const og = s.o / s.groups;
  const ckk = cg * s.kh * s.kw;
  // Packing several small images per GEMM only pays off for the TypeScript GEMM; the native
  // GEMM is efficient on one image's columns, and packing costs a copy (measured: 18% of a CNN step).
  const target = getBackend().name === 'native' ? 1 : TARGET_COLS;
  let nb = P >= target ? 1 : Math.ceil(target / P);
  nb = Math.max(1, Math.min(nb, s.n, Math.floor(MAX_CHUNK_ELEMS / Math.max(1, P * ckk))));
  const chunks = Math.ceil(s.n / nb);
  nb = chunks > 0 ? Math.ceil(s.n / chunks) : 1;
  return { P, HW: s.h * s.w, cg, og, ckk, nb, chunks, nbP: nb * P };
}

/** @internal test hook: lowers the per-pass column budget (returns the previous value). */
export function _setConvPassBudget(elems: number): number {
  const prev = MAX_COLS_ELEMS;
  MAX_COLS_ELEMS = elems;
  return prev;
}

function geometry(s: ConvSpec): Conv2dGeometry {
  return {
    channels: s.c / s.groups,
    height: s.h,
    width: s.w,
    kernelH: s.kh,
    kernelW: s.kw,
    strideH: s.sh,
    strideW: s.sw,
    padH: s.ph,
    padW: s.pw,
    dilationH: s.dh,
    dilationW: s.dw,
    outH: s.outH,
    outW: s.outW,
  };
}

function gemm(a: DataArray, b: DataArray, out: DataArray, args: MatmulArgs): void {
  if (args.batch * args.m * args.n > 0) getBackend().matmul(a, b, out, args);
}

/** Unfolds group `g` of every image into `cols` [chunks, ckk, nbP]; columns of padding images stay 0. */
function unfoldGroup(
  x: DataArray,
  s: ConvSpec,
  L: Layout,
  geom: Conv2dGeometry,
  g: number,
  cols: DataArray,
  tmp: DataArray | null,
): void {
  const be = getBackend();
  const imgSize = s.c * L.HW;
  const block = L.ckk * L.P;
  for (let img = 0; img < s.n; img++) {
    const xOff = img * imgSize + g * L.cg * L.HW;
    if (L.nb === 1) {
      be.im2col(x, xOff, geom, cols.subarray(img * block, (img + 1) * block));
      continue;
    }
    be.im2col(x, xOff, geom, tmp!);
    const ch = (img / L.nb) | 0;
    const base = ch * L.ckk * L.nbP + (img - ch * L.nb) * L.P;
    for (let r = 0; r < L.ckk; r++) cols.set(tmp!.subarray(r * L.P, (r + 1) * L.P), base + r * L.nbP);
  }
}

/** Packs group `g` of a [n, o, P] gradient into [chunks, og, nbP] (padding columns stay 0). */
function packGroup(gy: DataArray, s: ConvSpec, L: Layout, g: number, out: DataArray): void {
  for (let img = 0; img < s.n; img++) {
    const ch = (img / L.nb) | 0;
    const base = ch * L.og * L.nbP + (img - ch * L.nb) * L.P;
    for (let oo = 0; oo < L.og; oo++) {
      const src = (img * s.o + g * L.og + oo) * L.P;
      out.set(gy.subarray(src, src + L.P), base + oo * L.nbP);
    }
  }
}

/** y = conv(x, w) (+ bias), all contiguous; returns [n, o, outH, outW]. */
function convForwardPass(x: DataArray, wt: DataArray, bias: DataArray | null, s: ConvSpec): DataArray {
  const L = layoutOf(s);
  const y = allocArray(s.dtype, s.n * s.o * L.P);
  if (y.length === 0) return y;
  const geom = geometry(s);
  const cols = allocArray(s.dtype, L.chunks * L.ckk * L.nbP);
  const tmp = L.nb > 1 ? allocArray(s.dtype, L.ckk * L.P) : null;
  const direct = s.groups === 1 && L.nb === 1;
  const out = direct ? y : allocArray(s.dtype, L.chunks * L.og * L.nbP);
  for (let g = 0; g < s.groups; g++) {
    unfoldGroup(x, s, L, geom, g, cols, tmp);
    gemm(wt, cols, out, {
      batch: L.chunks,
      m: L.og,
      n: L.nbP,
      k: L.ckk,
      transA: false,
      transB: false,
      aOffset: g * L.og * L.ckk,
      bOffset: 0,
      aBatchStride: 0,
      bBatchStride: L.ckk * L.nbP,
    });
    if (direct) continue;
    for (let img = 0; img < s.n; img++) {
      const ch = (img / L.nb) | 0;
      const base = ch * L.og * L.nbP + (img - ch * L.nb) * L.P;
      for (let oo = 0; oo < L.og; oo++) {
        const src = base + oo * L.nbP;
        y.set(out.subarray(src, src + L.P), (img * s.o + g * L.og + oo) * L.P);
      }
    }
  }
  if (bias) {
    for (let img = 0; img < s.n; img++) {
      for (let oc = 0; oc < s.o; oc++) {
        const b = bias[oc]!;
        const base = (img * s.o + oc) * L.P;
        for (let p = 0; p < L.P; p++) y[base + p]! += b;
      }
    }
  }
  return y;
}

/** dx = convᵀ(gy, w): gy [n, o, outH, outW] → [n, c, h, w]. */
function convInputGradPass(gy: DataArray, wt: DataArray, s: ConvSpec): DataArray {
  const L = layoutOf(s);
  const dx = allocArray(s.dtype, s.n * s.c * L.HW);
  if (dx.length === 0 || L.P === 0) return dx;
  const be = getBackend();
  const geom = geometry(s);
  const cols = allocArray(s.dtype, L.chunks * L.ckk * L.nbP);
  const pack = L.nb > 1 ? allocArray(s.dtype, L.chunks * L.og * L.nbP) : null;
  const tmp = L.nb > 1 ? allocArray(s.dtype, L.ckk * L.P) : null;
  const block = L.ckk * L.P;
  for (let g = 0; g < s.groups; g++) {
    if (pack) packGroup(gy, s, L, g, pack);
    gemm(wt, pack ?? gy, cols, {
      batch: L.chunks,
      m: L.ckk,
      n: L.nbP,
      k: L.og,
      transA: true,
      transB: false,
      aOffset: g * L.og * L.ckk,
      bOffset: pack ? 0 : g * L.og * L.P,
      aBatchStride: 0,
      bBatchStride: pack ? L.og * L.nbP : s.o * L.P,
    });
    for (let img = 0; img < s.n; img++) {
      const dxOff = img * s.c * L.HW + g * L.cg * L.HW;
      if (!tmp) {
        be.col2im(cols.subarray(img * block, (img + 1) * block), geom, dx, dxOff);
        continue;
      }
      const ch = (img / L.nb) | 0;
      const base = ch * L.ckk * L.nbP + (img - ch * L.nb) * L.P;
      for (let r = 0; r < L.ckk; r++)
        tmp.set(cols.subarray(base + r * L.nbP, base + r * L.nbP + L.P), r * L.P);
      be.col2im(tmp, geom, dx, dxOff);
    }
  }
  return dx;
}

/** dw = Σ_images gy · colsᵀ: x [n, c, h, w], gy [n, o, outH, outW] → [o, c/g, kh, kw]. */
function convWeightGradPass(x: DataArray, gy: DataArray, s: ConvSpec): DataArray {
  const L = layoutOf(s);
  const dw = allocArray(s.dtype, s.o * L.ckk);
  if (s.n === 0 || L.P === 0 || dw.length === 0) return dw;
  const geom = geometry(s);
  const cols = allocArray(s.dtype, L.chunks * L.ckk * L.nbP);
  const tmp = L.nb > 1 ? allocArray(s.dtype, L.ckk * L.P) : null;
  const pack = L.nb > 1 ? allocArray(s.dtype, L.chunks * L.og * L.nbP) : null;
  const gSize = L.og * L.ckk;
  const perCall = Math.max(1, Math.min(L.chunks, Math.floor(MAX_PARTIAL_ELEMS / gSize)));
  // Same dtype as the operands so the GEMM runs on the active backend (f32 partials, f64 accumulation).
  const partial = allocArray(s.dtype, perCall * gSize);
  const acc = new Float64Array(gSize);
  for (let g = 0; g < s.groups; g++) {
    unfoldGroup(x, s, L, geom, g, cols, tmp);
    if (pack) packGroup(gy, s, L, g, pack);
    acc.fill(0);
    for (let c0 = 0; c0 < L.chunks; c0 += perCall) {
      const batch = Math.min(perCall, L.chunks - c0);
      gemm(pack ?? gy, cols, partial, {
        batch,
        m: L.og,
        n: L.ckk,
        k: L.nbP,
        transA: false,
        transB: true,
        aOffset: pack ? c0 * L.og * L.nbP : c0 * s.o * L.P + g * L.og * L.P,
        bOffset: c0 * L.ckk * L.nbP,
        aBatchStride: pack ? L.og * L.nbP : s.o * L.P,
        bBatchStride: L.ckk * L.nbP,
      });
      for (let b = 0; b < batch; b++) {
        const off = b * gSize;
        for (let i = 0; i < gSize; i++) acc[i]! += partial[off + i]!;
      }
    }
    dw.set(acc, g * gSize);
  }
  return dw;
}

/** Splits the batch into passes whose unfolded columns stay under MAX_COLS_ELEMS elements. */
function passes(s: ConvSpec): { i0: number; sub: ConvSpec }[] {
  const perImage = (s.c / s.groups) * s.kh * s.kw * s.outH * s.outW;
  const per = Math.max(1, Math.floor(MAX_COLS_ELEMS / Math.max(1, perImage)));
  if (per >= s.n) return [{ i0: 0, sub: s }];
  const out: { i0: number; sub: ConvSpec }[] = [];
  for (let i0 = 0; i0 < s.n; i0 += per) out.push({ i0, sub: { ...s, n: Math.min(per, s.n - i0) } });
  return out;
}

function convForwardRaw(x: DataArray, wt: DataArray, bias: DataArray | null, s: ConvSpec): DataArray {
  const ps = passes(s);
  if (ps.length === 1) return convForwardPass(x, wt, bias, s);
  const inSize = s.c * s.h * s.w;
  const outSize = s.o * s.outH * s.outW;
  const y = allocArray(s.dtype, s.n * outSize);
  for (const { i0, sub } of ps) {
    y.set(convForwardPass(x.subarray(i0 * inSize, (i0 + sub.n) * inSize), wt, bias, sub), i0 * outSize);
  }
  return y;
}

function convInputGradRaw(gy: DataArray, wt: DataArray, s: ConvSpec): DataArray {
  const ps = passes(s);
  if (ps.length === 1) return convInputGradPass(gy, wt, s);
  const inSize = s.c * s.h * s.w;
  const outSize = s.o * s.outH * s.outW;
  const dx = allocArray(s.dtype, s.n * inSize);
  for (const { i0, sub } of ps) {
    dx.set(convInputGradPass(gy.subarray(i0 * outSize, (i0 + sub.n) * outSize), wt, sub), i0 * inSize);
  }
  return dx;
}

function convWeightGradRaw(x: DataArray, gy: DataArray, s: ConvSpec): DataArray {
  const ps = passes(s);
  if (ps.length === 1) return convWeightGradPass(x, gy, s);
  const inSize = s.c * s.h * s.w;
  const outSize = s.o * s.outH * s.outW;
  const acc = new Float64Array(s.o * (s.c / s.groups) * s.kh * s.kw);
  for (const { i0, sub } of ps) {
    const part = convWeightGradPass(
      x.subarray(i0 * inSize, (i0 + sub.n) * inSize),
      gy.subarray(i0 * outSize, (i0 + sub.n) * outSize),
      sub,
    );
    for (let i = 0; i < acc.length; i++) acc[i]! += part[i]!;
  }
  const dw = allocArray(s.dtype, acc.length);
  dw.set(acc);
  return dw;
}

function asDtype(t: Tensor, s: ConvSpec): Tensor {
  return t.dtype === s.dtype ? t : cast(t, s.dtype);
}

/** Recorded convolution y = conv(x, w) + bias. */
function convForward(x: Tensor, w: Tensor, bias: Tensor | null, s: ConvSpec): Tensor {
  x = asDtype(x, s);
  const data = convForwardRaw(
    x._contiguousData(),
    w._contiguousData(),
    bias ? bias._contiguousData() : null,
    s,
  );
  const y = Tensor._fromData(data, [s.n, s.o, s.outH, s.outW], s.dtype);
  record(
    'conv2d',
    y,
    bias ? [x, w, bias] : [x, w],
    ([g]) => [
      x.requiresGrad ? convInputGrad(g!, w, s) : null,
      w.requiresGrad ? convWeightGrad(x, g!, s) : null,
      bias?.requiresGrad ? sum(sum(g!, [2, 3]), 0) : null,
    ],
    [x, w],
  );
  return y;
}

/** Recorded input gradient of a convolution (a transposed convolution): [n,o,oh,ow] → [n,c,h,w]. */
function convInputGrad(g: Tensor, w: Tensor, s: ConvSpec): Tensor {
  g = asDtype(g, s);
  const data = convInputGradRaw(g._contiguousData(), w._contiguousData(), s);
  const dx = Tensor._fromData(data, [s.n, s.c, s.h, s.w], s.dtype);
  record(
    'convTranspose2d',
    dx,
    [g, w],
    ([h]) => [
      g.requiresGrad ? convForward(h!, w, null, s) : null,
      w.requiresGrad ? convWeightGrad(h!, g, s) : null,
    ],
    [g, w],
  );
  return dx;
}

/** Recorded weight gradient of a convolution: (x [n,c,h,w], g [n,o,oh,ow]) → [o,c/g,kh,kw]. */
function convWeightGrad(x: Tensor, g: Tensor, s: ConvSpec): Tensor {
  x = asDtype(x, s);
  g = asDtype(g, s);
  const data = convWeightGradRaw(x._contiguousData(), g._contiguousData(), s);
  const dw = Tensor._fromData(data, [s.o, s.c / s.groups, s.kh, s.kw], s.dtype);
  record(
    'conv2dWeightGrad',
    dw,
    [x, g],
    ([h]) => [
      x.requiresGrad ? convInputGrad(g, h!, s) : null,
      g.requiresGrad ? convForward(x, h!, null, s) : null,
    ],
    [x, g],
  );
  return dw;
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Padding of a convolution: symmetric amounts, or `'valid'` (none) / `'same'` (output size = input size, stride 1). */
export type ConvPadding = IntPair | 'same' | 'valid';

/** Options of `conv2d` (ints apply to both spatial dims; pairs are [height, width]). */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: IntPair;
  /** Zero padding on each side (default 0), or `'same'` / `'valid'`. */
  padding?: ConvPadding;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntPair;
  /** Channel groups: input and output channels are split into `groups` independent convolutions (default 1). */
  groups?: number;
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
}

/** Options of `convTranspose2d`. */
export interface ConvTranspose2dOptions {
  stride?: IntPair;
  /** Removes `dilation·(k−1) − padding` from each side of the full output (default 0). */
  padding?: IntPair;
  /** Extra size added to one side of the output (default 0; must be < stride or < dilation). */
  outputPadding?: IntPair;
  dilation?: IntPair;
  groups?: number;
}

/** Options of `convTranspose1d`. */
export interface ConvTranspose1dOptions {
  stride?: number;
  padding?: number;
  outputPadding?: number;
  dilation?: number;
  groups?: number;
}

function outSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function checkBias(op: string, bias: Tensor | null | undefined, channels: number): void {
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== channels)) {
    throw new ShapeError(`${op}: bias must have shape [${channels}] (got ${fmtShape(bias.shape)})`);
  }
}

/**
 * 2-D convolution (cross-correlation, like PyTorch) of `x` [N,C,H,W] (or unbatched
 * [C,H,W]) with `weight` [O, C/groups, kh, kw], plus an optional `bias` [O].
 * Returns [N, O, outH, outW] with outH = ⌊(H + 2·pad − dilation·(kh−1) − 1)/stride⌋ + 1.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  if (x.ndim === 3) return squeeze(conv2d(unsqueeze(x, 0), weight, bias, opts), 0);
  if (x.ndim !== 4 || weight.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected input [N,C,H,W] and weight [O,C/groups,kh,kw], got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`,
    );
  }
  const groups = checkInt(opts.groups ?? 1, op, 'groups', 1);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  if (c % groups !== 0 || o % groups !== 0 || cg * groups !== c) {
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)} do not match with groups=${groups} ` +
        `(need C = weight.shape[1]·groups = ${cg * groups} and O divisible by groups)`,
    );
  }
  checkBias(op, bias, o);
  const [sh, sw] = pair(opts.stride ?? 1, op, 'stride', 1);
  const [dh, dw] = pair(opts.dilation ?? 1, op, 'dilation', 1);
  let ph: number;
  let pw: number;
  let cropH = false;
  let cropW = false;
  const padding = opts.padding ?? 0;
  if (padding === 'valid') {
    ph = pw = 0;
  } else if (padding === 'same') {
    if (sh !== 1 || sw !== 1) {
      throw new ArgumentError(`${op}: padding='same' is not supported for strided convolutions`);
    }
    // Asymmetric 'same' padding (even kernels) pads one more at the end: pad symmetrically by
    // ⌈total/2⌉ and drop the first output row/column.
    const th = dh * (kh - 1);
    const tw = dw * (kw - 1);
    ph = Math.ceil(th / 2);
    pw = Math.ceil(tw / 2);
    cropH = th % 2 === 1;
    cropW = tw % 2 === 1;
  } else {
    [ph, pw] = pair(padding, op, 'padding', 0);
  }
  const outH = outSize(h, kh, sh, ph, dh);
  const outW = outSize(w, kw, sw, pw, dw);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} with padding [${ph},${pw}] is smaller than the dilated kernel ` +
        `[${dh * (kh - 1) + 1},${dw * (kw - 1) + 1}] (weight ${fmtShape(weight.shape)})`,
    );
  }
  const { dtype, ts } = commonFloat(op, ['input', 'weight', 'bias'], x, weight, bias ?? null);
  const s: ConvSpec = { n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, outH, outW, groups, dtype };
  let y = convForward(ts[0], ts[1], ts[2], s);
  if (cropH) y = slice(y, 2, 1);
  if (cropW) y = slice(y, 3, 1);
  return y;
}

/**
 * 1-D convolution of `x` [N,C,L] (or [C,L]) with `weight` [O, C/groups, k] and optional
 * `bias` [O] → [N, O, outL]. Runs as a conv2d with a height-1 kernel.
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  const op = 'conv1d';
  if (x.ndim === 2) return squeeze(conv1d(unsqueeze(x, 0), weight, bias, opts), 0);
  if (x.ndim !== 3 || weight.ndim !== 3) {
    throw new ShapeError(
      `${op}: expected input [N,C,L] and weight [O,C/groups,k], got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`,
    );
  }
  const groups = checkInt(opts.groups ?? 1, op, 'groups', 1);
  const c = x.shape[1]!;
  const o = weight.shape[0]!;
  if (c % groups !== 0 || o % groups !== 0 || weight.shape[1]! * groups !== c) {
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)} do not match with groups=${groups} ` +
        `(need C = weight.shape[1]·groups = ${weight.shape[1]! * groups} and O divisible by groups)`,
    );
  }
  const stride = checkInt(opts.stride ?? 1, op, 'stride', 1);
  const dilation = checkInt(opts.dilation ?? 1, op, 'dilation', 1);
  const p = opts.padding ?? 0;
  const k = weight.shape[2]!;
  if (p === 'same' && stride !== 1) {
    throw new ArgumentError(`${op}: padding='same' is not supported for strided convolutions`);
  }
  const pad = p === 'same' || p === 'valid' ? 0 : checkInt(p, op, 'padding', 0);
  if (p !== 'same' && outSize(x.shape[2]!, k, stride, pad, dilation) < 1) {
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} with padding ${pad} is smaller than the dilated kernel ` +
        `${dilation * (k - 1) + 1} (weight ${fmtShape(weight.shape)})`,
    );
  }
  checkBias(op, bias, o);
  const y = conv2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, {
    stride: [1, stride],
    padding: typeof p === 'string' ? p : [0, pad],
    dilation: [1, dilation],
    groups,
  });
  return squeeze(y, 2);
}

/**
 * 2-D transposed convolution ("deconvolution") of `x` [N, Cin, H, W] (or [Cin,H,W]) with
 * `weight` [Cin, O/groups, kh, kw] → [N, O, outH, outW], outH =
 * (H−1)·stride − 2·padding + dilation·(kh−1) + outputPadding + 1. It is the gradient of
 * conv2d with respect to its input.
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTranspose2dOptions = {},
): Tensor {
  const op = 'convTranspose2d';
  if (x.ndim === 3) return squeeze(convTranspose2d(unsqueeze(x, 0), weight, bias, opts), 0);
  if (x.ndim !== 4 || weight.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected input [N,Cin,H,W] and weight [Cin,O/groups,kh,kw], got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`,
    );
  }
  const groups = checkInt(opts.groups ?? 1, op, 'groups', 1);
  const [n, cin, h, w] = x.shape as [number, number, number, number];
  const [wc, og, kh, kw] = weight.shape as [number, number, number, number];
  if (wc !== cin || cin % groups !== 0) {
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)} do not match with groups=${groups} ` +
        `(need weight.shape[0] = Cin = ${cin}, divisible by groups)`,
    );
  }
  const o = og * groups;
  checkBias(op, bias, o);
  const [sh, sw] = pair(opts.stride ?? 1, op, 'stride', 1);
  const [ph, pw] = pair(opts.padding ?? 0, op, 'padding', 0);
  const [oph, opw] = pair(opts.outputPadding ?? 0, op, 'outputPadding', 0);
  const [dh, dw] = pair(opts.dilation ?? 1, op, 'dilation', 1);
  if ((oph >= sh && oph >= dh) || (opw >= sw && opw >= dw)) {
    throw new ArgumentError(
      `${op}: outputPadding [${oph},${opw}] must be smaller than either stride [${sh},${sw}] or dilation [${dh},${dw}]`,
    );
  }
  const outH = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1;
  const outW = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `${op}: output size [${outH},${outW}] is too small (input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}, padding [${ph},${pw}])`,
    );
  }
  const { dtype, ts } = commonFloat(op, ['input', 'weight', 'bias'], x, weight, bias ?? null);
  // The conv whose input gradient this is: input [n, o, outH, outW], output [n, cin, h, w].
  const s: ConvSpec = {
    n,
    c: o,
    h: outH,
    w: outW,
    o: cin,
    kh,
    kw,
    sh,
    sw,
    ph,
    pw,
    dh,
    dw,
    outH: h,
    outW: w,
    groups,
    dtype,
  };
  const y = convInputGrad(ts[0], ts[1], s);
  return ts[2] ? add(y, reshape(ts[2], [1, o, 1, 1])) : y;
}

/** 1-D transposed convolution of `x` [N, Cin, L] (or [Cin, L]) with `weight` [Cin, O/groups, k]. */
export function convTranspose1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTranspose1dOptions = {},
): Tensor {
  const op = 'convTranspose1d';
  if (x.ndim === 2) return squeeze(convTranspose1d(unsqueeze(x, 0), weight, bias, opts), 0);
  if (x.ndim !== 3 || weight.ndim !== 3) {
    throw new ShapeError(
      `${op}: expected input [N,Cin,L] and weight [Cin,O/groups,k], got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`,
    );
  }
  const groups = checkInt(opts.groups ?? 1, op, 'groups', 1);
  const cin = x.shape[1]!;
  if (weight.shape[0] !== cin || cin % groups !== 0) {
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)} do not match with groups=${groups} ` +
        `(need weight.shape[0] = Cin = ${cin}, divisible by groups)`,
    );
  }
  const stride = checkInt(opts.stride ?? 1, op, 'stride', 1);
  const padding = checkInt(opts.padding ?? 0, op, 'padding', 0);
  const outputPadding = checkInt(opts.outputPadding ?? 0, op, 'outputPadding', 0);
  const dilation = checkInt(opts.dilation ?? 1, op, 'dilation', 1);
  if (outputPadding >= stride && outputPadding >= dilation) {
    throw new ArgumentError(
      `${op}: outputPadding ${outputPadding} must be smaller than either stride ${stride} or dilation ${dilation}`,
    );
  }
  const k = weight.shape[2]!;
  const outL = (x.shape[2]! - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1;
  if (outL < 1) {
    throw new ShapeError(
      `${op}: output length ${outL} is too small (input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}, padding ${padding})`,
    );
  }
  checkBias(op, bias, weight.shape[1]! * groups);
  const y = convTranspose2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, {
    stride: [1, stride],
    padding: [0, padding],
    outputPadding: [0, outputPadding],
    dilation: [1, dilation],
    groups,
  });
  return squeeze(y, 2);
}

/**
 * The native backend: the Node-API addon's kernels (SIMD elementwise, BLAS or built-in
 * GEMM, im2col/col2im) for float32/float64, delegating everything else to the
 * TypeScript backend. Measured on the development machine, an addon call costs ~0.2 µs
 * and beats the TypeScript loops from a few dozen elements on, so the size cut-offs
 * below only keep the tiniest arrays in TypeScript.
 */
import { allocOutput, type DataArray, dtypeOfArray } from '../../core/dtype.js';
import { contiguousStrides } from '../../core/shape.js';
import type { Backend, BinaryOp, Conv2dGeometry, StridedArray, UnaryOp } from '../backend.js';
import { jsBackend } from '../js/index.js';
import type {
  NativeAddon,
  BinaryOp as NativeBinaryOp,
  Conv2dGeometry as NativeGeometry,
  UnaryOp as NativeUnaryOp,
} from './addon.js';

type FloatArray = Float32Array | Float64Array;

/** Below this many elements an elementwise op stays in TypeScript (measured: ~same cost at 16–32). */
const MIN_ELEMENTWISE = 32;
/** Strided gathers from this many elements on go to the addon (its argument parsing costs ~1 µs). */
const MIN_NATIVE_COPY = 2048;

const UNARY: Partial<Record<UnaryOp, NativeUnaryOp>> = {
  exp: 'exp',
  log: 'log',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  relu: 'relu',
  gelu: 'gelu',
  geluTanh: 'geluTanh',
  silu: 'silu',
  sqrt: 'sqrt',
  rsqrt: 'rsqrt',
  square: 'square',
  reciprocal: 'reciprocal',
  neg: 'neg',
  abs: 'abs',
};

const BINARY: Partial<Record<BinaryOp, NativeBinaryOp>> = {
  add: 'add',
  sub: 'sub',
  mul: 'mul',
  div: 'div',
  maximum: 'max',
  minimum: 'min',
  tanhGrad: 'tanhGrad',
  sigmoidGrad: 'sigmoidGrad',
  reluGrad: 'reluGrad',
};

/** Activation backward passes: their operands (gradient, saved tensor) cannot be swapped. */
const GRAD_OPS = new Set<NativeBinaryOp>(['tanhGrad', 'sigmoidGrad', 'reluGrad']);

/** Operand order swapped, for a scalar on the left. */
const SWAPPED: Partial<Record<NativeBinaryOp, NativeBinaryOp>> = {
  add: 'add',
  mul: 'mul',
  max: 'max',
  min: 'min',
  sub: 'rsub',
  div: 'rdiv',
};

function sameFloat(a: DataArray, b: DataArray): a is FloatArray {
  return (
    (a instanceof Float32Array && b instanceof Float32Array) ||
    (a instanceof Float64Array && b instanceof Float64Array)
  );
}

function isDense(x: StridedArray): boolean {
  let s = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    const d = x.shape[i]!;
    if (d !== 1 && x.strides[i] !== s) return false;
    s *= d;
  }
  return true;
}

function isScalar(x: StridedArray): boolean {
  for (const s of x.strides) if (s !== 0) return false;
  return true;
}

/**
 * How a broadcast operand fills a `[rows, cols]` split of the output shape: `mode` 0, a dense
 * trailing block (`[cols]`, repeated over the leading dims: a bias row); `mode` 1, dense leading
 * dims with stride 0 on the trailing ones (one value per row). Null for anything else.
 */
function broadcastSplit(x: StridedArray): { mode: 0 | 1; rows: number; cols: number } | null {
  const { shape, strides } = x;
  const r = shape.length;
  // Row vector: the trailing dims are contiguous, the leading ones have stride 0.
  let p = r;
  let s = 1;
  while (p > 0 && (shape[p - 1] === 1 || strides[p - 1] === s)) s *= shape[--p]!;
  let lead = 1;
  let ok = p < r;
  for (let i = 0; i < p && ok; i++) {
    if (shape[i] !== 1 && strides[i] !== 0) ok = false;
    lead *= shape[i]!;
  }
  if (ok) return { mode: 0, rows: lead, cols: s };
  // Column vector: stride 0 on the trailing dims, the leading ones contiguous over a [rows] vector.
  let q = r;
  let tail = 1;
  while (q > 0 && (shape[q - 1] === 1 || strides[q - 1] === 0)) tail *= shape[--q]!;
  if (q === r || q === 0) return null;
  s = 1;
  for (let i = q - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return null;
    s *= shape[i]!;
  }
  return { mode: 1, rows: s, cols: tail };
}

function view(x: StridedArray, n: number): FloatArray {
  const d = x.data as FloatArray;
  return x.offset === 0 && d.length === n ? d : (d.subarray(x.offset, x.offset + n) as FloatArray);
}

function geometry(g: Conv2dGeometry): NativeGeometry {
  return {
    batch: 1,
    channels: g.channels,
    height: g.height,
    width: g.width,
    kernelH: g.kernelH,
    kernelW: g.kernelW,
    strideH: g.strideH,
    strideW: g.strideW,
    padH: g.padH,
    padW: g.padW,
    dilationH: g.dilationH,
    dilationW: g.dilationW,
  };
}

/** Whether the addon's implied output size (it derives it from the geometry) matches `g`. */
function sameOutput(g: Conv2dGeometry): boolean {
  const oh = Math.floor((g.height + 2 * g.padH - g.dilationH * (g.kernelH - 1) - 1) / g.strideH) + 1;
  const ow = Math.floor((g.width + 2 * g.padW - g.dilationW * (g.kernelW - 1) - 1) / g.strideW) + 1;
  return oh === g.outH && ow === g.outW;
}

/** A view with no broadcast (stride-0) dims that is not row-major dense: a permutation or slice. */
function isPermuted(x: StridedArray): boolean {
  if (isDense(x)) return false;
  for (let i = 0; i < x.shape.length; i++) if (x.strides[i] === 0 && x.shape[i] !== 1) return false;
  return true;
}

/** Builds the native backend around a loaded addon. */
export function createNativeBackend(addon: NativeAddon): Backend {
  /** Dense, scalar and single-split broadcast operands on the addon's kernels; false otherwise. */
  function nativeBinary(
    nop: NativeBinaryOp,
    a: StridedArray,
    b: StridedArray,
    out: FloatArray,
    n: number,
  ): boolean {
    const denseA = isDense(a);
    const denseB = isDense(b);
    if (denseA && denseB) {
      addon.binary(nop, view(a, n), view(b, n), out, n);
      return true;
    }
    if (denseA && isScalar(b)) {
      addon.binaryScalar(nop, view(a, n), b.data[b.offset]!, out, n);
      return true;
    }
    const swapped = SWAPPED[nop];
    if (denseB && isScalar(a) && swapped) {
      addon.binaryScalar(swapped, view(b, n), a.data[a.offset]!, out, n);
      return true;
    }
    // One broadcast operand along a single split of the shape (bias rows, per-row scales).
    const vecSide = denseA ? b : denseB ? a : null;
    const split = vecSide && (denseA || !GRAD_OPS.has(nop)) ? broadcastSplit(vecSide) : null;
    if (!split || split.rows * split.cols !== n) return false;
    const len = split.mode === 0 ? split.cols : split.rows;
    addon.binaryBroadcast(
      nop,
      view(denseA ? a : b, n),
      view(vecSide!, len),
      out,
      split.rows,
      split.cols,
      split.mode,
      !denseA,
    );
    return true;
  }

  /** `x` gathered into a fresh contiguous buffer (a dense strided view of it). */
  function gathered(x: StridedArray, n: number): StridedArray {
    const data = allocOutput(dtypeOfArray(x.data), n) as FloatArray;
    addon.copyStrided(x.data as FloatArray, x.offset, x.shape, x.strides, data);
    return { data, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 };
  }

  return {
    ...jsBackend,
    name: 'native',

    unary(op, x, out, param) {
      const nop = UNARY[op];
      if (nop && out.length >= MIN_ELEMENTWISE && sameFloat(x, out))
        return addon.unary(nop, x, out as FloatArray, out.length);
      jsBackend.unary(op, x, out, param);
    },

    copyStrided(src, out) {
      if (out.length >= MIN_NATIVE_COPY && src.data.constructor === out.constructor)
        return addon.copyStrided(src.data, src.offset, src.shape, src.strides, out);
      jsBackend.copyStrided(src, out);
    },

    binary(op, a, b, out) {
      const nop = BINARY[op];
      const n = out.length;
      if (nop && n >= MIN_ELEMENTWISE && sameFloat(a.data, out) && sameFloat(b.data, out)) {
        if (nativeBinary(nop, a, b, out as FloatArray, n)) return;
        // Permuted operands (e.g. attention heads): a native gather then the dense kernel beats
        // the generic strided loop several times over.
        if (n >= MIN_NATIVE_COPY && (isPermuted(a) || isPermuted(b))) {
          const ga = isPermuted(a) ? gathered(a, n) : a;
          const gb = isPermuted(b) ? gathered(b, n) : b;
          if (nativeBinary(nop, ga, gb, out as FloatArray, n)) return;
        }
      }
      jsBackend.binary(op, a, b, out);
    },

    reduce(op, x, outer, red, inner, out) {
      if (op === 'sum' && red * inner >= MIN_ELEMENTWISE && sameFloat(x, out)) {
        if (inner === 1) return addon.sumLastAxis(x, out as FloatArray, outer, red);
        return addon.sumMiddleAxis(x, out as FloatArray, outer, red, inner);
      }
      jsBackend.reduce(op, x, outer, red, inner, out);
    },

    matmul(a, b, out, args) {
      if (sameFloat(a, out) && sameFloat(b, out)) {
        const { batch, m, n, k, transA, transB } = args;
        addon.gemmBatched(
          transA,
          transB,
          m,
          n,
          k,
          1,
          a,
          args.aOffset,
          transA ? m : k,
          b,
          args.bOffset,
          transB ? k : n,
          0,
          out as FloatArray,
          0,
          n,
          batch,
          args.aBatchStride,
          args.bBatchStride,
          m * n,
        );
        return;
      }
      jsBackend.matmul(a, b, out, args);
    },

    im2col(x, xOffset, g, out) {
      if (!sameFloat(x, out) || !sameOutput(g)) return jsBackend.im2col(x, xOffset, g, out);
      const n = g.channels * g.height * g.width;
      addon.im2col(x.subarray(xOffset, xOffset + n) as FloatArray, out as FloatArray, geometry(g));
    },

    col2im(cols, g, out, outOffset) {
      // Transposed convolutions with outputPadding use a geometry the addon cannot derive.
      if (!sameFloat(cols, out) || !sameOutput(g)) return jsBackend.col2im(cols, g, out, outOffset);
      const n = g.channels * g.height * g.width;
      addon.col2im(
        cols as FloatArray,
        out.subarray(outOffset, outOffset + n) as FloatArray,
        geometry(g),
        true,
      );
    },
  };
}

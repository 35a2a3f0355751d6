/** Elementwise kernels of the TypeScript backend. */
import type { DataArray } from '../../core/dtype.js';
import type { BinaryOp, StridedArray, UnaryOp } from '../backend.js';
import {
  BINARY_EXPR,
  contiguousKernel,
  denseBinaryKernel,
  stridedKernel,
  TO_BOOL_EXPR,
  UNARY_EXPR,
} from './codegen.js';

/**
 * Merges adjacent dimensions that are contiguous in every operand, so most
 * broadcasts run as one or two flat loops.
 */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, i) => outStrides[i]![last] === s[d]! * size)) {
      outShape[last]! *= size;
      strides.forEach((s, i) => {
        outStrides[i]![last] = s[d]!;
      });
    } else {
      outShape.push(size);
      for (let i = 0; i < strides.length; i++) outStrides[i]!.push(strides[i]![d]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

function runStrided(
  vars: readonly string[],
  expr: string,
  inputs: readonly StridedArray[],
  out: DataArray,
): void {
  const { shape, strides } = coalesce(
    inputs[0]!.shape,
    inputs.map((x) => x.strides),
  );
  stridedKernel(vars, expr)(
    out,
    shape,
    inputs.map((x) => x.data),
    inputs.map((x) => x.offset),
    strides,
  );
}

/** Row-major dense layout (size-1 dims ignored). */
function isDense(x: StridedArray): boolean {
  let s = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    const d = x.shape[i]!;
    if (d !== 1 && x.strides[i] !== s) return false;
    s *= d;
  }
  return true;
}

/** Every stride 0: one value broadcast everywhere. */
function isBroadcastScalar(x: StridedArray): boolean {
  for (const s of x.strides) if (s !== 0) return false;
  return true;
}

/** Strided gather (and dtype conversion) into a contiguous buffer. */
export function copyStrided(src: StridedArray, out: DataArray): void {
  const toBool = out instanceof Uint8Array && !(src.data instanceof Uint8Array);
  runStrided(['x'], toBool ? TO_BOOL_EXPR : 'x', [src], out);
}

/** `out[i] = op(x[i])`. */
export function unary(op: UnaryOp, x: DataArray, out: DataArray, param: number): void {
  const expr =
    op === 'cast' && out instanceof Uint8Array && !(x instanceof Uint8Array) ? TO_BOOL_EXPR : UNARY_EXPR[op];
  contiguousKernel(expr)(x, out, out.length, param);
}

/** `out = op(a, b)` over broadcast strided views. */
export function binary(op: BinaryOp, a: StridedArray, b: StridedArray, out: DataArray): void {
  const expr = BINARY_EXPR[op];
  const denseA = isDense(a);
  const denseB = isDense(b);
  const mode =
    denseA && denseB
      ? 'vv'
      : denseA && isBroadcastScalar(b)
        ? 'vs'
        : denseB && isBroadcastScalar(a)
          ? 'sv'
          : null;
  if (mode) {
    denseBinaryKernel(expr, mode)(a.data, a.offset, b.data, b.offset, out, out.length);
    return;
  }
  runStrided(['a', 'b'], expr, [a, b], out);
}

/** `out = cond ? a : b`. */
export function where(cond: StridedArray, a: StridedArray, b: StridedArray, out: DataArray): void {
  runStrided(['c', 'a', 'b'], '(c !== 0 ? a : b)', [cond, a, b], out);
}

/** Strided write: `dst[...] = src[...]` (src broadcast to dst's shape). */
export function assign(dst: StridedArray, src: StridedArray): void {
  const { shape, strides } = coalesce(dst.shape, [dst.strides, src.strides]);
  const [sd, ss] = strides as [number[], number[]];
  const D = dst.data;
  const S = src.data;
  const toBool = D instanceof Uint8Array && !(S instanceof Uint8Array);
  const nd = shape.length;
  if (nd === 0) {
    const v = S[src.offset]!;
    D[dst.offset] = toBool ? (v !== 0 ? 1 : 0) : v;
    return;
  }
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const inner = shape[nd - 1]!;
  const id = sd[nd - 1]!;
  const is = ss[nd - 1]!;
  const idx = new Int32Array(nd);
  let pd = dst.offset;
  let ps = src.offset;
  for (let o = 0, outer = total / inner; o < outer; o++) {
    let qd = pd;
    let qs = ps;
    if (toBool) {
      for (let i = 0; i < inner; i++, qd += id, qs += is) D[qd] = S[qs] !== 0 ? 1 : 0;
    } else {
      for (let i = 0; i < inner; i++, qd += id, qs += is) D[qd] = S[qs]!;
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      pd += sd[d]!;
      ps += ss[d]!;
      if (idx[d]! < shape[d]!) break;
      pd -= sd[d]! * shape[d]!;
      ps -= ss[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

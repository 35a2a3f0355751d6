/**
 * Shape and stride views: reshape, transpose/permute, expand, squeeze/unsqueeze,
 * narrow/slice/select and flip. Views share storage with their base; all are
 * differentiable.
 */
import { record } from '../autograd/node.js';
import { AxisError, fmtShape, ShapeError } from '../core/errors.js';
import { checkShape, contiguousStrides, normAxes, normAxis, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { scatterIntoZeros } from './assign.js';
import { contiguous } from './cast.js';
import { sumToShape } from './reduce.js';

function makeView(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  return new Tensor(x._storage, shape, strides, offset, x.dtype);
}

/** Accepts `f(2, 3)` and `f([2, 3])` styles. */
export function shapeArgs(args: number[] | [readonly number[]]): readonly number[] {
  return Array.isArray(args[0]) ? (args[0] as readonly number[]) : (args as number[]);
}

function resolveShape(x: Tensor, shape: readonly number[], op: string): number[] {
  const out = [...shape];
  const neg = out.indexOf(-1);
  if (neg !== out.lastIndexOf(-1))
    throw new ShapeError(`${op}: only one dimension can be -1 (got ${fmtShape(shape)})`);
  if (neg >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== neg));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(
        `${op}: cannot reshape tensor of shape ${fmtShape(x.shape)} into ${fmtShape(shape)}`,
      );
    }
    out[neg] = x.size / known;
  }
  checkShape(out, op);
  if (sizeOf(out) !== x.size) {
    throw new ShapeError(
      `${op}: cannot reshape tensor of shape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`,
    );
  }
  return out;
}

/** Same data, new shape; requires a contiguous tensor (use `reshape` otherwise). */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const s = resolveShape(x, shape, 'view');
  if (!x.isContiguous) {
    throw new ShapeError(
      `view: tensor of shape ${fmtShape(x.shape)} is not contiguous; use reshape() or contiguous()`,
    );
  }
  const y = makeView(x, s, contiguousStrides(s), x.offset);
  record('view', y, [x], ([g]) => [reshape(g!, x.shape)]);
  return y;
}

/** New shape (one dim may be -1); a view when possible, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = resolveShape(x, shape, 'reshape');
  return view(contiguous(x), s);
}

/** Flattens dims `startAxis..endAxis` into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis(startAxis, x.ndim, 'flatten');
  const e = normAxis(endAxis, x.ndim, 'flatten');
  if (e < s) throw new AxisError(`flatten: endAxis ${endAxis} is before startAxis ${startAxis}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Reorders the axes: `permute(x, [2, 0, 1])`. */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  if (axes.length !== x.ndim) {
    throw new AxisError(`permute: got ${axes.length} axes for a tensor of rank ${x.ndim}`);
  }
  const ax = axes.map((a) => normAxis(a, x.ndim, 'permute'));
  if (new Set(ax).size !== ax.length) throw new AxisError(`permute: repeated axis in [${axes.join(',')}]`);
  const y = makeView(
    x,
    ax.map((a) => x.shape[a]!),
    ax.map((a) => x.strides[a]!),
    x.offset,
  );
  const inv = new Array<number>(ax.length);
  ax.forEach((a, i) => {
    inv[a] = i;
  });
  record('permute', y, [x], ([g]) => [permute(g!, inv)]);
  return y;
}

/** Swaps two axes. */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.ndim < 2 && axis0 === -2 && axis1 === -1) return x;
  const a = normAxis(axis0, x.ndim, 'transpose');
  const b = normAxis(axis1, x.ndim, 'transpose');
  const axes = x.shape.map((_, i) => i);
  axes[a] = b;
  axes[b] = a;
  return permute(x, axes);
}

/** Broadcasts to `shape` without copying (-1 keeps a dim; new dims are prepended). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.ndim) {
    throw new ShapeError(
      `expand: target ${fmtShape(shape)} has fewer dims than the tensor ${fmtShape(x.shape)}`,
    );
  }
  const off = shape.length - x.ndim;
  const outShape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const want = shape[i]!;
    if (i < off) {
      if (want < 0) throw new ShapeError(`expand: -1 not allowed for new leading dim ${i}`);
      outShape.push(want);
      strides.push(0);
      continue;
    }
    const have = x.shape[i - off]!;
    const size = want === -1 ? have : want;
    if (have !== size && have !== 1) {
      throw new ShapeError(
        `expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (dim ${i}: ${have} vs ${size})`,
      );
    }
    outShape.push(size);
    strides.push(have === size ? x.strides[i - off]! : 0);
  }
  const y = makeView(x, outShape, strides, x.offset);
  record('expand', y, [x], ([g]) => [sumToShape(g!, x.shape)]);
  return y;
}

/** Alias of `expand` with NumPy's name. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expand(x, shape);
}

/** Removes size-1 dims (all of them, or the given ones; a given dim that is not 1 is kept, like PyTorch). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const axes = axis === undefined ? x.shape.map((_, i) => i) : normAxes(axis, x.ndim, 'squeeze');
  const keep = x.shape.map((d, i) => !(d === 1 && axes.includes(i)));
  return reshape(
    x,
    x.shape.filter((_, i) => keep[i]),
  );
}

/** Inserts a size-1 dim at `axis` (negative counts from the end of the result). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape.splice(a, 0, 1);
  strides.splice(a, 0, a < x.ndim ? x.strides[a]! * x.shape[a]! : 1);
  const y = makeView(x, shape, strides, x.offset);
  record('unsqueeze', y, [x], ([g]) => [reshape(g!, x.shape)]);
  return y;
}

/**
 * Elements `start, start+step, …` (< end) along `axis` as a view; negative
 * indices count from the end and bounds are clamped, like Python slicing.
 */
export function slice(x: Tensor, axis: number, start = 0, end?: number, step = 1): Tensor {
  const a = normAxis(axis, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0)
    throw new ShapeError(`slice: step must be a positive integer (got ${step})`);
  const n = x.shape[a]!;
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampIdx(start);
  const e = clampIdx(end ?? n);
  const len = Math.max(0, Math.ceil((e - s) / step));
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape[a] = len;
  strides[a] = x.strides[a]! * step;
  const y = makeView(x, shape, strides, x.offset + s * x.strides[a]!);
  record('slice', y, [x], ([g]) => [
    scatterIntoZeros(g!, x.shape, (z) => slice(z, a, s, s + len * step, step)),
  ]);
  return y;
}

/** `length` elements from `start` along `axis` (a view, like `torch.narrow`). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normAxis(axis, x.ndim, 'narrow');
  const n = x.shape[a]!;
  const s = start < 0 ? start + n : start;
  if (s < 0 || length < 0 || s + length > n) {
    throw new AxisError(
      `narrow: range [${start}, ${start}+${length}) is out of bounds for dim ${a} of size ${n}`,
    );
  }
  return slice(x, a, s, s + length);
}

/** The sub-tensor at `index` along `axis` (that dim removed), as a view. */
export function select(x: Tensor, axis: number, index: number): Tensor {
  const a = normAxis(axis, x.ndim, 'select');
  const n = x.shape[a]!;
  const i = index < 0 ? index + n : index;
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new AxisError(`select: index ${index} is out of bounds for dim ${a} of size ${n}`);
  }
  const shape = x.shape.filter((_, d) => d !== a);
  const strides = x.strides.filter((_, d) => d !== a);
  const y = makeView(x, shape, strides, x.offset + i * x.strides[a]!);
  record('select', y, [x], ([g]) => [scatterIntoZeros(g!, x.shape, (z) => select(z, a, i))]);
  return y;
}

/** Reverses the order along `axes`, as a view with negative strides. */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  const ax = normAxes(axes, x.ndim, 'flip');
  const strides = [...x.strides];
  let offset = x.offset;
  for (const a of ax) {
    if (x.shape[a]! > 0) offset += (x.shape[a]! - 1) * x.strides[a]!;
    strides[a] = -strides[a]!;
  }
  const y = makeView(x, x.shape, strides, offset);
  record('flip', y, [x], ([g]) => [flip(g!, ax)]);
  return y;
}

/**
 * Joining and splitting: concat/stack, split/chunk/unbind (views), and
 * repetition (repeat, tile, repeatInterleave). All differentiable.
 */
import { record } from '../autograd/node.js';
import { getBackend } from '../backend/index.js';
import { allocArray, promoteTypes } from '../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { contiguousStrides, normAxis, shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { cast } from './cast.js';
import { type IndexLike, indexSelect } from './indexing.js';
import { expand, narrow, reshape, select, unsqueeze } from './view.js';

function checkList(tensors: readonly Tensor[], op: string): void {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new ArgumentError(`${op}: expected a non-empty list of tensors`);
  }
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: element ${i} is not a tensor`);
  });
}

/**
 * Joins tensors along an existing `axis` (like `torch.cat`). Shapes must match
 * except along `axis`; dtypes are promoted. As in PyTorch, 1-D empty tensors
 * (shape [0]) are skipped when joining tensors of another rank.
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'concat';
  checkList(tensors, op);
  const ref = tensors.find((t) => !(t.ndim === 1 && t.shape[0] === 0)) ?? tensors[0]!;
  if (ref.ndim === 0) throw new ShapeError(`${op}: zero-dimensional tensors cannot be concatenated`);
  const a = normAxis(axis, ref.ndim, op);
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  const parts: Tensor[] = [];
  tensors.forEach((t, i) => {
    const skip = ref.ndim !== 1 && t.ndim === 1 && t.shape[0] === 0;
    if (skip) return;
    const bad = t.ndim !== ref.ndim || t.shape.some((d, k) => k !== a && d !== ref.shape[k]);
    if (bad) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(ref.shape)} and ${fmtShape(t.shape)} (tensor ${i}) must match except in axis ${a}`,
      );
    }
    parts.push(cast(t, dtype));
  });
  const shape = [...ref.shape];
  shape[a] = parts.reduce((s, t) => s + t.shape[a]!, 0);
  const out = allocArray(dtype, sizeOf(shape));
  const strides = contiguousStrides(shape);
  const offsets: number[] = [];
  let off = 0;
  for (const t of parts) {
    offsets.push(off);
    if (t.size > 0) {
      getBackend().assign({ data: out, shape: t.shape, strides, offset: off * strides[a]! }, t._strided());
    }
    off += t.shape[a]!;
  }
  const y = Tensor._fromData(out, shape, dtype);
  record(op, y, parts, ([g]) =>
    parts.map((t, i) => (t.requiresGrad ? narrow(g!, a, offsets[i]!, t.shape[a]!) : null)),
  );
  return y;
}

/** Alias of `concat` (PyTorch's name). */
export function cat(tensors: readonly Tensor[], axis = 0): Tensor {
  return concat(tensors, axis);
}

/** Joins same-shape tensors along a new `axis` (like `torch.stack`). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'stack';
  checkList(tensors, op);
  const ref = tensors[0]!;
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, ref.shape)) {
      throw new ShapeError(
        `${op}: all tensors must have the same shape (tensor 0 is ${fmtShape(ref.shape)}, tensor ${i} is ${fmtShape(t.shape)})`,
      );
    }
  });
  const a = normAxis(axis, ref.ndim + 1, op);
  return concat(
    tensors.map((t) => unsqueeze(t, a)),
    a,
  );
}

/** Stacks along the last-but-one axis for ≥2-D, like `torch.vstack` (1-D tensors become rows). */
export function vstack(tensors: readonly Tensor[]): Tensor {
  checkList(tensors, 'vstack');
  return concat(
    tensors.map((t) => (t.ndim === 0 ? reshape(t, [1, 1]) : t.ndim === 1 ? unsqueeze(t, 0) : t)),
    0,
  );
}

/** Concatenates along axis 1 (axis 0 for 1-D tensors), like `torch.hstack`. */
export function hstack(tensors: readonly Tensor[]): Tensor {
  checkList(tensors, 'hstack');
  const ts = tensors.map((t) => (t.ndim === 0 ? reshape(t, [1]) : t));
  return concat(ts, ts[0]!.ndim === 1 ? 0 : 1);
}

/**
 * Splits into views along `axis` (like `torch.split`): a number is the size of
 * each chunk (the last may be smaller), an array lists the sizes (they must sum
 * to the dim size).
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  const op = 'split';
  const a = normAxis(axis, x.ndim, op);
  const n = x.shape[a]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    const s = sizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n !== 0)) {
      throw new ArgumentError(
        `${op}: split size must be a positive integer (got ${s}) for dim ${a} of size ${n}`,
      );
    }
    if (n === 0) sizes = [0];
    else {
      sizes = [];
      for (let start = 0; start < n; start += s) sizes.push(Math.min(s, n - start));
    }
  } else {
    sizes = [...sizeOrSections];
    for (const s of sizes) {
      if (!Number.isInteger(s) || s < 0) {
        throw new ArgumentError(
          `${op}: section sizes must be non-negative integers (got [${sizes.join(',')}])`,
        );
      }
    }
    const total = sizes.reduce((p, q) => p + q, 0);
    if (total !== n) {
      throw new ShapeError(
        `${op}: section sizes [${sizes.join(',')}] sum to ${total} but dim ${a} of ${fmtShape(x.shape)} has size ${n}`,
      );
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(narrow(x, a, start, s));
    start += s;
  }
  return out;
}

/**
 * Splits into `chunks` views of equal size along `axis` (the last may be
 * smaller; fewer chunks may be returned), like `torch.chunk`.
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  const op = 'chunk';
  if (!Number.isInteger(chunks) || chunks <= 0) {
    throw new ArgumentError(`${op}: chunks must be a positive integer (got ${chunks})`);
  }
  const a = normAxis(axis, x.ndim, op);
  const n = x.shape[a]!;
  if (n === 0) return Array.from({ length: chunks }, () => narrow(x, a, 0, 0));
  return split(x, Math.ceil(n / chunks), a);
}

/** The slices along `axis` as a list of views with that dim removed (like `torch.unbind`). */
export function unbind(x: Tensor, axis = 0): Tensor[] {
  const a = normAxis(axis, x.ndim, 'unbind');
  return Array.from({ length: x.shape[a]! }, (_, i) => select(x, a, i));
}

function checkReps(reps: readonly number[], op: string): void {
  for (const r of reps) {
    if (!Number.isInteger(r) || r < 0) {
      throw new ArgumentError(`${op}: repeats must be non-negative integers (got [${reps.join(',')}])`);
    }
  }
}

/**
 * Tiles `x` `reps[d]` times along each dim, like `torch.Tensor.repeat`: `reps`
 * may be longer than x's rank (new leading dims), never shorter.
 */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  const op = 'repeat';
  checkReps(reps, op);
  if (reps.length < x.ndim) {
    throw new ArgumentError(
      `${op}: number of repeats (${reps.length}) cannot be smaller than the number of dims of ${fmtShape(x.shape)} (${x.ndim})`,
    );
  }
  const shape = [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape];
  const inter: number[] = [];
  const expanded: number[] = [];
  shape.forEach((d, i) => {
    inter.push(1, d);
    expanded.push(reps[i]!, d);
  });
  const y = expand(reshape(x, inter), expanded);
  return reshape(
    y,
    shape.map((d, i) => d * reps[i]!),
  );
}

/**
 * Tiles `x` like `numpy.tile`/`torch.tile`: when `reps` is shorter than x's rank
 * it is padded with leading 1s; when longer, x gains leading dims.
 */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  checkReps(reps, 'tile');
  const r = reps.length < x.ndim ? [...new Array<number>(x.ndim - reps.length).fill(1), ...reps] : reps;
  return repeat(x, r);
}

/**
 * Repeats each element `repeats` times along `axis` (of the flattened tensor
 * when omitted), like `torch.repeat_interleave`. `repeats` is one count or one
 * per element along the axis.
 */
export function repeatInterleave(x: Tensor, repeats: number | IndexLike, axis?: number): Tensor {
  const op = 'repeatInterleave';
  const xx = axis === undefined ? reshape(x, [x.size]) : x;
  const a = normAxis(axis ?? 0, xx.ndim, op);
  const n = xx.shape[a]!;
  if (typeof repeats === 'number') {
    checkReps([repeats], op);
    const shape = [...xx.shape];
    shape.splice(a + 1, 0, repeats);
    const y = expand(unsqueeze(xx, a + 1), shape);
    const out = [...xx.shape];
    out[a] = n * repeats;
    return reshape(y, out);
  }
  const counts = repeats instanceof Tensor ? Array.from(repeats._contiguousData(), Number) : [...repeats];
  checkReps(counts, op);
  if (counts.length === 1) return repeatInterleave(x, counts[0]!, axis);
  if (counts.length !== n) {
    throw new ShapeError(
      `${op}: got ${counts.length} repeats for dim ${a} of ${fmtShape(xx.shape)} (size ${n})`,
    );
  }
  const idx: number[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) idx.push(i);
  });
  return indexSelect(xx, a, idx);
}

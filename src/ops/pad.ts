/**
 * Padding with PyTorch's `F.pad` conventions: `pads` lists (before, after)
 * pairs starting from the LAST dim: `[left, right, top, bottom, …]`.
 */
import { record } from '../autograd/node.js';
import { getBackend } from '../backend/index.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { contiguousStrides } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { full } from './creation.js';
import { indexSelect } from './indexing.js';
import { narrow } from './view.js';

/** Padding modes: a constant, mirror without repeating the edge, repeat the edge, or wrap around. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of `pad`. */
export interface PadOptions {
  /** How the border is filled (default 'constant'). */
  mode?: PadMode;
  /** Fill value of 'constant' mode (default 0). */
  value?: number;
}

/**
 * Pads `x` (like `torch.nn.functional.pad`). `pads` has an even length of at most
 * 2·ndim and lists `[before, after]` for the last dim, then the one before it, etc.
 * In 'constant' mode negative pads crop. 'reflect' needs pads smaller than the dim,
 * 'replicate' and 'circular' a non-empty dim. Differentiable.
 */
export function pad(x: Tensor, pads: readonly number[], opts: PadOptions = {}): Tensor {
  const op = 'pad';
  const mode = opts.mode ?? 'constant';
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new ArgumentError(
      `${op}: unknown mode '${mode}' (expected constant, reflect, replicate or circular)`,
    );
  }
  if (pads.length % 2 !== 0)
    throw new ArgumentError(`${op}: pads must have an even length (got ${pads.length})`);
  if (pads.length / 2 > x.ndim) {
    throw new ArgumentError(
      `${op}: ${pads.length} pad values (${pads.length / 2} dims) for a tensor of shape ${fmtShape(x.shape)}`,
    );
  }
  for (const p of pads) {
    if (!Number.isInteger(p))
      throw new ArgumentError(`${op}: pads must be integers (got [${pads.join(',')}])`);
  }
  // before[d], after[d] for every dim d.
  const before = new Array<number>(x.ndim).fill(0);
  const after = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    before[d] = pads[2 * i]!;
    after[d] = pads[2 * i + 1]!;
  }
  for (let d = 0; d < x.ndim; d++) {
    if (x.shape[d]! + before[d]! + after[d]! < 0) {
      throw new ShapeError(
        `${op}: pads [${pads.join(',')}] give a negative size for dim ${d} of ${fmtShape(x.shape)}`,
      );
    }
  }
  if (mode === 'constant') return padConstant(x, before, after, opts.value ?? 0);

  let y = x;
  for (let d = 0; d < x.ndim; d++) {
    const l = before[d]!;
    const r = after[d]!;
    if (l === 0 && r === 0) continue;
    const n = x.shape[d]!;
    if (l < 0 || r < 0) {
      throw new ArgumentError(
        `${op}: negative pads are only supported in constant mode (got [${pads.join(',')}])`,
      );
    }
    if (mode === 'reflect' && (l >= n || r >= n)) {
      throw new ArgumentError(
        `${op}: reflect padding (${l}, ${r}) must be smaller than dim ${d} of size ${n} (input ${fmtShape(x.shape)})`,
      );
    }
    if (n === 0) {
      throw new ArgumentError(`${op}: ${mode} padding of the empty dim ${d} of ${fmtShape(x.shape)}`);
    }
    const idx: number[] = [];
    for (let j = -l; j < n + r; j++) {
      if (mode === 'reflect') idx.push(j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j);
      else if (mode === 'replicate') idx.push(Math.min(Math.max(j, 0), n - 1));
      else idx.push(((j % n) + n) % n);
    }
    y = indexSelect(y, d, idx);
  }
  return y;
}

function padConstant(x: Tensor, before: number[], after: number[], value: number): Tensor {
  // Negative pads crop first.
  let xc = x;
  for (let d = 0; d < x.ndim; d++) {
    const l = Math.min(before[d]!, 0);
    const r = Math.min(after[d]!, 0);
    if (l < 0 || r < 0) xc = narrow(xc, d, -l, xc.shape[d]! + l + r);
  }
  const lo = before.map((p) => Math.max(p, 0));
  const shape = xc.shape.map((n, d) => n + lo[d]! + Math.max(after[d]!, 0));
  const y = full(shape, value, { dtype: x.dtype });
  const strides = contiguousStrides(shape);
  if (xc.size > 0) {
    const offset = lo.reduce((s, p, d) => s + p * strides[d]!, 0);
    getBackend().assign({ data: y._storage.data, shape: xc.shape, strides, offset }, xc._strided());
  }
  const inner = xc.shape;
  record('pad', y, [xc], ([g]) => {
    let v = g!;
    for (let d = 0; d < inner.length; d++)
      if (lo[d]! > 0 || v.shape[d] !== inner[d]) v = narrow(v, d, lo[d]!, inner[d]!);
    return [v];
  });
  return y;
}

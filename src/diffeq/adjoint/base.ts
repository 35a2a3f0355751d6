/**
 * Adjoints: how a solve is differentiated. Each adjoint runs the loop its own way and
 * returns the saved values; the swappable choices are DirectAdjoint (backprop through
 * every op), RecursiveCheckpointAdjoint (exact gradients with bounded memory),
 * BacksolveAdjoint and InterpolatedAdjoint (continuous adjoints).
 */
import { Tensor } from '../../core/tensor.js';
import { assembleRows } from '../kernels.js';
import { type Engine, KIND_STEP, type RunOutput, type SavePiece } from '../loop.js';

/** What an adjoint's solve returns. */
export interface AdjointResult {
  run: RunOutput;
  /** Saved leaves, each `[T, …]` (null when nothing is saved). */
  ys: Tensor[] | null;
  /** Save times, `[T·rows]` row-major. */
  ts: Float64Array;
  T: number;
}

/** How a solve is differentiated (Diffrax's `AbstractAdjoint`). */
export interface AbstractAdjoint {
  readonly name: string;
  /** Runs the solve and returns its saved values, differentiable in this adjoint's way. */
  solve(engine: Engine): AdjointResult;
}

/** Slot layout of the saved outputs: t0, ts…, steps…, t1. */
export interface SlotLayout {
  T: number;
  offsets: [number, number, number, number];
}

/** The layout for a finished run. */
export function slotLayout(engine: Engine, pieces: readonly SavePiece[]): SlotLayout {
  const sa = engine.p.saveat;
  const nTs = engine.p.saveTs[0]?.length ?? 0;
  let nSteps = 0;
  for (const p of pieces) if (p.kind === KIND_STEP) nSteps = Math.max(nSteps, p.slots[0]! + 1);
  const o0 = 0;
  const o1 = o0 + (sa.t0 ? 1 : 0);
  const o2 = o1 + nTs;
  const o3 = o2 + nSteps;
  const T = o3 + (sa.t1 ? 1 : 0);
  return { T, offsets: [o0, o1, o2, o3] };
}

/** Absolute slots of a piece, per row (−1 where the row saves nothing). */
export function absoluteSlots(piece: SavePiece, layout: SlotLayout): Int32Array {
  const off = layout.offsets[piece.kind]!;
  const src = piece.slots;
  const out = new Int32Array(src.length);
  for (let b = 0; b < src.length; b++) out[b] = src[b]! < 0 ? -1 : off + src[b]!;
  return out;
}

/** Assembles the saved pieces into `[T, …]` leaves (differentiable) and the times. */
export function assemble(
  engine: Engine,
  run: RunOutput,
  layout: SlotLayout = slotLayout(engine, run.pieces),
): { ys: Tensor[] | null; ts: Float64Array; T: number } {
  const rows = engine.p.rows;
  const { T } = layout;
  const ts = new Float64Array(T * rows).fill(Number.NaN);
  const slots = run.pieces.map((p) => absoluteSlots(p, layout));
  run.pieces.forEach((p, k) => {
    const s = slots[k]!;
    for (let b = 0; b < rows; b++) if (s[b]! >= 0) ts[s[b]! * rows + b] = p.times[b]!;
  });
  if (T === 0 || run.pieces.length === 0) return { ys: null, ts, T };
  const first = run.pieces[0]!.leaves;
  const ys = first.map((ref, l) =>
    assembleRows(
      run.pieces.map((p) => p.leaves[l]!),
      slots,
      T,
      rows,
      ref.shape,
      ref.dtype,
    ),
  );
  return { ys, ts, T };
}

/**
 * The cotangent of one saved piece: gathers, for each leaf `like[l]` of the piece, the rows of
 * the output gradient `gdata[l]` at the piece's absolute save slots `slots` (row b is skipped
 * when `slots[b] < 0`). Returns null when every gathered value is zero (nothing to pull back).
 */
export function pieceCotangent(
  gdata: readonly ArrayLike<number>[],
  slots: Int32Array,
  rows: number,
  like: readonly Tensor[],
): Tensor[] | null {
  let any = false;
  const cots = like.map((leaf, l) => {
    const size = leaf.size;
    const rs = size / rows;
    const d = leaf.dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
    const g = gdata[l]!;
    for (let b = 0; b < rows; b++) {
      if (slots[b]! < 0) continue;
      const off = slots[b]! * size + b * rs;
      for (let i = 0; i < rs; i++) {
        const v = g[off + i]!;
        d[b * rs + i] = v;
        if (v !== 0) any = true;
      }
    }
    return Tensor._fromData(d, leaf.shape, leaf.dtype);
  });
  return any ? cots : null;
}

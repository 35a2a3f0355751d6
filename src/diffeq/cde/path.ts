/** `InterpolatedPath`: a piecewise-polynomial data path usable as a CDE control. */
import type { DType } from '../../core/dtype.js';
import { ArgumentError, fmtShape } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { add, mul, sub } from '../../ops/binary.js';
import { zeros } from '../../ops/creation.js';
import { gather } from '../../ops/indexing.js';
import { reshape, select } from '../../ops/view.js';
import type { AbstractPath } from '../path.js';
import type { PiecewiseCoefficients } from './coefficients.js';
import type { ChannelLayout } from './data.js';

/** Which interpolation built the path. */
export type InterpolationKind = 'linear' | 'rectilinear' | 'hermite';

/** What `InterpolatedPath` is built from (see the interpolation functions). */
export interface InterpolatedPathInit {
  kind: InterpolationKind;
  coeffs: PiecewiseCoefficients;
  /** Knot times, row-major `[batch, length]` (padding repeats the last valid knot). */
  knots: Float64Array;
  nValid: Int32Array;
  batch: number;
  length: number;
  channels: number;
  batched: boolean;
  shared: boolean;
  layout: ChannelLayout;
}

/**
 * A continuous path X: [t0, t1] → R^{batch × channels} through the (filled) data, stored as
 * cubic (or linear) pieces `a + b s + c s² + d s³`, `s = t − t_i`, whose coefficient tensors
 * are differentiable functions of the data values. Outside a sample's observation window the
 * path is constant (and its derivative 0). Implements `AbstractPath`, so it can be the
 * control of a `ControlTerm`.
 */
export class InterpolatedPath implements AbstractPath {
  readonly kind: InterpolationKind;
  readonly t0: number;
  readonly t1: number;
  /** `[batch, channels]`, or `[channels]` for unbatched data. */
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Channel positions of time, data and observation counts. */
  readonly layout: ChannelLayout;
  /** Piece coefficients, each `[batch, length − 1, channels]`. */
  readonly coeffs: PiecewiseCoefficients;
  /** Knot times, row-major `[batch, length]`. */
  readonly knots: Float64Array;
  /** Valid knots per sample. */
  readonly nValid: Int32Array;
  private readonly batch: number;
  private readonly length: number;
  private readonly channels: number;
  private readonly batched: boolean;
  private readonly shared: boolean;

  constructor(init: InterpolatedPathInit) {
    this.kind = init.kind;
    this.coeffs = init.coeffs;
    this.knots = init.knots;
    this.nValid = init.nValid;
    this.batch = init.batch;
    this.length = init.length;
    this.channels = init.channels;
    this.batched = init.batched;
    this.shared = init.shared;
    this.layout = init.layout;
    this.dtype = init.coeffs.a.dtype;
    this.shape = init.batched ? [init.batch, init.channels] : [init.channels];
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let b = 0; b < init.batch; b++) {
      lo = Math.min(lo, init.knots[b * init.length]!);
      hi = Math.max(hi, init.knots[b * init.length + init.nValid[b]! - 1]!);
    }
    this.t0 = lo;
    this.t1 = hi;
  }

  /** The sorted union of all samples' knots (e.g. `jumpTs` for an adaptive controller with linear paths). */
  get grid(): Float64Array {
    const set = new Set<number>();
    for (let b = 0; b < this.batch; b++)
      for (let i = 0; i < this.nValid[b]!; i++) set.add(this.knots[b * this.length + i]!);
    return Float64Array.from([...set].sort((x, y) => x - y));
  }

  /** The coefficient tensors (what the path is differentiable through). */
  tensors(): Tensor[] {
    const { a, b, c, d } = this.coeffs;
    return [a, b, ...(c ? [c] : []), ...(d ? [d] : [])];
  }

  /**
   * The same path with its coefficient tensors replaced by `tensors` (in the order of
   * `tensors()`, with their shapes and dtype). `ReversibleAdjoint` evaluates the control
   * increments on a copy whose coefficients are fresh leaves, so that each step's VJP stops
   * at the coefficients instead of sweeping the history of the data.
   */
  withTensors(tensors: readonly Tensor[]): InterpolatedPath {
    const cur = this.tensors();
    const ok =
      tensors.length === cur.length &&
      tensors.every(
        (t, i) =>
          t instanceof Tensor &&
          t.dtype === cur[i]!.dtype &&
          t.shape.length === cur[i]!.shape.length &&
          t.shape.every((s, k) => s === cur[i]!.shape[k]),
      );
    if (!ok)
      throw new ArgumentError(
        `InterpolatedPath.withTensors: needs ${cur.length} ${this.dtype} tensors of shapes ${cur.map((t) => fmtShape(t.shape)).join(', ')} (those of tensors())`,
      );
    let k = 2;
    const c = this.coeffs.c ? tensors[k++]! : null;
    const d = this.coeffs.d ? tensors[k++]! : null;
    return new InterpolatedPath({
      kind: this.kind,
      coeffs: { a: tensors[0]!, b: tensors[1]!, c, d },
      knots: this.knots,
      nValid: this.nValid,
      batch: this.batch,
      length: this.length,
      channels: this.channels,
      batched: this.batched,
      shared: this.shared,
      layout: this.layout,
    });
  }

  /** X(tb) − X(ta) when `tb` is given, else X(ta). */
  evaluate(ta: number, tb?: number): Tensor {
    if (tb === undefined) return this.at(ta, false);
    return sub(this.at(tb, false), this.at(ta, false));
  }

  /** dX/dt at t (0 outside the observation window; the right piece's derivative at a knot). */
  derivative(t: number): Tensor {
    return this.at(t, true);
  }

  /** Per sample: the piece index, the clamped offset into it, and whether t is inside the window. */
  private locate(t: number, b: number): { i: number; s: number; inside: boolean } {
    const L = this.length;
    const nb = this.nValid[b]!;
    const K = this.knots;
    const o = b * L;
    if (nb < 2) return { i: 0, s: 0, inside: false };
    if (t <= K[o]!) return { i: 0, s: 0, inside: t === K[o]! };
    if (t >= K[o + nb - 1]!) {
      const i = nb - 2;
      return { i, s: K[o + nb - 1]! - K[o + i]!, inside: t === K[o + nb - 1]! };
    }
    let lo = 0;
    let hi = nb - 1; // K[lo] ≤ t < K[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (K[o + mid]! <= t) lo = mid;
      else hi = mid;
    }
    return { i: lo, s: t - K[o + lo]!, inside: true };
  }

  private at(t: number, deriv: boolean): Tensor {
    if (typeof t !== 'number' || Number.isNaN(t))
      throw new ArgumentError(
        `InterpolatedPath.${deriv ? 'derivative' : 'evaluate'}: t must be a number (got ${String(t)}); per-sample time tensors are not supported`,
      );
    const { a, b, c, d } = this.coeffs;
    const B = this.batch;
    const C = this.channels;
    let out: Tensor;
    if (this.shared) {
      const { i, s, inside } = this.locate(t, 0);
      if (deriv && !inside) out = zeros([B, C], { dtype: this.dtype });
      else {
        const pick = (x: Tensor) => select(x, 1, i);
        if (deriv) {
          // b + 2c s + 3d s²
          out = pick(b);
          if (c && d) out = add(out, mul(add(mul(pick(c), 2), mul(pick(d), 3 * s)), s));
        } else {
          out = pick(a);
          if (c && d) out = add(out, mul(add(pick(b), mul(add(pick(c), mul(pick(d), s)), s)), s));
          else out = add(out, mul(pick(b), s));
        }
      }
    } else {
      const idx = new Int32Array(B * C);
      const sv = new Float64Array(B);
      const inside = new Float64Array(B);
      for (let k = 0; k < B; k++) {
        const l = this.locate(t, k);
        idx.fill(l.i, k * C, (k + 1) * C);
        sv[k] = l.s;
        inside[k] = l.inside ? 1 : 0;
      }
      const index = Tensor._fromData(idx, [B, 1, C], 'int32');
      const pick = (x: Tensor) => reshape(gather(x, 1, index), [B, C]);
      const col = (v: Float64Array) =>
        Tensor._fromData(this.dtype === 'float32' ? Float32Array.from(v) : v, [B, 1], this.dtype);
      const s = col(sv);
      if (deriv) {
        out = pick(b);
        if (c && d) out = add(out, mul(add(mul(pick(c), 2), mul(mul(pick(d), s), 3)), s));
        out = mul(out, col(inside));
      } else {
        out = pick(a);
        if (c && d) out = add(out, mul(add(pick(b), mul(add(pick(c), mul(pick(d), s)), s)), s));
        else out = add(out, mul(pick(b), s));
      }
    }
    return this.batched ? out : reshape(out, [C]);
  }
}

/**
 * Input handling of the CDE interpolations: validates values and observation times, finds
 * the missing (NaN) entries, appends the observation-time and observation-count channels
 * and forward-fills when asked. Everything here is bookkeeping on raw arrays; the values
 * themselves stay tensors so that the coefficients remain differentiable.
 */
import { allocArray } from '../../core/dtype.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { where } from '../../ops/binary.js';
import { gather } from '../../ops/indexing.js';
import { concat } from '../../ops/join.js';
import { reshape } from '../../ops/view.js';

/**
 * Observation times: shared by every sample (`[length]`) or per sample (`[batch, length]`).
 * Per-sample rows must be strictly increasing; a row may end in NaN padding (a shorter
 * series), after which the path stays constant.
 */
export type TimesLike =
  | readonly number[]
  | Float64Array
  | Float32Array
  | Tensor
  | readonly (readonly number[] | Float64Array)[];

/** How missing (NaN) values are filled within each channel. */
export type FillMethod = 'linear' | 'forward';

/** Options shared by the interpolations. */
export interface InterpolationOptions {
  /** Observation times (default `0, 1, …, length − 1`), shared `[length]` or per sample `[batch, length]`. */
  times?: TimesLike;
  /**
   * How a channel's missing values are filled:
   * - `'linear'` (default for linear and Hermite): the channel is interpolated between its own
   *   observed points only (Diffrax/torchcde behaviour), so a gap is bridged by the piece
   *   between the observations on either side of it;
   * - `'forward'` (default, and the causal choice, for rectilinear): the last observation is
   *   carried forward onto the grid before interpolating.
   * In both, values before a channel's first observation equal that observation (or
   * `replaceNansAtStart`) and values after its last observation equal the last one.
   */
  fill?: FillMethod;
  /**
   * Value assumed at the first time for channels whose first value is missing (Diffrax's
   * `replace_nans_at_start`). Without it the first observation is carried backwards, which
   * makes the start of the path depend on a later observation.
   */
  replaceNansAtStart?: number;
  /** Prepend the observation time as channel 0 (strongly recommended for neural CDEs; default false). */
  timeChannel?: boolean;
  /**
   * Append, for every data channel, the cumulative number of its observations so far
   * (NCDE paper §3.5: makes informative missingness visible to the model; default false).
   */
  countChannels?: boolean;
}

/** Where each kind of channel sits in the path's channel axis. */
export interface ChannelLayout {
  /** Index of the time channel, or null. */
  time: number | null;
  /** First data channel and number of data channels. */
  dataStart: number;
  dataChannels: number;
  /** First count channel (one per data channel), or null. */
  countStart: number | null;
  /** Total number of channels. */
  channels: number;
}

/** Validated and augmented data, ready for the coefficient computation. */
export interface PreparedData {
  /** Whether the input had a batch axis. */
  batched: boolean;
  batch: number;
  length: number;
  /** Channels after augmentation. */
  channels: number;
  layout: ChannelLayout;
  /** `[batch, length, channels]` values (unobserved entries hold arbitrary finite values). */
  values: Tensor;
  /** Observation mask, row-major `[batch, length, channels]`. */
  observed: Uint8Array;
  /** Knot times, row-major `[batch, length]`; padding repeats the last valid time. */
  times: Float64Array;
  /** Number of valid knots per sample. */
  nValid: Int32Array;
  /** Whether every sample has the same knots (all valid). */
  shared: boolean;
}

function timesRows(op: string, times: TimesLike | undefined, batch: number, length: number): Float64Array[] {
  if (times === undefined) {
    const row = Float64Array.from({ length }, (_, i) => i);
    return [row];
  }
  let rows: Float64Array[];
  if (times instanceof Tensor) {
    const d = times._contiguousData();
    if (times.ndim === 1) rows = [Float64Array.from(d)];
    else if (times.ndim === 2)
      rows = Array.from({ length: times.shape[0]! }, (_, b) =>
        Float64Array.from(d.subarray(b * times.shape[1]!, (b + 1) * times.shape[1]!)),
      );
    else
      throw new ShapeError(`${op}: times must be [length] or [batch, length] (got ${fmtShape(times.shape)})`);
  } else if (times.length > 0 && typeof times[0] !== 'number') {
    rows = (times as readonly (readonly number[] | Float64Array)[]).map((r) => Float64Array.from(r));
  } else rows = [Float64Array.from(times as readonly number[])];
  for (const r of rows)
    if (r.length !== length)
      throw new ShapeError(`${op}: times have length ${r.length} but the values have length ${length}`);
  if (rows.length !== 1 && rows.length !== batch)
    throw new ShapeError(
      `${op}: per-sample times have ${rows.length} rows but the values have batch ${batch} (times must be [length] or [batch, length])`,
    );
  return rows;
}

/** Number of valid (non-NaN prefix) times of a row, checking monotonicity. */
function validPrefix(op: string, row: Float64Array, b: number, shared: boolean): number {
  let n = 0;
  while (n < row.length && !Number.isNaN(row[n]!)) n++;
  for (let i = n; i < row.length; i++)
    if (!Number.isNaN(row[i]!))
      throw new ArgumentError(
        `${op}: times of sample ${b} have a NaN at position ${n} followed by a number at ${i}; NaN times are only allowed as trailing padding`,
      );
  if (shared && n !== row.length) throw new ArgumentError(`${op}: shared times must not contain NaN`);
  if (n === 0) throw new ArgumentError(`${op}: sample ${b} has no valid observation time`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(row[i]!))
      throw new ArgumentError(`${op}: times must be finite (sample ${b}, position ${i}: ${row[i]})`);
    if (i > 0 && !(row[i]! > row[i - 1]!))
      throw new ArgumentError(
        `${op}: times must be strictly increasing (sample ${b}: t[${i - 1}] = ${row[i - 1]}, t[${i}] = ${row[i]})`,
      );
  }
  return n;
}

/** Validates the input and builds the augmented values, mask and knots. */
export function prepareData(
  op: string,
  values: Tensor,
  opts: InterpolationOptions,
  force: { timeChannel?: boolean } = {},
): PreparedData {
  if (!(values instanceof Tensor)) throw new ArgumentError(`${op}: values must be a Tensor`);
  if (values.dtype !== 'float32' && values.dtype !== 'float64')
    throw new DTypeError(`${op}: values must be float32 or float64 (got ${values.dtype})`);
  if (values.ndim !== 2 && values.ndim !== 3)
    throw new ShapeError(
      `${op}: values must be [length, channels] or [batch, length, channels] (got ${fmtShape(values.shape)})`,
    );
  const batched = values.ndim === 3;
  const x = batched ? values : reshape(values, [1, ...values.shape]);
  const [B, L, C] = x.shape as [number, number, number];
  if (L < 2)
    throw new ShapeError(`${op}: at least 2 time points are needed (got values ${fmtShape(values.shape)})`);
  if (C < 1)
    throw new ShapeError(`${op}: at least 1 channel is needed (got values ${fmtShape(values.shape)})`);
  const fill = opts.fill;
  if (fill !== undefined && fill !== 'linear' && fill !== 'forward')
    throw new ArgumentError(`${op}: fill must be 'linear' or 'forward' (got ${String(fill)})`);
  const r0 = opts.replaceNansAtStart;
  if (r0 !== undefined && !Number.isFinite(r0))
    throw new ArgumentError(`${op}: replaceNansAtStart must be a finite number (got ${r0})`);

  const rows = timesRows(op, opts.times, B, L);
  if (!batched && rows.length !== 1)
    throw new ShapeError(`${op}: per-sample times need batched values [batch, length, channels]`);
  const times = new Float64Array(B * L);
  const nValid = new Int32Array(B);
  const sharedRow = rows.length === 1;
  for (let b = 0; b < B; b++) {
    const row = rows[sharedRow ? 0 : b]!;
    const n = sharedRow && b > 0 ? nValid[0]! : validPrefix(op, row, b, false);
    nValid[b] = n;
    for (let i = 0; i < L; i++) times[b * L + i] = i < n ? row[i]! : row[n - 1]!;
  }
  const shared = sharedRow && nValid[0] === L;

  // Data mask (NaN = missing); ±Inf is an error.
  const raw = x._contiguousData();
  const dataObs = new Uint8Array(B * L * C);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < L; i++)
      for (let c = 0; c < C; c++) {
        const k = (b * L + i) * C + c;
        const v = raw[k]!;
        if (Number.isNaN(v)) continue;
        if (!Number.isFinite(v))
          throw new ArgumentError(
            `${op}: values must be finite or NaN (missing); got ${v} at [${batched ? `${b}, ` : ''}${i}, ${c}]`,
          );
        if (i < nValid[b]!) dataObs[k] = 1;
      }

  const useTime = (opts.timeChannel ?? false) || (force.timeChannel ?? false);
  const useCount = opts.countChannels ?? false;
  const Ct = (useTime ? 1 : 0) + C + (useCount ? C : 0);
  const layout: ChannelLayout = {
    time: useTime ? 0 : null,
    dataStart: useTime ? 1 : 0,
    dataChannels: C,
    countStart: useCount ? (useTime ? 1 : 0) + C : null,
    channels: Ct,
  };

  // Replacement constants for unobserved data entries (0, or replaceNansAtStart at i = 0).
  const maskT = Tensor._fromData(Uint8Array.from(dataObs), [B, L, C], 'bool');
  const fillConst = allocArray(x.dtype, B * L * C);
  if (r0 !== undefined)
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++) {
        const k = b * L * C + c;
        if (!dataObs[k]) {
          dataObs[k] = 1;
          fillConst[k] = r0;
        }
      }
  let data = where(maskT, x, Tensor._fromData(fillConst, [B, L, C], x.dtype));

  const parts: Tensor[] = [];
  if (useTime) parts.push(Tensor._fromData(allocFrom(x.dtype, times), [B, L, 1], x.dtype));
  parts.push(data);
  if (useCount) {
    const counts = allocArray(x.dtype, B * L * C);
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++) {
        let n = 0;
        for (let i = 0; i < L; i++) {
          const k = (b * L + i) * C + c;
          // replaceNansAtStart is an assumption, not an observation: count real ones only.
          if (dataObs[k] && !Number.isNaN(raw[k]!)) n++;
          counts[k] = n;
        }
      }
    parts.push(Tensor._fromData(counts, [B, L, C], x.dtype));
  }
  data = parts.length === 1 ? data : concat(parts, -1);

  const observed = new Uint8Array(B * L * Ct);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < nValid[b]!; i++) {
      const row = (b * L + i) * Ct;
      if (useTime) observed[row] = 1;
      for (let c = 0; c < C; c++) observed[row + layout.dataStart + c] = dataObs[(b * L + i) * C + c]!;
      if (useCount) for (let c = 0; c < C; c++) observed[row + layout.countStart! + c] = 1;
    }
  return {
    batched,
    batch: B,
    length: L,
    channels: Ct,
    layout,
    values: data,
    observed,
    times,
    nValid,
    shared,
  };
}

function allocFrom(dtype: 'float32' | 'float64' | string, src: Float64Array): Float32Array | Float64Array {
  return dtype === 'float32' ? Float32Array.from(src) : Float64Array.from(src);
}

/**
 * Last-observation-carried-forward within each channel (values before a channel's first
 * observation take that observation, a channel never observed stays at its fill value);
 * returns the filled values and an all-valid mask. Differentiable (a gather).
 */
export function forwardFill(p: PreparedData): PreparedData {
  const { batch: B, length: L, channels: C, observed, nValid } = p;
  const idx = new Int32Array(B * L * C);
  const obs = new Uint8Array(B * L * C);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      let first = -1;
      for (let i = 0; i < nValid[b]!; i++)
        if (observed[(b * L + i) * C + c]) {
          first = i;
          break;
        }
      let last = Math.max(first, 0);
      for (let i = 0; i < L; i++) {
        const k = (b * L + i) * C + c;
        if (i < nValid[b]! && observed[k]) last = i;
        idx[k] = last;
        if (i < nValid[b]!) obs[k] = 1;
      }
    }
  const values = gather(p.values, 1, Tensor._fromData(idx, [B, L, C], 'int32'));
  return { ...p, values, observed: obs };
}

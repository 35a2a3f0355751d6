/**
 * Interpolations of irregular, partially observed time series into continuous control paths
 * for neural CDEs (torchcde / Diffrax: `linear_interpolation`, `rectilinear_interpolation`,
 * `backward_hermite_coefficients`). Values are `[batch, length, channels]` (or
 * `[length, channels]`), NaN marking a missing entry; times are shared or per sample.
 */
import { Tensor } from '../../core/tensor.js';
import { gather } from '../../ops/indexing.js';
import { pieceCoefficients } from './coefficients.js';
import { forwardFill, type InterpolationOptions, type PreparedData, prepareData } from './data.js';
import { InterpolatedPath } from './path.js';

function build(p: PreparedData, kind: 'linear' | 'hermite', fill: 'linear' | 'forward'): InterpolatedPath {
  const q = fill === 'forward' ? forwardFill(p) : p;
  return new InterpolatedPath({
    kind,
    coeffs: pieceCoefficients(q, kind),
    knots: q.times,
    nValid: q.nValid,
    batch: q.batch,
    length: q.length,
    channels: q.channels,
    batched: q.batched,
    shared: q.shared,
    layout: q.layout,
  });
}

/**
 * Piecewise-linear interpolation through the observations. Continuous but with kinks at the
 * knots: pass `path.grid` as `jumpTs` to an adaptive controller, or use fixed steps.
 *
 * @example
 * const path = linearInterpolation(values, { times, timeChannel: true });
 * path.evaluate(0.5);      // [batch, channels]
 */
export function linearInterpolation(values: Tensor, opts: InterpolationOptions = {}): InterpolatedPath {
  const p = prepareData('linearInterpolation', values, opts);
  return build(p, 'linear', opts.fill ?? 'linear');
}

/**
 * Hermite cubic spline with backward differences (Morrill et al. 2021; Diffrax's
 * `backward_hermite_coefficients`, torchcde's `hermite_cubic_coefficients_with_backward_differences`):
 * C¹, interpolates the observations, and causal — the piece between two consecutive
 * observations of a channel depends only on them and the observation before. The
 * recommended default for neural CDEs.
 *
 * @example
 * const path = hermiteCubicBackwardDifferences(values, { times, timeChannel: true, countChannels: true });
 * const dXdt = path.derivative(1.3);
 */
export function hermiteCubicBackwardDifferences(
  values: Tensor,
  opts: InterpolationOptions = {},
): InterpolatedPath {
  const p = prepareData('hermiteCubicBackwardDifferences', values, opts);
  return build(p, 'hermite', opts.fill ?? 'linear');
}

/**
 * Rectilinear interpolation (Morrill et al. 2021): between observations i and i + 1 first the
 * time channel advances with the data held at x_i, then the data moves to x_{i+1} with time
 * held. The path is therefore parameterised by `u ∈ [0, 2(length − 1)]`, observation i being
 * reached at `u = 2i` (`timeChannel` is always on: channel 0 carries the real time). Causal
 * with forward fill (the default); with per-sample padding a sample ends at `u = 2(n − 1)`.
 *
 * @example
 * const path = rectilinearInterpolation(values, { times });
 * const term = new ControlTerm(g, path);   // integrate over [path.t0, path.t1] = [0, 2(L − 1)]
 */
export function rectilinearInterpolation(values: Tensor, opts: InterpolationOptions = {}): InterpolatedPath {
  const p0 = prepareData('rectilinearInterpolation', values, opts, { timeChannel: true });
  const p = (opts.fill ?? 'forward') === 'forward' ? forwardFill(p0) : fillLinearOnGrid(p0);
  const { batch: B, length: L, channels: C } = p;
  const L2 = 2 * L - 1;
  const idx = new Int32Array(B * L2 * C);
  const knots = new Float64Array(B * L2);
  const nValid = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const n2 = 2 * p.nValid[b]! - 1;
    nValid[b] = n2;
    for (let k = 0; k < L2; k++) {
      const kk = Math.min(k, n2 - 1);
      knots[b * L2 + k] = kk;
      for (let c = 0; c < C; c++) {
        // time advances first (knot 2i+1 has t_{i+1}), data second (knot 2i+2 has x_{i+1}).
        const src = c === p.layout.time ? Math.ceil(kk / 2) : Math.floor(kk / 2);
        idx[(b * L2 + k) * C + c] = src;
      }
    }
  }
  const expanded = gather(p.values, 1, Tensor._fromData(idx, [B, L2, C], 'int32'));
  const q: PreparedData = {
    ...p,
    length: L2,
    values: expanded,
    observed: new Uint8Array(B * L2 * C).fill(1),
    times: knots,
    nValid,
  };
  const coeffs = pieceCoefficients(q, 'linear');
  return new InterpolatedPath({
    kind: 'rectilinear',
    coeffs,
    knots,
    nValid,
    batch: B,
    length: L2,
    channels: C,
    batched: p.batched,
    shared: p.nValid.every((v) => v === L),
    layout: p.layout,
  });
}

/** Linear fill of the missing grid values (each channel between its own observations). */
function fillLinearOnGrid(p: PreparedData): PreparedData {
  // Evaluate the per-channel linear interpolant at the grid knots: a piece's `a` is its
  // value at the left knot; the last knot takes the last piece's right end.
  const lin = pieceCoefficients(p, 'linear');
  const { batch: B, length: L, channels: C } = p;
  const M = L - 1;
  const idx = new Int32Array(B * L * C);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < L; i++) idx.fill(Math.min(i, M - 1), (b * L + i) * C, (b * L + i + 1) * C);
  const left = gather(lin.a, 1, Tensor._fromData(idx, [B, L, C], 'int32'));
  // The last grid value: a + b·Δ of the last piece; only differs from `left` at i = L − 1.
  const dt = new Float64Array(B * L * C);
  for (let b = 0; b < B; b++)
    dt.fill(p.times[b * L + L - 1]! - p.times[b * L + L - 2]!, (b * L + L - 1) * C, (b * L + L) * C);
  const slope = gather(lin.b, 1, Tensor._fromData(idx, [B, L, C], 'int32'));
  const dtT = Tensor._fromData(
    p.values.dtype === 'float32' ? Float32Array.from(dt) : dt,
    [B, L, C],
    p.values.dtype,
  );
  const values = left.add(slope.mul(dtT));
  const observed = new Uint8Array(B * L * C);
  for (let b = 0; b < B; b++) observed.fill(1, b * L * C, (b * L + p.nValid[b]!) * C);
  return { ...p, values, observed };
}

/**
 * Piecewise-polynomial coefficients of the CDE interpolations, as differentiable tensor ops.
 *
 * Each channel is interpolated through its own observed points only. On the grid interval
 * `[t_i, t_{i+1}]` the piece comes from the channel's observed knots `t_p ≤ t_i < t_{i+1} ≤ t_q`
 * (consecutive observations of that channel), re-expanded around `t_i`:
 *   - linear: `x_p + (t − t_p)·(x_q − x_p)/(t_q − t_p)`;
 *   - Hermite cubic with backward differences (Diffrax's `backward_hermite_coefficients`):
 *     on `[t_p, t_q]`, with `s = (x_q − x_p)/Δ` (Δ = t_q − t_p) and the left slope `d` the
 *     backward difference `(x_p − x_pp)/(t_p − t_pp)` to the previous observation
 *     (the forward difference `s` on the first piece),
 *     `P(τ) = x_p + dτ + 2(s − d)τ²/Δ − (s − d)τ³/Δ²`, so that `P(Δ) = x_q` and `P'(Δ) = s`:
 *     the next piece starts with slope `s`, hence C¹; the piece depends on `x_pp, x_p, x_q`
 *     only, hence causal (nothing after `t_q`).
 * Before a channel's first observation and after its last one the piece is constant.
 * The result is `X(t) = a_i + b_i s + c_i s² + d_i s³`, `s = t − t_i`, with coefficient
 * tensors `[batch, length − 1, channels]`.
 */
import { Tensor } from '../../core/tensor.js';
import { add, mul, sub } from '../../ops/binary.js';
import { gather } from '../../ops/indexing.js';
import type { PreparedData } from './data.js';

/** Coefficients of the pieces: `X(t) = a + b s + c s² + d s³` on each interval (c, d null when linear). */
export interface PiecewiseCoefficients {
  a: Tensor;
  b: Tensor;
  c: Tensor | null;
  d: Tensor | null;
}

/** Computes linear or backward-Hermite coefficients of prepared data. */
export function pieceCoefficients(p: PreparedData, kind: 'linear' | 'hermite'): PiecewiseCoefficients {
  const { batch: B, length: L, channels: C, observed, times, nValid } = p;
  const M = L - 1;
  const n = B * M * C;
  const P = new Int32Array(n);
  const Q = new Int32Array(n);
  const PP = new Int32Array(n);
  const invDelta = new Float64Array(n);
  const backW = new Float64Array(n); // hasPP / (t_p − t_pp)
  const fwdW = new Float64Array(n); // 1 − hasPP
  const shift = new Float64Array(n); // t_i − t_p
  const obs: number[] = [];
  for (let b = 0; b < B; b++) {
    const nb = nValid[b]!;
    const T = (i: number) => times[b * L + i]!;
    for (let c = 0; c < C; c++) {
      obs.length = 0;
      for (let i = 0; i < nb; i++) if (observed[(b * L + i) * C + c]) obs.push(i);
      let k = -1; // obs[k] = last observed index ≤ i
      for (let i = 0; i < M; i++) {
        while (k + 1 < obs.length && obs[k + 1]! <= i) k++;
        const j = (b * M + i) * C + c;
        const hasP = k >= 0;
        const hasQ = k + 1 < obs.length;
        if (hasP && hasQ) {
          const ip = obs[k]!;
          const iq = obs[k + 1]!;
          P[j] = ip;
          Q[j] = iq;
          invDelta[j] = 1 / (T(iq) - T(ip));
          shift[j] = T(i) - T(ip);
          if (k >= 1) {
            PP[j] = obs[k - 1]!;
            backW[j] = 1 / (T(ip) - T(obs[k - 1]!));
          } else {
            PP[j] = ip;
            fwdW[j] = 1;
          }
        } else {
          // Constant: before the first observation (its value), after the last one (its
          // value), or never observed (index 0, holding the fill value).
          const ic = hasP ? obs[k]! : hasQ ? obs[k + 1]! : 0;
          P[j] = ic;
          Q[j] = ic;
          PP[j] = ic;
          fwdW[j] = 1;
        }
      }
    }
  }
  const x = p.values;
  const dt = x.dtype;
  const shape = [B, M, C];
  const idx = (a: Int32Array) => Tensor._fromData(a, shape, 'int32');
  const cst = (a: Float64Array) => Tensor._fromData(dt === 'float32' ? Float32Array.from(a) : a, shape, dt);
  const xp = gather(x, 1, idx(P));
  const xq = gather(x, 1, idx(Q));
  const slope = mul(sub(xq, xp), cst(invDelta));
  const sh = cst(shift);
  if (kind === 'linear') return { a: add(xp, mul(slope, sh)), b: slope, c: null, d: null };
  const xpp = gather(x, 1, idx(PP));
  const d0 = add(mul(sub(xp, xpp), cst(backW)), mul(slope, cst(fwdW)));
  const inv = cst(invDelta);
  const diff = mul(sub(slope, d0), inv); // (s − d)/Δ
  const C2 = mul(diff, 2); // coefficient of τ²
  const D3 = mul(diff, inv).neg(); // coefficient of τ³
  // Re-expand around t_i: τ = δ + s with δ = t_i − t_p.
  const threeDsh = mul(D3, sh).mul(3);
  const c = add(C2, threeDsh);
  const b = add(d0, mul(sh, add(mul(C2, 2), threeDsh)));
  const a = add(xp, mul(sh, add(d0, mul(sh, add(C2, mul(D3, sh))))));
  return { a, b, c, d: D3 };
}

/**
 * Diagnostics of the paper: smoothness of the weights across depth (successive-layer distances),
 * distance to a deeper reference network as functions on [0, 1], the Polyak–Łojasiewicz ratio
 * along training and the smallest singular value of the feature matrix used in its proof.
 *
 * Norms follow the paper: ‖Z_k‖ := ‖V_k‖_F + ‖W_k‖_F (a sum, not a root-sum-square).
 */
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { svdvals } from '../linalg/index.js';
import { tensor } from '../ops/index.js';
import { ResNetKernel } from './kernel.js';
import type { StepInfo } from './train.js';
import type { ResNetWeights } from './weights.js';

function frobDiff(a: Float64Array, aOff: number, b: Float64Array, bOff: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) {
    const d = a[aOff + i]! - b[bOff + i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

/** ‖V_{k+1} − V_k‖_F and ‖W_{k+1} − W_k‖_F for k = 0..L−2. */
export function successiveDistances(w: ResNetWeights): { v: Float64Array; w: Float64Array } {
  const L = w.spec.depth;
  const qm = w.spec.hidden * w.spec.width;
  const dv = new Float64Array(Math.max(L - 1, 0));
  const dw = new Float64Array(Math.max(L - 1, 0));
  for (let k = 0; k + 1 < L; k++) {
    dv[k] = frobDiff(w.V, (k + 1) * qm, w.V, k * qm, qm);
    dw[k] = frobDiff(w.W, (k + 1) * qm, w.W, k * qm, qm);
  }
  return { v: dv, w: dw };
}

/** The paper's smoothness metric at one time: max_k ‖Z_{k+1} − Z_k‖ = max_k (‖ΔV_k‖_F + ‖ΔW_k‖_F). */
export function maxSuccessiveDistance(w: ResNetWeights): number {
  const { v, w: ww } = successiveDistances(w);
  let m = 0;
  for (let k = 0; k < v.length; k++) m = Math.max(m, v[k]! + ww[k]!);
  return m;
}

/**
 * Accumulates the successive-layer distances over training times:
 * - {@link paperMax}: max over recorded times t and layers k of ‖Z_{k+1}(t) − Z_k(t)‖ (Fig. 1
 *   left's caption and Prop. 3; O(1/L));
 * - {@link codeRss}: the authors' code, max(√(Σ_t Σ_k ‖ΔV_k(t)‖²_F), √(Σ_t Σ_k ‖ΔW_k(t)‖²_F)), a
 *   root-sum-square over layers and times that scales as L^{−1/2}.
 */
export class SuccessiveDistanceTracker {
  /** max_{t,k} (‖ΔV_k(t)‖ + ‖ΔW_k(t)‖). */
  paperMax = 0;
  /** Σ_t Σ_k ‖ΔV_k(t)‖². */
  sumSqV = 0;
  /** Σ_t Σ_k ‖ΔW_k(t)‖². */
  sumSqW = 0;
  /** Number of recorded times. */
  count = 0;

  /** Records the weights at one time; returns the paper metric at that time. */
  record(w: ResNetWeights): number {
    const { v, w: ww } = successiveDistances(w);
    let m = 0;
    for (let k = 0; k < v.length; k++) {
      m = Math.max(m, v[k]! + ww[k]!);
      this.sumSqV += v[k]! * v[k]!;
      this.sumSqW += ww[k]! * ww[k]!;
    }
    this.paperMax = Math.max(this.paperMax, m);
    this.count++;
    return m;
  }

  /** The code's root-sum-square metric. */
  get codeRss(): number {
    return Math.max(Math.sqrt(this.sumSqV), Math.sqrt(this.sumSqW));
  }
}

/**
 * How a depth-L network is compared with a depth-L_ref reference as functions of s ∈ [0, 1]:
 * - `'sampled'` (the authors' code): layer i against reference layer ⌊i·L_ref/L⌋, norm
 *   √(mean_i ‖·‖²) — both evaluated at s = i/L;
 * - `'integral'` (the paper's 𝒵^L(s) = Z_{⌊(L−1)s⌋+1}, piecewise constant): the exact
 *   (∫₀¹ ‖𝒵^L(s) − 𝒵^ref(s)‖² ds)^{1/2}.
 */
export type ReferenceDistanceMode = 'sampled' | 'integral';

/** Distances of V, W and Z = (V, W) (with ‖Z‖ = ‖V‖_F + ‖W‖_F pointwise) to the reference. */
export interface ReferenceDistance {
  v: number;
  w: number;
  z: number;
}

/** The L²-in-depth distance of a network's weights to a (deeper) reference network's. */
export function distanceToReference(
  net: ResNetWeights,
  ref: ResNetWeights,
  mode: ReferenceDistanceMode = 'sampled',
): ReferenceDistance {
  const a = net.spec;
  const b = ref.spec;
  if (a.hidden !== b.hidden || a.width !== b.width)
    throw new ShapeError(
      `distanceToReference: layer shapes (q, m) = ${fmtShape([a.hidden, a.width])} and ${fmtShape([b.hidden, b.width])} differ`,
    );
  if (mode !== 'sampled' && mode !== 'integral')
    throw new ArgumentError(`distanceToReference: mode must be 'sampled' or 'integral' (got '${mode}')`);
  const qm = a.hidden * a.width;
  const L = a.depth;
  const R = b.depth;
  let sv = 0;
  let sw = 0;
  let sz = 0;
  const add = (i: number, j: number, weight: number) => {
    const dv = frobDiff(net.V, i * qm, ref.V, j * qm, qm);
    const dw = frobDiff(net.W, i * qm, ref.W, j * qm, qm);
    sv += weight * dv * dv;
    sw += weight * dw * dw;
    sz += weight * (dv + dw) ** 2;
  };
  if (mode === 'sampled') {
    for (let i = 0; i < L; i++) add(i, Math.floor((i * R) / L), 1 / L);
  } else {
    // 𝒵^N(s) = Z_{⌊(N−1)s⌋+1}: piece k (0-based) covers [k/(N−1), (k+1)/(N−1)).
    const idx = (N: number, x: number) => (N === 1 ? 0 : Math.min(N - 1, Math.floor((N - 1) * x)));
    const cuts = (N: number) => (N === 1 ? [0, 1] : Array.from({ length: N }, (_, k) => k / (N - 1)));
    const all = [...cuts(L), ...cuts(R)].sort((x, y) => x - y);
    for (let c = 0; c + 1 < all.length; c++) {
      const lo = all[c]!;
      const hi = all[c + 1]!;
      if (hi <= lo) continue;
      const mid = 0.5 * (lo + hi);
      add(idx(L, mid), idx(R, mid), hi - lo);
    }
  }
  return { v: Math.sqrt(sv), w: Math.sqrt(sw), z: Math.sqrt(sz) };
}

/**
 * The Polyak–Łojasiewicz ratio (‖∂ℓ/∂A‖² + L Σ_k ‖∂ℓ/∂Z_k‖² + ‖∂ℓ/∂B‖²) / ℓ of Definition 1, with
 * ‖∂ℓ/∂Z_k‖² = ‖∂ℓ/∂V_k‖²_F + ‖∂ℓ/∂W_k‖²_F. The A and B terms are included only when asked
 * (they are when A and B are trained; the paper's experiments fix them). Under gradient flow,
 * dℓ/dt = −(this ratio)·ℓ, so it is the instantaneous linear rate.
 */
export function plRatio(
  info: StepInfo,
  depth: number,
  opts: { includeA?: boolean; includeB?: boolean } = {},
): number {
  const g = info.gradSq;
  const num = (opts.includeA ? g.A : 0) + depth * (g.V + g.W) + (opts.includeB ? g.B : 0);
  return num / info.loss;
}

/**
 * The smallest singular value of the feature matrix σ(c_q H_k W_kᵀ) (`[n, m]`) of every layer k,
 * on the inputs `X` — the quantity bounded below in the proof of Proposition 5
 * (σ_min(σ(WX)) ≥ ¼√m η_r(σ) when m ≳ n). With m < n the smallest of the m singular values.
 */
export function featureSingularValues(w: ResNetWeights, X: Float64Array): Float64Array {
  const { depth: L, inputDim: d, width: m } = w.spec;
  if (X.length % d !== 0)
    throw new ShapeError(`featureSingularValues: X has ${X.length} entries, not a multiple of d = ${d}`);
  const n = X.length / d;
  const kernel = new ResNetKernel(w.spec, n);
  kernel.forward(w, X);
  const all = new Float64Array(L * n * m);
  for (let k = 0; k < L; k++) all.set(kernel.activations(k), k * n * m);
  const s = svdvals(tensor(all, { dtype: 'float64', shape: [L, n, m] }))._contiguousData() as Float64Array;
  const r = Math.min(n, m);
  const out = new Float64Array(L);
  for (let k = 0; k < L; k++) {
    let mn = Number.POSITIVE_INFINITY;
    for (let i = 0; i < r; i++) mn = Math.min(mn, s[k * r + i]!);
    out[k] = mn;
  }
  return out;
}

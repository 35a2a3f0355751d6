/**
 * The parameters of the residual MLP as flat float64 arrays, and the paper's initialisations:
 * weight-tied (a discretisation of the ODE dH/ds = 0), smooth (weights sampled from Lipschitz
 * functions of depth, e.g. a Gaussian process with a squared-exponential kernel) and i.i.d.
 * (the control).
 *
 * Layout (row-major): `A` is `[q, d]`, `B` is `[d′, q]`, `V` is `[L, q, m]` (layer k at offset
 * `k·q·m`), `W` is `[L, m, q]`. Layer index k = 0..L−1 here is layer k+1 of the paper.
 */
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { eigh } from '../linalg/index.js';
import { tensor } from '../ops/index.js';
import { type PRNGKey, randn, splitKey } from '../random/index.js';
import { type ResNetSpec, type ResNetSpecInput, resolveSpec } from './config.js';

/** The weights of one residual MLP (flat float64 arrays) with its spec. */
export interface ResNetWeights {
  readonly spec: ResNetSpec;
  /** `[q, d]`. */
  A: Float64Array;
  /** `[d′, q]`. */
  B: Float64Array;
  /** `[L, q, m]`. */
  V: Float64Array;
  /** `[L, m, q]`. */
  W: Float64Array;
}

/** Continuous weight functions 𝒱(s) (`[q, m]`) and 𝒲(s) (`[m, q]`) on s ∈ [0, 1]. */
export interface WeightFunctions {
  V(s: number): Float64Array;
  W(s: number): Float64Array;
}

/**
 * Where layer k (0-based, paper's layer k+1) samples a weight function: `'right'` is the paper's
 * `Z_{k+1} = 𝒵((k+1)/L)` (Prop. 2); `'left'` is `𝒵(k/L)`, the explicit-Euler point of the step
 * from h_k. Both give an O(1/L) forward error.
 */
export type LayerGrid = 'right' | 'left';

/**
 * Initialisation of the residual weights:
 * - `tied` (the paper's): V_k = 0 and every W_k equal to one N(0,1) matrix (pass `W0` to share
 *   it across depths);
 * - `gp`: every entry of W (and of V when `vStd > 0`) an independent zero-mean Gaussian process
 *   in s with kernel exp(−(s−s′)²/(2ℓ²)) (unit variance for W, `vStd²` for V), sampled exactly at
 *   the layer positions;
 * - `iid` (control): W_k i.i.d. N(0,1) across layers, V_k i.i.d. N(0, vStd²) (default 0);
 * - `functions`: V_k = 𝒱(s_k), W_k = 𝒲(s_k) for given Lipschitz functions.
 */
export type ResNetInit =
  | { kind: 'tied'; W0?: Float64Array }
  | { kind: 'gp'; lengthScale: number; vStd?: number }
  | { kind: 'iid'; vStd?: number }
  | { kind: 'functions'; fns: WeightFunctions; grid?: LayerGrid };

/** Options of {@link initWeights}. */
export interface InitOptions {
  init: ResNetInit;
  /** Required unless the init draws nothing (`functions`, or `tied` with `W0`). */
  key?: PRNGKey;
}

/** `A = [I_d; 0]` (`[q, d]`), the paper's input embedding. */
export function embeddingA(hidden: number, inputDim: number): Float64Array {
  if (hidden < inputDim)
    throw new ArgumentError(`embeddingA: hidden (${hidden}) must be ≥ inputDim (${inputDim})`);
  const A = new Float64Array(hidden * inputDim);
  for (let i = 0; i < inputDim; i++) A[i * inputDim + i] = 1;
  return A;
}

/** `B = [0, I_{d′}]` (`[d′, q]`), the paper's output projection (the last d′ coordinates). */
export function projectionB(outputDim: number, hidden: number): Float64Array {
  if (hidden < outputDim)
    throw new ArgumentError(`projectionB: hidden (${hidden}) must be ≥ outputDim (${outputDim})`);
  const B = new Float64Array(outputDim * hidden);
  for (let i = 0; i < outputDim; i++) B[i * hidden + (hidden - outputDim + i)] = 1;
  return B;
}

/** Positions s_k ∈ [0, 1] of the L layers on a grid. */
export function layerPositions(depth: number, grid: LayerGrid = 'right'): Float64Array {
  const s = new Float64Array(depth);
  for (let k = 0; k < depth; k++) s[k] = (grid === 'right' ? k + 1 : k) / depth;
  return s;
}

function gaussian(n: number, key: PRNGKey): Float64Array {
  return randn([n], { dtype: 'float64', key })._contiguousData() as Float64Array;
}

/**
 * Samples `count` independent zero-mean Gaussian processes with kernel exp(−(s−s′)²/(2ℓ²)) at the
 * points `s`: returns `[s.length, count]` (row k = all processes at s_k). Exact up to round-off:
 * K = U Λ Uᵀ (negative round-off eigenvalues clipped to 0) and the samples are U Λ^{1/2} ξ.
 * Cost O(N³ + N²·count) for N = s.length.
 */
export function sampleSquaredExponentialGP(
  s: Float64Array,
  lengthScale: number,
  count: number,
  key: PRNGKey,
): Float64Array {
  if (!(lengthScale > 0))
    throw new ArgumentError(`sampleSquaredExponentialGP: lengthScale must be > 0 (got ${lengthScale})`);
  const N = s.length;
  const K = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++)
      K[i * N + j] = Math.exp(-((s[i]! - s[j]!) ** 2) / (2 * lengthScale * lengthScale));
  const { eigenvalues, eigenvectors } = eigh(tensor(K, { dtype: 'float64', shape: [N, N] }));
  const lam = eigenvalues._contiguousData() as Float64Array;
  const U = eigenvectors._contiguousData() as Float64Array;
  const xi = gaussian(N * count, key);
  const out = new Float64Array(N * count);
  // out = U diag(√λ) ξ, ξ: [N, count]
  for (let j = 0; j < N; j++) {
    const r = Math.sqrt(Math.max(lam[j]!, 0));
    if (r === 0) continue;
    for (let i = 0; i < N; i++) {
      const u = U[i * N + j]! * r;
      if (u === 0) continue;
      const o = i * count;
      const x = j * count;
      for (let c = 0; c < count; c++) out[o + c] += u * xi[x + c]!;
    }
  }
  return out;
}

/** Zero weights with the paper's A and B (checks q ≥ max(d, d′)). */
export function zeroWeights(spec: ResNetSpec): ResNetWeights {
  const { depth: L, inputDim: d, hidden: q, width: m, outputDim: dout } = spec;
  return {
    spec,
    A: embeddingA(q, d),
    B: projectionB(dout, q),
    V: new Float64Array(L * q * m),
    W: new Float64Array(L * m * q),
  };
}

/**
 * Builds a network's weights: A = [I; 0], B = [0, I] and residual weights from `opts.init`.
 *
 * @example
 * ```ts
 * const w = initWeights({ depth: 64, inputDim: 16, width: 32 }, { init: { kind: 'tied' }, key: randomKey(0) });
 * ```
 */
export function initWeights(specInput: ResNetSpecInput | ResNetSpec, opts: InitOptions): ResNetWeights {
  const spec = resolveSpec(specInput, 'initWeights');
  const w = zeroWeights(spec);
  const { depth: L, hidden: q, width: m } = spec;
  const qm = q * m;
  const needKey = () => {
    if (!opts.key) throw new ArgumentError(`initWeights: init '${opts.init.kind}' needs a key`);
    return opts.key;
  };
  const init = opts.init;
  switch (init.kind) {
    case 'tied': {
      const W0 = init.W0 ?? gaussian(qm, needKey());
      if (W0.length !== qm)
        throw new ShapeError(
          `initWeights: W0 has ${W0.length} entries, expected ${fmtShape([m, q])} = ${qm}`,
        );
      for (let k = 0; k < L; k++) w.W.set(W0, k * qm);
      break;
    }
    case 'iid': {
      const [kw, kv] = splitKey(needKey(), 2);
      w.W.set(gaussian(L * qm, kw!));
      const vStd = init.vStd ?? 0;
      if (vStd > 0) {
        const g = gaussian(L * qm, kv!);
        for (let i = 0; i < g.length; i++) w.V[i] = vStd * g[i]!;
      }
      break;
    }
    case 'gp': {
      const [kw, kv] = splitKey(needKey(), 2);
      const s = layerPositions(L, 'right');
      w.W.set(sampleSquaredExponentialGP(s, init.lengthScale, qm, kw!));
      const vStd = init.vStd ?? 0;
      if (vStd > 0) {
        const g = sampleSquaredExponentialGP(s, init.lengthScale, qm, kv!);
        for (let i = 0; i < g.length; i++) w.V[i] = vStd * g[i]!;
      }
      break;
    }
    case 'functions': {
      const s = layerPositions(L, init.grid ?? 'right');
      for (let k = 0; k < L; k++) {
        const v = init.fns.V(s[k]!);
        const ww = init.fns.W(s[k]!);
        if (v.length !== qm || ww.length !== qm)
          throw new ShapeError(
            `initWeights: weight functions returned ${v.length} and ${ww.length} entries, expected V ${fmtShape([q, m])} and W ${fmtShape([m, q])}`,
          );
        w.V.set(v, k * qm);
        w.W.set(ww, k * qm);
      }
      break;
    }
    default:
      throw new ArgumentError(`initWeights: unknown init '${(init as { kind: string }).kind}'`);
  }
  return w;
}

/** A deep copy. */
export function cloneWeights(w: ResNetWeights): ResNetWeights {
  return { spec: { ...w.spec }, A: w.A.slice(), B: w.B.slice(), V: w.V.slice(), W: w.W.slice() };
}

/** Layer k's `V_k` (`[q, m]`) as a view. */
export function layerV(w: ResNetWeights, k: number): Float64Array {
  const qm = w.spec.hidden * w.spec.width;
  return w.V.subarray(k * qm, (k + 1) * qm);
}

/** Layer k's `W_k` (`[m, q]`) as a view. */
export function layerW(w: ResNetWeights, k: number): Float64Array {
  const qm = w.spec.hidden * w.spec.width;
  return w.W.subarray(k * qm, (k + 1) * qm);
}

/**
 * Smooth random weight functions: every entry is `a₀ + Σ_{r=1..modes} a_r cos(π r s) / r²`
 * with i.i.d. N(0, 1) coefficients (scaled by `vScale`/`wScale`), Lipschitz with a constant
 * independent of the grid. Useful for Proposition 2 (Euler consistency).
 */
export function randomSmoothFunctions(
  dims: { hidden: number; width: number },
  opts: { key: PRNGKey; modes?: number; vScale?: number; wScale?: number },
): WeightFunctions {
  const { hidden: q, width: m } = dims;
  const R = opts.modes ?? 3;
  const qm = q * m;
  const [kv, kw] = splitKey(opts.key, 2);
  const cv = gaussian(qm * (R + 1), kv!);
  const cw = gaussian(qm * (R + 1), kw!);
  const vs = opts.vScale ?? 1;
  const ws = opts.wScale ?? 1;
  const evalFn = (c: Float64Array, scale: number, s: number) => {
    const out = new Float64Array(qm);
    for (let r = 0; r <= R; r++) {
      const basis = (r === 0 ? 1 : Math.cos(Math.PI * r * s) / (r * r)) * scale;
      const o = r * qm;
      for (let i = 0; i < qm; i++) out[i] += basis * c[o + i]!;
    }
    return out;
  };
  return { V: (s) => evalFn(cv, vs, s), W: (s) => evalFn(cw, ws, s) };
}

/**
 * The piecewise-linear interpolation of a network's weights as functions of s, with layer k at
 * its grid position (constant beyond the first/last positions). Lets a (trained) network be
 * compared with the neural ODE driven by its own weights.
 */
export function interpolateWeights(w: ResNetWeights, grid: LayerGrid = 'right'): WeightFunctions {
  const L = w.spec.depth;
  const qm = w.spec.hidden * w.spec.width;
  const s = layerPositions(L, grid);
  const at = (arr: Float64Array, t: number) => {
    const out = new Float64Array(qm);
    if (L === 1 || t <= s[0]!) {
      out.set(arr.subarray(0, qm));
      return out;
    }
    if (t >= s[L - 1]!) {
      out.set(arr.subarray((L - 1) * qm, L * qm));
      return out;
    }
    let k = Math.min(L - 2, Math.max(0, Math.floor((t - s[0]!) * L)));
    while (k < L - 2 && t > s[k + 1]!) k++;
    while (k > 0 && t < s[k]!) k--;
    const lam = (t - s[k]!) / (s[k + 1]! - s[k]!);
    for (let i = 0; i < qm; i++) out[i] = (1 - lam) * arr[k * qm + i]! + lam * arr[(k + 1) * qm + i]!;
    return out;
  };
  return { V: (t) => at(w.V, t), W: (t) => at(w.W, t) };
}

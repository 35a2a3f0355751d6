/**
 * Hand-written forward and backward passes of the residual MLP on float64 arrays.
 *
 * A deep stack of small matrices (e.g. L = 1024 layers of 100×16 · 16×32 products) is dominated
 * by per-op overhead when every product is an autograd node; here each layer is two GEMMs
 * forward and three backward through the engine's backend kernels (native BLAS/SIMD when
 * available), plus a few typed-array loops, with all buffers allocated once per (spec, n).
 *
 * The backward pass is the paper's adjoint recursion (App. A), in row form for a batch H `[n, q]`:
 *
 * ```text
 * Zp_k = c_q H_k W_kᵀ,   G_k = σ(Zp_k),   H_{k+1} = H_k + (c_m/L) G_k V_kᵀ
 * P_L  = ∂ℓ/∂H_L = 2c (F − Y) B,         ∂ℓ/∂B = 2c (F − Y)ᵀ H_L
 * S    = (P_{k+1} V_k) ⊙ σ'(Zp_k)
 * ∂ℓ/∂V_k = (c_m/L) P_{k+1}ᵀ G_k,        ∂ℓ/∂W_k = (c_m c_q/L) Sᵀ H_k
 * P_k  = P_{k+1} + (c_m c_q/L) S W_k,     ∂ℓ/∂A = P_0ᵀ X
 * ```
 *
 * It agrees with autograd through {@link ResidualMLPNet} to round-off (tested in float64).
 */
import { getBackend } from '../backend/index.js';
import { fmtShape, ShapeError } from '../core/errors.js';
import { type LossNorm, lossFactor, type ResNetSpec, scalingFactors } from './config.js';
import type { ResNetWeights } from './weights.js';

/** Gradients of the loss, laid out like {@link ResNetWeights}. */
export interface ResNetGrads {
  A: Float64Array;
  B: Float64Array;
  V: Float64Array;
  W: Float64Array;
}

/** Zero gradient buffers for a spec. */
export function zeroGrads(spec: ResNetSpec): ResNetGrads {
  const { depth: L, inputDim: d, hidden: q, width: m, outputDim: dout } = spec;
  return {
    A: new Float64Array(q * d),
    B: new Float64Array(dout * q),
    V: new Float64Array(L * q * m),
    W: new Float64Array(L * m * q),
  };
}

/** Products with at most this many multiply-adds run in a TypeScript loop (no call overhead). */
const SMALL_GEMM = 2048;

/**
 * `out[M, N] = op(a)[M, K] · op(b)[K, N]` (overwrites `out`). `a` is read from `aOff` as `[M, K]`
 * (or `[K, M]` when `transA`), `b` from `bOff` as `[K, N]` (or `[N, K]` when `transB`).
 */
function gemm(
  a: Float64Array,
  aOff: number,
  transA: boolean,
  b: Float64Array,
  bOff: number,
  transB: boolean,
  out: Float64Array,
  M: number,
  N: number,
  K: number,
): void {
  if (M * N * K > SMALL_GEMM) {
    getBackend().matmul(a, b, out, {
      batch: 1,
      m: M,
      n: N,
      k: K,
      transA,
      transB,
      aOffset: aOff,
      bOffset: bOff,
      aBatchStride: 0,
      bBatchStride: 0,
    });
    return;
  }
  const ai = transA ? 1 : K; // stride of a's row index i
  const ak = transA ? M : 1; // stride of a's inner index k
  const bk = transB ? 1 : N;
  const bj = transB ? K : 1;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let pa = aOff + i * ai;
      let pb = bOff + j * bj;
      for (let k = 0; k < K; k++) {
        s += a[pa]! * b[pb]!;
        pa += ak;
        pb += bk;
      }
      out[i * N + j] = s;
    }
  }
}

const INV_SQRT_2PI = 0.3989422804014327;

/**
 * Forward/backward engine for one spec and batch size. Buffers (hidden states, pre-activations
 * and activations of every layer) are allocated once: about `8·(L+1)·n·(q + 2m)` bytes.
 */
export class ResNetKernel {
  readonly spec: ResNetSpec;
  readonly n: number;
  private readonly cm: number;
  private readonly cq: number;
  /** Hidden states H_0..H_L, `[L+1, n, q]`. */
  private readonly H: Float64Array;
  /** Pre-activations c_q H_k W_kᵀ, `[L, n, m]`. */
  private readonly Zp: Float64Array;
  /** Activations σ(Zp_k), `[L, n, m]`. */
  private readonly G: Float64Array;
  private readonly out: Float64Array;
  private readonly resid: Float64Array;
  private readonly P: Float64Array;
  private readonly Q: Float64Array;
  private readonly S: Float64Array;
  private readonly D: Float64Array;
  private readonly T: Float64Array;
  private readonly Hv: Float64Array[];
  private readonly Zv: Float64Array[];
  private readonly Gv: Float64Array[];

  constructor(spec: ResNetSpec, n: number) {
    this.spec = spec;
    this.n = n;
    const { depth: L, hidden: q, width: m, outputDim: dout } = spec;
    const { cm, cq } = scalingFactors(spec);
    this.cm = cm;
    this.cq = cq;
    this.H = new Float64Array((L + 1) * n * q);
    this.Zp = new Float64Array(L * n * m);
    this.G = new Float64Array(L * n * m);
    this.out = new Float64Array(n * dout);
    this.resid = new Float64Array(n * dout);
    this.P = new Float64Array(n * q);
    this.Q = new Float64Array(n * m);
    this.S = new Float64Array(n * m);
    this.D = new Float64Array(n * m);
    this.T = new Float64Array(Math.max(n * q, q * m));
    const nq = n * q;
    const nm = n * m;
    this.Hv = Array.from({ length: L + 1 }, (_, k) => this.H.subarray(k * nq, (k + 1) * nq));
    this.Zv = Array.from({ length: L }, (_, k) => this.Zp.subarray(k * nm, (k + 1) * nm));
    this.Gv = Array.from({ length: L }, (_, k) => this.G.subarray(k * nm, (k + 1) * nm));
  }

  private check(w: ResNetWeights, X: Float64Array, Y?: Float64Array): void {
    const s = this.spec;
    const o = w.spec;
    if (
      o.depth !== s.depth ||
      o.inputDim !== s.inputDim ||
      o.hidden !== s.hidden ||
      o.width !== s.width ||
      o.outputDim !== s.outputDim
    ) {
      throw new ShapeError(
        `ResNetKernel: weights of depth ${o.depth} and dims (d, q, m, d′) = ${fmtShape([o.inputDim, o.hidden, o.width, o.outputDim])} do not match the kernel's depth ${s.depth} and ${fmtShape([s.inputDim, s.hidden, s.width, s.outputDim])}`,
      );
    }
    if (X.length !== this.n * s.inputDim)
      throw new ShapeError(
        `ResNetKernel: X has ${X.length} entries, expected ${fmtShape([this.n, s.inputDim])}`,
      );
    if (Y && Y.length !== this.n * s.outputDim)
      throw new ShapeError(
        `ResNetKernel: Y has ${Y.length} entries, expected ${fmtShape([this.n, s.outputDim])}`,
      );
  }

  /** σ applied to `z` into `g`. */
  private activate(z: Float64Array, g: Float64Array): void {
    const act = this.spec.activation;
    if (act === 'gelu') getBackend().unary('gelu', z, g, 0);
    else if (act === 'tanh') getBackend().unary('tanh', z, g, 0);
    else if (act === 'relu') for (let i = 0; i < z.length; i++) g[i] = Math.max(z[i]!, 0);
    else g.set(z);
  }

  /** `S = Q ⊙ σ'(z)`, given z and g = σ(z) (`D` is scratch). */
  private timesDerivative(
    z: Float64Array,
    g: Float64Array,
    Q: Float64Array,
    S: Float64Array,
    D: Float64Array,
  ): void {
    const act = this.spec.activation;
    const len = z.length;
    if (act === 'gelu') {
      // σ'(z) = Φ(z) + z φ(z), with Φ(z) = gelu(z)/z read off the forward value.
      for (let i = 0; i < len; i++) D[i] = -0.5 * z[i]! * z[i]!;
      getBackend().unary('exp', D, D, 0);
      for (let i = 0; i < len; i++) {
        const x = z[i]!;
        const Phi = Math.abs(x) > 1e-150 ? g[i]! / x : 0.5;
        S[i] = Q[i]! * (Phi + x * INV_SQRT_2PI * D[i]!);
      }
    } else if (act === 'tanh') {
      for (let i = 0; i < len; i++) S[i] = Q[i]! * (1 - g[i]! * g[i]!);
    } else if (act === 'relu') {
      for (let i = 0; i < len; i++) S[i] = z[i]! > 0 ? Q[i]! : 0;
    } else S.set(Q);
  }

  /**
   * Runs the network on `X` (`[n, d]`) and returns F(X) (`[n, d′]`; an internal buffer, overwritten
   * by the next call). The hidden states are kept for {@link hidden} and the backward pass.
   */
  forward(w: ResNetWeights, X: Float64Array): Float64Array {
    this.check(w, X);
    const { depth: L, inputDim: d, hidden: q, width: m, outputDim: dout } = this.spec;
    const n = this.n;
    const qm = q * m;
    const alpha = this.cm / L;
    const cq = this.cq;
    gemm(X, 0, false, w.A, 0, true, this.Hv[0]!, n, q, d);
    const T = this.T;
    const nq = n * q;
    for (let k = 0; k < L; k++) {
      const h = this.Hv[k]!;
      const z = this.Zv[k]!;
      const g = this.Gv[k]!;
      gemm(h, 0, false, w.W, k * qm, true, z, n, m, q);
      if (cq !== 1) for (let i = 0; i < z.length; i++) z[i] *= cq;
      this.activate(z, g);
      gemm(g, 0, false, w.V, k * qm, true, T, n, q, m);
      const hn = this.Hv[k + 1]!;
      for (let i = 0; i < nq; i++) hn[i] = h[i]! + alpha * T[i]!;
    }
    gemm(this.Hv[L]!, 0, false, w.B, 0, true, this.out, n, dout, q);
    return this.out;
  }

  /** Hidden state H_k (`[n, q]`, k = 0..L) of the last forward pass, as a view. */
  hidden(k: number): Float64Array {
    return this.Hv[k]!;
  }

  /** Activations σ(c_q H_k W_kᵀ) (`[n, m]`, k = 0..L−1) of the last forward pass, as a view. */
  activations(k: number): Float64Array {
    return this.Gv[k]!;
  }

  /** The loss `c Σ ‖F(x_i) − y_i‖²` with the normalisation `norm`. */
  loss(w: ResNetWeights, X: Float64Array, Y: Float64Array, norm: LossNorm): number {
    this.check(w, X, Y);
    const F = this.forward(w, X);
    let s = 0;
    for (let i = 0; i < F.length; i++) s += (F[i]! - Y[i]!) ** 2;
    return lossFactor(norm, this.n, this.spec.outputDim) * s;
  }

  /**
   * The loss and its gradient with respect to A, B, every V_k and W_k (written into `grads`,
   * allocated when omitted). The gradients are those of the loss itself: the depth-scaled rate
   * L·η is applied by the trainer, not here.
   */
  lossAndGrad(
    w: ResNetWeights,
    X: Float64Array,
    Y: Float64Array,
    norm: LossNorm,
    grads: ResNetGrads = zeroGrads(this.spec),
  ): { loss: number; grads: ResNetGrads } {
    this.check(w, X, Y);
    const { depth: L, inputDim: d, hidden: q, width: m, outputDim: dout } = this.spec;
    const n = this.n;
    const F = this.forward(w, X);
    const c = lossFactor(norm, n, dout);
    const R = this.resid;
    let s = 0;
    for (let i = 0; i < F.length; i++) {
      const r = F[i]! - Y[i]!;
      s += r * r;
      R[i] = 2 * c * r;
    }
    const loss = c * s;
    // ∂ℓ/∂B = Rᵀ H_L, P_L = R B.
    gemm(R, 0, true, this.Hv[L]!, 0, false, grads.B, dout, q, n);
    const P = this.P;
    gemm(R, 0, false, w.B, 0, false, P, n, q, dout);
    const alpha = this.cm / L;
    const beta = alpha * this.cq;
    const qm = q * m;
    const nq = n * q;
    const { Q, S, D, T } = this;
    for (let k = L - 1; k >= 0; k--) {
      const z = this.Zv[k]!;
      const g = this.Gv[k]!;
      // Q = P V_k  ([n, q]·[q, m]).
      gemm(P, 0, false, w.V, k * qm, false, Q, n, m, q);
      // ∂ℓ/∂V_k = α Pᵀ G_k  ([q, n]·[n, m]).
      const gV = grads.V.subarray(k * qm, (k + 1) * qm);
      gemm(P, 0, true, g, 0, false, gV, q, m, n);
      for (let i = 0; i < qm; i++) gV[i] *= alpha;
      this.timesDerivative(z, g, Q, S, D);
      // ∂ℓ/∂W_k = β Sᵀ H_k  ([m, n]·[n, q]).
      const gW = grads.W.subarray(k * qm, (k + 1) * qm);
      gemm(S, 0, true, this.Hv[k]!, 0, false, gW, m, q, n);
      for (let i = 0; i < qm; i++) gW[i] *= beta;
      // P += β S W_k  ([n, m]·[m, q]).
      gemm(S, 0, false, w.W, k * qm, false, T, n, q, m);
      for (let i = 0; i < nq; i++) P[i] += beta * T[i]!;
    }
    // ∂ℓ/∂A = P_0ᵀ X  ([q, n]·[n, d]).
    gemm(P, 0, true, X, 0, false, grads.A, q, d, n);
    return { loss, grads };
  }
}

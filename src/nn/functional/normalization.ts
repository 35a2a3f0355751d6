/**
 * Normalisation layers' functional forms: batchNorm, layerNorm, groupNorm.
 *
 * All three run one fused recorded op (`normAffine`): the input is viewed as [A, C, B]
 * and each of the C groups is normalised over its A·B elements (two-pass mean/variance in
 * float64), then scaled and shifted by a weight/bias element chosen by
 * `(c mod P)·Q + ⌊b / S⌋`:
 *   batchNorm  [N, C, rest]        A=N, C=C,   B=rest,      weight per channel c
 *   layerNorm  [rows, D]           A=1, C=rows, B=D,        weight per element b
 *   groupNorm  [N·G, C/G·rest]     A=1, C=N·G, B=C/G·rest,  weight per channel (c mod G)·C/G + ⌊b/rest⌋
 * The backward has two paths: a fused typed-array loop when no graph of the backward is
 * being recorded (plain `backward()`), and the same formula written with nabla ops (from
 * `x`, recomputing the statistics) when it is (`createGraph`), so higher-order gradients work.
 */
import { isGradEnabled, noGrad } from '../../autograd/mode.js';
import { record } from '../../autograd/node.js';
import { allocArray, type DataArray } from '../../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { sizeOf } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { copy_ } from '../../ops/assign.js';
import { add, mul, sub } from '../../ops/binary.js';
import { mean, sumToShape } from '../../ops/reduce.js';
import { rsqrt } from '../../ops/unary.js';
import { reshape } from '../../ops/view.js';
import { checkInt, commonFloat } from './util.js';

interface NormSpec {
  A: number;
  C: number;
  B: number;
  /** Weight index = (c mod P)·Q + ⌊b / S⌋. */
  P: number;
  Q: number;
  S: number;
  eps: number;
  /** A reshape of x in which the statistics reduce `redAxes` ... */
  opShape: number[];
  redAxes: number[];
  /** ... and weight/bias broadcast as `wShape`. */
  wShape: number[];
}

interface NormResult {
  y: Tensor;
  /** Per-group mean and biased variance (float64), e.g. for running statistics. */
  mean: Float64Array;
  variance: Float64Array;
}

function stats(
  x: DataArray,
  s: NormSpec,
): { mean: Float64Array; variance: Float64Array; invstd: Float64Array } {
  const { A, C, B, eps } = s;
  const M = A * B;
  const mu = new Float64Array(C);
  const va = new Float64Array(C);
  const inv = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let acc = 0;
    for (let a = 0; a < A; a++) {
      const base = (a * C + c) * B;
      for (let i = base; i < base + B; i++) acc += x[i]!;
    }
    const m = M > 0 ? acc / M : 0;
    let sq = 0;
    for (let a = 0; a < A; a++) {
      const base = (a * C + c) * B;
      for (let i = base; i < base + B; i++) {
        const d = x[i]! - m;
        sq += d * d;
      }
    }
    mu[c] = m;
    va[c] = M > 0 ? sq / M : 0;
    inv[c] = 1 / Math.sqrt(va[c]! + eps);
  }
  return { mean: mu, variance: va, invstd: inv };
}

/** Fused normalise + affine over the [A, C, B] view of `x`. */
function normAffine(x: Tensor, w: Tensor | null, b: Tensor | null, s: NormSpec, name: string): NormResult {
  const { A, C, B, P, Q, S } = s;
  const xd = x._contiguousData();
  const wd = w ? w._contiguousData() : null;
  const bd = b ? b._contiguousData() : null;
  const st = stats(xd, s);
  const out = allocArray(x.dtype, xd.length);
  const nq = S > 0 ? B / S : 0;
  for (let a = 0; a < A; a++) {
    for (let c = 0; c < C; c++) {
      const m = st.mean[c]!;
      const is = st.invstd[c]!;
      const wb = (c % P) * Q;
      let i = (a * C + c) * B;
      for (let q = 0; q < nq; q++) {
        const wv = wd ? wd[wb + q]! : 1;
        const bv = bd ? bd[wb + q]! : 0;
        for (const end = i + S; i < end; i++) out[i] = (xd[i]! - m) * is * wv + bv;
      }
    }
  }
  const y = Tensor._fromData(out, x.shape, x.dtype);
  const inputs = [x];
  if (w) inputs.push(w);
  if (b) inputs.push(b);
  record(
    name,
    y,
    inputs,
    ([gy]) => {
      const gs = isGradEnabled() ? normBackwardOps(gy!, x, w, b, s) : normBackwardRaw(gy!, x, w, b, s, st);
      const res: (Tensor | null)[] = [gs.gx];
      if (w) res.push(gs.gw);
      if (b) res.push(gs.gb);
      return res;
    },
    inputs,
  );
  return { y, mean: st.mean, variance: st.variance };
}

interface NormGrads {
  gx: Tensor | null;
  gw: Tensor | null;
  gb: Tensor | null;
}

/** The fused backward (no graph recorded). */
function normBackwardRaw(
  gy: Tensor,
  x: Tensor,
  w: Tensor | null,
  b: Tensor | null,
  s: NormSpec,
  st: { mean: Float64Array; invstd: Float64Array },
): NormGrads {
  const { A, C, B, P, Q, S } = s;
  const M = A * B;
  const nq = S > 0 ? B / S : 0;
  const gd = gy._contiguousData();
  const xd = x._contiguousData();
  const wd = w ? w._contiguousData() : null;
  const needW = !!w?.requiresGrad;
  const needB = !!b?.requiresGrad;
  const gwAcc = needW ? new Float64Array(w!.size) : null;
  const gbAcc = needB ? new Float64Array(b!.size) : null;
  const s1 = new Float64Array(C);
  const s2 = new Float64Array(C);
  for (let a = 0; a < A; a++) {
    for (let c = 0; c < C; c++) {
      const m = st.mean[c]!;
      const is = st.invstd[c]!;
      const wb = (c % P) * Q;
      let acc1 = 0;
      let acc2 = 0;
      let i = (a * C + c) * B;
      for (let q = 0; q < nq; q++) {
        const wv = wd ? wd[wb + q]! : 1;
        let sg = 0;
        let sgx = 0;
        for (const end = i + S; i < end; i++) {
          const g = gd[i]!;
          const xh = (xd[i]! - m) * is;
          sg += g;
          sgx += g * xh;
        }
        acc1 += sg * wv;
        acc2 += sgx * wv;
        if (gwAcc) gwAcc[wb + q]! += sgx;
        if (gbAcc) gbAcc[wb + q]! += sg;
      }
      s1[c]! += acc1;
      s2[c]! += acc2;
    }
  }
  let gx: Tensor | null = null;
  if (x.requiresGrad) {
    const out = allocArray(x.dtype, xd.length);
    for (let a = 0; a < A; a++) {
      for (let c = 0; c < C; c++) {
        const m = st.mean[c]!;
        const is = st.invstd[c]!;
        const m1 = s1[c]! / M;
        const m2 = s2[c]! / M;
        const wb = (c % P) * Q;
        let i = (a * C + c) * B;
        for (let q = 0; q < nq; q++) {
          const wv = wd ? wd[wb + q]! : 1;
          for (const end = i + S; i < end; i++) {
            const xh = (xd[i]! - m) * is;
            out[i] = is * (gd[i]! * wv - m1 - xh * m2);
          }
        }
      }
    }
    gx = Tensor._fromData(out, x.shape, x.dtype);
  }
  const fromAcc = (acc: Float64Array | null, t: Tensor | null) => {
    if (!acc || !t) return null;
    const out = allocArray(t.dtype, acc.length);
    out.set(acc);
    return Tensor._fromData(out, t.shape, t.dtype);
  };
  return { gx, gw: fromAcc(gwAcc, w), gb: fromAcc(gbAcc, b) };
}

/** The same backward written with differentiable ops (used under createGraph). */
function normBackwardOps(gy: Tensor, x: Tensor, w: Tensor | null, b: Tensor | null, s: NormSpec): NormGrads {
  const { opShape, redAxes, wShape } = s;
  const xr = reshape(x, opShape);
  const xc = sub(xr, mean(xr, redAxes, true));
  const invstd = rsqrt(add(mean(mul(xc, xc), redAxes, true), s.eps));
  const xhat = mul(xc, invstd);
  const g = reshape(gy, opShape);
  let gx: Tensor | null = null;
  if (x.requiresGrad) {
    const g1 = w ? mul(g, reshape(w, wShape)) : g;
    const m1 = mean(g1, redAxes, true);
    const m2 = mean(mul(g1, xhat), redAxes, true);
    gx = reshape(mul(invstd, sub(sub(g1, m1), mul(xhat, m2))), x.shape);
  }
  const gw = w?.requiresGrad ? reshape(sumToShape(mul(g, xhat), wShape), w.shape) : null;
  const gb = b?.requiresGrad ? reshape(sumToShape(g, wShape), b.shape) : null;
  return { gx, gw, gb };
}

function checkParam(op: string, name: string, t: Tensor | null | undefined, shape: readonly number[]): void {
  if (!t) return;
  if (t.size !== sizeOf(shape) || (t.ndim !== shape.length && t.ndim !== 1)) {
    throw new ShapeError(`${op}: ${name} must have shape ${fmtShape(shape)} (got ${fmtShape(t.shape)})`);
  }
  for (let i = 0; i < t.ndim && t.ndim === shape.length; i++) {
    if (t.shape[i] !== shape[i]) {
      throw new ShapeError(`${op}: ${name} must have shape ${fmtShape(shape)} (got ${fmtShape(t.shape)})`);
    }
  }
}

function checkEps(op: string, eps: number): void {
  if (!(eps >= 0)) throw new ArgumentError(`${op}: eps must be non-negative (got ${eps})`);
}

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Normalise with the batch statistics and update the running ones (default false). */
  training?: boolean;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Batch normalisation of `x` [N, C, ...] per channel. In training mode it uses the batch
 * mean and biased variance, and (when given) updates `runningMean`/`runningVar` in place
 * (`r ← (1−momentum)·r + momentum·stat`, with the unbiased variance), without recording.
 * In evaluation mode it uses the running statistics.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  opts: BatchNormOptions = {},
): Tensor {
  const op = 'batchNorm';
  const training = opts.training ?? false;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  checkEps(op, eps);
  if (x.ndim < 2) throw new ShapeError(`${op}: expected input [N, C, ...], got ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  for (const [name, t] of [
    ['runningMean', runningMean],
    ['runningVar', runningVar],
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    checkParam(op, name, t, [c]);
  }
  const { ts } = commonFloat(op, ['input', 'weight', 'bias'], x, weight ?? null, bias ?? null);
  const [xf, w, b] = ts;
  const n = x.shape[0]!;
  const rest = sizeOf(x.shape.slice(2));
  if (!training) {
    if (!runningMean || !runningVar) {
      throw new ArgumentError(`${op}: runningMean and runningVar are required in evaluation mode`);
    }
    const bshape = [1, c, ...x.shape.slice(2).map(() => 1)];
    let scale = rsqrt(add(runningVar.dtype === xf.dtype ? runningVar : runningVar.cast(xf.dtype), eps));
    if (w) scale = mul(scale, w);
    let shift = mul(runningMean.dtype === xf.dtype ? runningMean : runningMean.cast(xf.dtype), scale);
    shift = b ? sub(b, shift) : mul(shift, -1);
    return add(mul(xf, reshape(scale, bshape)), reshape(shift, bshape));
  }
  const M = n * rest;
  if (M <= 1) {
    throw new ShapeError(
      `${op}: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`,
    );
  }
  const spec: NormSpec = {
    A: n,
    C: c,
    B: rest,
    P: c,
    Q: 1,
    S: rest,
    eps,
    opShape: [n, c, rest],
    redAxes: [0, 2],
    wShape: [1, c, 1],
  };
  const r = normAffine(xf, w, b, spec, op);
  const updates: [Tensor | null, Float64Array, number][] = [
    [runningMean, r.mean, 1],
    [runningVar, r.variance, M / (M - 1)],
  ];
  noGrad(() => {
    for (const [t, stat, corr] of updates) {
      if (!t) continue;
      const upd = allocArray(t.dtype, c);
      const cur = t._contiguousData();
      for (let i = 0; i < c; i++) upd[i] = (1 - momentum) * cur[i]! + momentum * stat[i]! * corr;
      copy_(t, Tensor._fromData(upd, t.shape, t.dtype));
    }
  });
  return r.y;
}

/**
 * Layer normalisation over the trailing dims `normalizedShape` of `x` (biased variance),
 * with optional elementwise `weight`/`bias` of shape `normalizedShape`.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const op = 'layerNorm';
  checkEps(op, eps);
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || k > x.ndim || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new ShapeError(
      `${op}: normalizedShape ${fmtShape(normalizedShape)} does not match the trailing dims of input ${fmtShape(x.shape)}`,
    );
  }
  checkParam(op, 'weight', weight, normalizedShape);
  checkParam(op, 'bias', bias, normalizedShape);
  const { ts } = commonFloat(op, ['input', 'weight', 'bias'], x, weight ?? null, bias ?? null);
  const d = sizeOf(normalizedShape);
  const rows = d > 0 ? x.size / d : sizeOf(x.shape.slice(0, x.ndim - k));
  const spec: NormSpec = {
    A: 1,
    C: rows,
    B: d,
    P: 1,
    Q: 0,
    S: 1,
    eps,
    opShape: [rows, d],
    redAxes: [1],
    wShape: [d],
  };
  return normAffine(ts[0], ts[1], ts[2], spec, op).y;
}

/**
 * Group normalisation of `x` [N, C, ...]: the channels are split into `numGroups` groups,
 * each normalised (per sample) over its channels and spatial positions; optional
 * per-channel `weight`/`bias` [C].
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const op = 'groupNorm';
  checkEps(op, eps);
  checkInt(numGroups, op, 'numGroups', 1);
  if (x.ndim < 2) throw new ShapeError(`${op}: expected input [N, C, ...], got ${fmtShape(x.shape)}`);
  const [n, c] = x.shape as [number, number];
  if (c % numGroups !== 0) {
    throw new ShapeError(
      `${op}: number of channels ${c} of input ${fmtShape(x.shape)} is not divisible by numGroups ${numGroups}`,
    );
  }
  checkParam(op, 'weight', weight, [c]);
  checkParam(op, 'bias', bias, [c]);
  const { ts } = commonFloat(op, ['input', 'weight', 'bias'], x, weight ?? null, bias ?? null);
  const rest = sizeOf(x.shape.slice(2));
  const cg = c / numGroups;
  const spec: NormSpec = {
    A: 1,
    C: n * numGroups,
    B: cg * rest,
    P: numGroups,
    Q: cg,
    S: rest,
    eps,
    opShape: [n, numGroups, cg, rest],
    redAxes: [2, 3],
    wShape: [1, numGroups, cg, 1],
  };
  return normAffine(ts[0], ts[1], ts[2], spec, op).y;
}

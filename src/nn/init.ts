/**
 * Parameter initialisers (like `torch.nn.init`). Each fills its tensor in place
 * (without recording gradients) and returns it. Random initialisers take an
 * optional `{key}` for reproducibility and otherwise draw from the global generator.
 */
import { noGrad } from '../autograd/mode.js';
import { type DType, isFloating } from '../core/dtype.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { copy_ } from '../ops/assign.js';
import { tensor as makeTensor } from '../ops/creation.js';
import { normal as sampleNormal, uniform as sampleUniform } from '../random/index.js';
import type { PRNGKey } from '../random/key.js';

/** The `key` option of random initialisers. */
export interface InitOptions {
  /** A PRNG key makes the draw reproducible; without one the global generator is used. */
  key?: PRNGKey;
}

/** Nonlinearities known to `calculateGain` (snake_case aliases are accepted too). */
export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'leaky_relu';

/** Fan mode of the Kaiming initialisers: preserve the variance of activations (`fanIn`) or of gradients (`fanOut`). */
export type FanMode = 'fanIn' | 'fanOut';

function floatTarget(t: Tensor, op: string): DType {
  if (!isFloating(t.dtype)) throw new DTypeError(`${op}: expected a floating tensor (got ${t.dtype})`);
  return t.dtype;
}

function write(t: Tensor, src: Tensor | number): Tensor {
  return noGrad(() => copy_(t, src));
}

/**
 * The recommended gain for a nonlinearity (PyTorch's table): 1 for linear/conv/sigmoid,
 * 5/3 for tanh, √2 for relu, √(2/(1+slope²)) for leaky relu (`param` = slope, default 0.01),
 * 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'convTranspose1d':
    case 'convTranspose2d':
    case 'convTranspose3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) {
        throw new ArgumentError(`calculateGain: negative slope ${slope} is not a valid number`);
      }
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ArgumentError(`calculateGain: unsupported nonlinearity '${nonlinearity as string}'`);
  }
}

/**
 * Fan-in and fan-out of a weight: `shape[1]·receptive` and `shape[0]·receptive`,
 * where receptive is the product of the dims after the first two (PyTorch's convention:
 * `[out, in]` for linear, `[out, in/groups, k…]` for conv). Needs at least 2 dims.
 */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): { fanIn: number; fanOut: number } {
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as Tensor).shape;
  if (shape.length < 2) {
    throw new ShapeError(
      `calculateFanInAndFanOut: fan in and fan out need a tensor with at least 2 dims (got ${fmtShape(shape)})`,
    );
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** Fills `t` with samples of U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, opts: InitOptions = {}): Tensor {
  const dtype = floatTarget(t, 'uniform_');
  return write(t, sampleUniform(t.shape, a, b, { dtype, key: opts.key }));
}

/** Fills `t` with samples of N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  const dtype = floatTarget(t, 'normal_');
  return write(t, sampleNormal(t.shape, mean, std, { dtype, key: opts.key }));
}

/** Fills `t` with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  return write(t, value);
}

/** Fills `t` with zeros. */
export function zeros_(t: Tensor): Tensor {
  return write(t, 0);
}

/** Fills `t` with ones. */
export function ones_(t: Tensor): Tensor {
  return write(t, 1);
}

/** Fills a 2-D `t` with the identity (ones on the main diagonal). */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new ShapeError(`eye_: expected a 2-D tensor (got ${fmtShape(t.shape)})`);
  const [n, m] = t.shape as [number, number];
  const data = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return write(t, makeTensor(data, { shape: [n, m], dtype: t.dtype }));
}

/** Options of the Xavier/Glorot initialisers. */
export interface XavierOptions extends InitOptions {
  /** Scale factor (default 1); see `calculateGain`. */
  gain?: number;
}

/** Xavier/Glorot uniform: U(−a, a) with `a = gain·√(6/(fanIn+fanOut))`. */
export function xavierUniform_(t: Tensor, opts: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return uniform_(t, -a, a, opts);
}

/** Xavier/Glorot normal: N(0, std²) with `std = gain·√(2/(fanIn+fanOut))`. */
export function xavierNormal_(t: Tensor, opts: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return normal_(t, 0, std, opts);
}

/** Options of the Kaiming/He initialisers. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (default 0; only used with `leakyRelu`). */
  a?: number;
  /** Which fan to preserve (default `'fanIn'`). */
  mode?: FanMode;
  /** The nonlinearity that follows (default `'leakyRelu'`, with `a = 0` the same as `'relu'`). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, opts: KaimingOptions, op: string): number {
  const mode = opts.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') {
    throw new ArgumentError(`${op}: mode must be 'fanIn' or 'fanOut' (got '${mode as string}')`);
  }
  const fans = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  const gain = calculateGain(opts.nonlinearity ?? 'leakyRelu', opts.a ?? 0);
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/**
 * Kaiming/He uniform: U(−b, b) with `b = gain·√(3/fan)`. PyTorch's default for
 * linear and conv weights is `kaimingUniform_(w, {a: Math.sqrt(5)})`.
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  floatTarget(t, 'kaimingUniform_');
  const bound = Math.sqrt(3) * kaimingStd(t, opts, 'kaimingUniform_');
  return uniform_(t, -bound, bound, opts);
}

/** Kaiming/He normal: N(0, std²) with `std = gain/√fan`. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  floatTarget(t, 'kaimingNormal_');
  return normal_(t, 0, kaimingStd(t, opts, 'kaimingNormal_'), opts);
}

/** Options of `truncNormal_`. */
export interface TruncNormalOptions extends InitOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation before truncation (default 1). */
  std?: number;
  /** Lower cut-off, absolute (default −2). */
  a?: number;
  /** Upper cut-off, absolute (default 2). */
  b?: number;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation with one Halley step). */
function normalPpf(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // One Halley refinement step against the exact CDF.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Fills `t` with samples of N(mean, std²) truncated to [a, b] (by inverse-CDF sampling,
 * like PyTorch's `trunc_normal_`).
 */
export function truncNormal_(t: Tensor, opts: TruncNormalOptions = {}): Tensor {
  const dtype = floatTarget(t, 'truncNormal_');
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  const lo = opts.a ?? -2;
  const hi = opts.b ?? 2;
  if (!(hi > lo)) throw new ArgumentError(`truncNormal_: need a < b (got ${lo}, ${hi})`);
  const cdf = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
  const l = cdf((lo - mean) / std);
  const u = cdf((hi - mean) / std);
  const s = sampleUniform(t.shape, 0, 1, { dtype: 'float64', key: opts.key })._contiguousData();
  const out = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const p = Math.min(Math.max(l + (u - l) * s[i]!, 1e-300), 1 - 1e-16);
    const v = mean + std * normalPpf(p);
    out[i] = Math.min(Math.max(v, lo), hi);
  }
  return write(t, makeTensor(out, { shape: t.shape, dtype }));
}

/**
 * Fills `t` (≥ 2 dims, viewed as `[shape[0], rest]`) with a (semi-)orthogonal matrix
 * times `gain`: the Q factor of the QR decomposition of a Gaussian matrix, with the
 * signs fixed so that R has a positive diagonal (Haar-distributed, as in PyTorch).
 * Rows are orthonormal when rows < cols, columns otherwise.
 */
export function orthogonal_(t: Tensor, opts: XavierOptions = {}): Tensor {
  const dtype = floatTarget(t, 'orthogonal_');
  if (t.ndim < 2) {
    throw new ShapeError(
      `orthogonal_: only tensors with 2 or more dims are supported (got ${fmtShape(t.shape)})`,
    );
  }
  if (t.size === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.size / rows;
  const gain = opts.gain ?? 1;
  // Work on the tall orientation [m, n] with m ≥ n; Q is [m, n] with orthonormal columns.
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const g = sampleNormal([m, n], 0, 1, { dtype: 'float64', key: opts.key })._contiguousData();
  const q = gramSchmidtQ(g, m, n);
  const out = new Float64Array(rows * cols);
  if (rows >= cols) {
    for (let i = 0; i < rows * cols; i++) out[i] = gain * q[i]!;
  } else {
    // Transpose back: out[r, c] = q[c, r].
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * q[c * n + r]!;
  }
  return write(t, makeTensor(out, { shape: t.shape, dtype }));
}

/**
 * Thin Q of a row-major m×n matrix (m ≥ n) by modified Gram–Schmidt with one
 * re-orthogonalisation pass, in float64. R's diagonal (the column norms) is positive,
 * which is the sign convention wanted by `orthogonal_`. Returns Q row-major [m, n].
 */
function gramSchmidtQ(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const qt = new Float64Array(n * m); // column j of Q at qt[j*m .. j*m+m)
  for (let j = 0; j < n; j++) {
    const v = qt.subarray(j * m, (j + 1) * m);
    for (let i = 0; i < m; i++) v[i] = a[i * n + j]!;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const qk = qt.subarray(k * m, (k + 1) * m);
        let dot = 0;
        for (let i = 0; i < m; i++) dot += qk[i]! * v[i]!;
        for (let i = 0; i < m; i++) v[i] = v[i]! - dot * qk[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (norm === 0) throw new ArgumentError('orthogonal_: degenerate random matrix (try another key)');
    for (let i = 0; i < m; i++) v[i] = v[i]! / norm;
  }
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) q[i * n + j] = qt[j * m + i]!;
  return q;
}

/**
 * Loader and type declarations for the optional native CPU addon
 * (`build/Release/nabla_native.node`, built from `native/` by `npm run build:native`).
 *
 * The addon is optional: when it is missing, stale, or disabled with `NABLA_BACKEND=js`,
 * {@link loadNativeAddon} returns `null` and {@link nativeAddonError} says why, so callers can fall
 * back to the TypeScript kernels.
 *
 * All functions work in place on the typed arrays' own memory (no copies), are synchronous, and
 * validate every length/offset before touching memory (throwing `RangeError`/`TypeError`).
 * Matrices are row-major.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Interface version this loader expects; must match `kAbiVersion` in `native/src/addon.cc`. */
export const NATIVE_ABI_VERSION = 8;

/** Floating-point typed arrays accepted by the native kernels (all arguments of one call share a type). */
export type FloatArray = Float32Array | Float64Array;

/**
 * Unary elementwise operations: `out[i] = f(x[i])`. `gelu` is the exact (erf) form, `geluTanh` the
 * tanh approximation, `silu` is `x * sigmoid(x)`.
 */
export type UnaryOp =
  | 'exp'
  | 'log'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'gelu'
  | 'geluTanh'
  | 'silu'
  | 'sqrt'
  | 'rsqrt'
  | 'square'
  | 'reciprocal'
  | 'neg'
  | 'abs';

/**
 * Binary elementwise operations: `out[i] = a[i] op b[i]`. `rsub`/`rdiv` swap the operands
 * (`b - a`, `b / a`); `max`/`min` propagate NaN like `Math.max`/`Math.min`.
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'max'
  | 'min'
  | 'rsub'
  | 'rdiv'
  /** `a * (1 - b²)`: tanh's backward, b = tanh(x). */
  | 'tanhGrad'
  /** `a * b * (1 - b)`: sigmoid's backward, b = sigmoid(x). */
  | 'sigmoidGrad'
  /** `b > 0 ? a : 0`: relu's backward, b = x. */
  | 'reluGrad';

/** Which GEMM implementation is active. `builtin` means the addon's own kernels. */
export type BlasName = 'openblas' | 'mkl' | 'blis' | 'cblas' | 'builtin';

/** Instruction-set level of the addon's own kernels. */
export type SimdLevel = 'generic' | 'avx2' | 'avx512';

/** Description of the BLAS library in use, from {@link NativeAddon.blasInfo}. */
export interface BlasInfo {
  /** Active GEMM implementation (`builtin` when no library is loaded or `useBlas(false)`). */
  readonly name: BlasName;
  /** File the library was loaded from, or `null` when none was loaded. */
  readonly path: string | null;
  /** Whether a BLAS library was loaded at all (independent of {@link NativeAddon.useBlas}). */
  readonly loaded: boolean;
  /** Whether GEMM currently routes to the library. */
  readonly enabled: boolean;
  /** Threads used by the active implementation. */
  readonly threads: number;
  /** Library configuration string (e.g. OpenBLAS build options) or `builtin <isa>`. */
  readonly config: string;
  /**
   * Kernel family the library chose for this CPU (OpenBLAS only, e.g. `Haswell`; `''` otherwise).
   * OpenBLAS builds that predate a CPU fall back to older kernels: on AVX-512 CPUs with a `Haswell`
   * corename the builtin kernels (`useBlas(false)`) can be faster for GEMM.
   */
  readonly corename: string;
  /** Whether LAPACK routines were found (see {@link NativeAddon.lapackAvailable}). */
  readonly lapack: boolean;
  /** ISA of the builtin kernels. */
  readonly isa: SimdLevel;
  /** Why no library was loaded, or `null`. */
  readonly error: string | null;
}

/** CPU features detected at run time, from {@link NativeAddon.cpuFeatures}. */
export interface CpuFeatures {
  readonly sse2: boolean;
  readonly avx: boolean;
  readonly avx2: boolean;
  readonly fma: boolean;
  readonly f16c: boolean;
  readonly avx512f: boolean;
  readonly avx512dq: boolean;
  readonly avx512bw: boolean;
  readonly avx512vl: boolean;
  readonly avx512vnni: boolean;
  readonly avx512bf16: boolean;
  readonly neon: boolean;
  /** Fastest kernel ISA this CPU supports. */
  readonly bestIsa: SimdLevel;
}

/**
 * Geometry of a 2-D convolution / pooling window over an NCHW tensor. Output size per axis is
 * `floor((in + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1`.
 */
export interface Conv2dGeometry {
  /** N: images in the batch. */
  readonly batch: number;
  /** C: channels per image. */
  readonly channels: number;
  /** H: input height. */
  readonly height: number;
  /** W: input width. */
  readonly width: number;
  /** Window height. */
  readonly kernelH: number;
  /** Window width. */
  readonly kernelW: number;
  /** Vertical stride (default 1). */
  readonly strideH?: number;
  /** Horizontal stride (default 1). */
  readonly strideW?: number;
  /** Zero padding above and below (default 0). */
  readonly padH?: number;
  /** Zero padding left and right (default 0). */
  readonly padW?: number;
  /** Vertical dilation (default 1). */
  readonly dilationH?: number;
  /** Horizontal dilation (default 1). */
  readonly dilationW?: number;
  /** Average pooling only: divide by `kernelH * kernelW` (true, default) or by the in-bounds taps. */
  readonly countIncludePad?: boolean;
}

/** Typed arrays `copyStrided` accepts. */
export type DataArrayLike = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The functions exported by `nabla_native.node`. */
export interface NativeAddon {
  /** Interface version of the loaded binary (see {@link NATIVE_ABI_VERSION}). */
  readonly abiVersion: number;
  /** `process.versions.modules` of the Node the binary was compiled for (it uses V8's C++ API). */
  readonly nodeModuleVersion: number;

  /** Describes the BLAS library in use. */
  blasInfo(): BlasInfo;
  /** Run-time CPU feature detection. */
  cpuFeatures(): CpuFeatures;
  /** Sets the thread count of the addon's pool and of the BLAS library (`n >= 1`). */
  setNumThreads(n: number): void;
  /** Threads the addon's pool uses (defaults to `NABLA_NUM_THREADS` or the available CPUs). */
  getNumThreads(): number;
  /**
   * Routes GEMM to the loaded BLAS (`true`, the default) or to the builtin kernels (`false`).
   * Returns whether BLAS is now in use (`false` when no library was loaded).
   */
  useBlas(enabled: boolean): boolean;
  /** Selects the builtin kernels' ISA (clamped to what the CPU supports); returns the ISA selected. */
  setIsa(isa: SimdLevel | 'auto'): SimdLevel;
  /** ISA of the builtin kernels. */
  getIsa(): SimdLevel;
  /**
   * Sets the element count above which elementwise work is split across threads, separately for
   * transcendental ops (`exp`, `log`, `tanh`, `sigmoid`, `gelu`, `geluTanh`, `silu`) and cheap ones
   * (everything else).
   */
  setElementwiseThreshold(transcendental: boolean, n: number): void;
  /** Current elementwise threading threshold (see {@link NativeAddon.setElementwiseThreshold}). */
  getElementwiseThreshold(transcendental: boolean): number;

  /**
   * `C = alpha * op(A) * op(B) + beta * C` (row-major), `op(A)` is `m x k`, `op(B)` is `k x n`.
   * `A` is read from `a[aOffset + i * lda + j]` (stored `k x m` when `transA`); likewise `B`, `C`.
   * With `beta = 0`, `C` is not read. `C` must not overlap `A` or `B`.
   */
  gemm<T extends FloatArray>(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: T,
    aOffset: number,
    lda: number,
    b: T,
    bOffset: number,
    ldb: number,
    beta: number,
    c: T,
    cOffset: number,
    ldc: number,
  ): void;
  /**
   * `batch` GEMMs; item `i` uses offsets `aOffset + i * strideA` etc. (strides in elements; 0
   * broadcasts). With `strideC = 0` the products are summed: `C = beta * C + alpha * sum_i op(A_i) op(B_i)`.
   */
  gemmBatched<T extends FloatArray>(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: T,
    aOffset: number,
    lda: number,
    b: T,
    bOffset: number,
    ldb: number,
    beta: number,
    c: T,
    cOffset: number,
    ldc: number,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
  ): void;

  /** Whether LAPACK routines are available; when `false` every LAPACK wrapper returns `null`. */
  lapackAvailable(): boolean;
  /**
   * Cholesky `A = L L^T` of an `n x n` SPD matrix, in place: reads the lower triangle, writes `L`
   * and zeros the strict upper triangle. Returns LAPACK info (`> 0`: not positive definite) or `null`.
   */
  potrf<T extends FloatArray>(a: T, n: number): number | null;
  /**
   * LU factorisation with partial pivoting of an `m x n` matrix, in place (`L` unit lower, `U` upper).
   * `ipiv[i]` (0-based, length `min(m, n)`) is the row swapped with row `i`.
   * Returns info (`> 0`: exactly singular `U`) or `null`.
   */
  getrf<T extends FloatArray>(a: T, m: number, n: number, ipiv: Int32Array): number | null;
  /**
   * Solves `A X = B` (`A`: `n x n`, `B`: `n x nrhs`). `A` becomes its LU factors, `B` becomes `X`;
   * pivots go to `ipiv` when given. Returns info (`> 0`: singular) or `null`.
   */
  gesv<T extends FloatArray>(a: T, b: T, n: number, nrhs: number, ipiv?: Int32Array | null): number | null;
  /**
   * Symmetric eigendecomposition `A = V diag(w) V^T`: reads the lower triangle of `A`, overwrites `A`
   * with `V` (eigenvectors in columns) and writes ascending eigenvalues to `w`. Returns info or `null`.
   */
  syevd<T extends FloatArray>(a: T, n: number, w: T): number | null;
  /**
   * Thin SVD `A = U diag(s) Vt` with `k = min(m, n)`: `s` (k, descending), `U` (`m x k`), `Vt` (`k x n`).
   * `A` is destroyed. Returns info (`> 0`: no convergence) or `null`.
   */
  gesdd<T extends FloatArray>(a: T, m: number, n: number, s: T, u: T, vt: T): number | null;
  /**
   * Thin QR (`geqrf` + `orgqr`) with `k = min(m, n)`: `Q` (`m x k`, orthonormal columns) and `R`
   * (`k x n`, upper triangular). `A` is left unchanged. Returns info or `null`.
   */
  qr<T extends FloatArray>(a: T, m: number, n: number, q: T, r: T): number | null;

  /** `out[i] = op(x[i])` for `i < n`; `out` may be `x` itself. */
  unary<T extends FloatArray>(op: UnaryOp, x: T, out: T, n: number): void;
  /** `out[i] = a[i] op b[i]` for `i < n`; `out` may be `a` or `b`. */
  binary<T extends FloatArray>(op: BinaryOp, a: T, b: T, out: T, n: number): void;
  /** `out[i] = a[i] op scalar` (`rsub`/`rdiv`: `scalar op a[i]`); `out` may be `a`. */
  binaryScalar<T extends FloatArray>(op: BinaryOp, a: T, scalar: number, out: T, n: number): void;
  /** Sum of `x[0..n)`, accumulated in double precision. */
  sum(x: FloatArray, n: number): number;
  /** `out[r] = sum(x[r * cols .. (r + 1) * cols))` for `r < rows`. */
  sumLastAxis<T extends FloatArray>(x: T, out: T, rows: number, cols: number): void;
  /** `y[i] += alpha * x[i]` for `i < n` (optimiser updates). */
  axpy<T extends FloatArray>(alpha: number, x: T, y: T, n: number): void;
  /**
   * `out = dense op vec` over a `[rows, cols]` output where `vec` is broadcast: `mode` 0, a `[cols]`
   * row repeated on every row; `mode` 1, one value per row (`[rows]`). `swap`: `vec op dense`
   * (not allowed for the activation-gradient ops). `out` may be `dense`.
   */
  binaryBroadcast<T extends FloatArray>(
    op: BinaryOp,
    dense: T,
    vec: T,
    out: T,
    rows: number,
    cols: number,
    mode: 0 | 1,
    swap: boolean,
  ): void;
  /**
   * Gathers the strided view (`offset`, `shape`, `strides` in elements; strides may be negative)
   * of `src` into contiguous `out` of the same element type.
   */
  copyStrided<T extends DataArrayLike>(
    src: T,
    offset: number,
    shape: readonly number[],
    strides: readonly number[],
    out: T,
  ): void;
  /**
   * glibc `mallopt(M_MMAP_THRESHOLD)` and `mallopt(M_TRIM_THRESHOLD)` (bytes, < 2^31): blocks below the
   * first come from the heap, and up to the second of free heap top is kept for reuse. False where
   * the C library is not glibc (nothing changed).
   */
  tuneMalloc(mmapThreshold: number, trimThreshold: number): boolean;
  /**
   * A non-transferable ArrayBuffer of `bytes` (a power of two, 4 KiB – 1 MiB) over a block of the
   * addon's slab pool, with unspecified contents; the block returns to the pool when V8 collects
   * the buffer. V8 does not count it as external memory. Null when the pool's in-use cap is reached.
   */
  slab(bytes: number): ArrayBuffer | null;
  /**
   * Fills `out` with Philox4x32-10 words of key (k0, k1): block b (4 words) uses the counter
   * (offset + b as two uint32 halves, 0, domain). Bit-identical to `philoxWords` of `src/random`.
   */
  philox(k0: number, k1: number, offset: number, domain: number, out: Uint32Array): void;
  /** Sets the slab pool's in-use cap (bytes) when given, and returns its counters. */
  slabPool(limit?: number): {
    limit: number;
    inUse: number;
    cached: number;
    hits: number;
    misses: number;
    refusals: number;
  };
  /**
   * Routes small products (≤ 2^18 multiply-adds) to the unpacked kernel (`true`, the default) or to
   * the packed one; returns the previous setting.
   */
  setSmallGemm(enabled: boolean): boolean;
  /**
   * Softmax (`log`: log-softmax) of each of `rows` contiguous rows of `cols` elements, computed
   * stably (shifted by the row max); a NaN makes its row NaN. `out` may be `x`.
   */
  softmax<T extends FloatArray>(x: T, out: T, rows: number, cols: number, log: boolean): void;
  /**
   * Input gradient of `softmax` rows given the output `y` and its gradient `g`: `y·(g − Σ g·y)`, or
   * with `log` (y = log-softmax) `g − exp(y)·Σ g`.
   */
  softmaxGrad<T extends FloatArray>(y: T, g: T, out: T, rows: number, cols: number, log: boolean): void;
  /** `out[o, i] = Σ_r x[o, r, i]` for `x` viewed as `[outer, red, inner]`, accumulated in double precision. */
  sumMiddleAxis<T extends FloatArray>(x: T, out: T, outer: number, red: number, inner: number): void;

  /**
   * Unfolds `x` (`[N, C, H, W]`) into `cols` (`[N, C * kH * kW, outH * outW]`) so that a convolution
   * is `W[outC, C*kH*kW] @ cols[n]` (e.g. one `gemmBatched` call with `strideA = 0`).
   */
  im2col<T extends FloatArray>(x: T, cols: T, geometry: Conv2dGeometry): void;
  /**
   * Adjoint of {@link NativeAddon.im2col}: folds `cols` back into `dx` (`[N, C, H, W]`), overwriting it,
   * or adding to it when `accumulate` is true.
   */
  col2im<T extends FloatArray>(cols: T, dx: T, geometry: Conv2dGeometry, accumulate?: boolean): void;
  /**
   * Max pooling: `y` is `[N, C, outH, outW]`; `argmax` gets each maximum's index `iy * W + ix`
   * within its `H x W` plane. NaN propagates; padding never wins.
   */
  maxpool2d<T extends FloatArray>(x: T, y: T, argmax: Int32Array, geometry: Conv2dGeometry): void;
  /** Max pooling backward: `dx` is overwritten with `dy` scattered to the `argmax` positions. */
  maxpool2dBackward<T extends FloatArray>(dy: T, argmax: Int32Array, dx: T, geometry: Conv2dGeometry): void;
  /** Average pooling forward (`y`: `[N, C, outH, outW]`), see {@link Conv2dGeometry.countIncludePad}. */
  avgpool2d<T extends FloatArray>(x: T, y: T, geometry: Conv2dGeometry): void;
  /** Average pooling backward: `dx` is overwritten. */
  avgpool2dBackward<T extends FloatArray>(dy: T, dx: T, geometry: Conv2dGeometry): void;
}

/** Options for {@link loadNativeAddon}. */
export interface LoadNativeAddonOptions {
  /** Load even when `NABLA_BACKEND=js` is set (the addon's own tests use this). */
  readonly ignoreEnv?: boolean;
}

let cached: NativeAddon | null | undefined;
let cachedError: string | null = null;

/**
 * Directory of the nearest `package.json` above this file: the repository root when running
 * `src/backend/native/addon.ts`, and the package root when running `dist/backend/native/addon.js`.
 */
export function findPackageRoot(start: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Path of the addon binary: `NABLA_NATIVE_PATH` if set, else `<package root>/build/Release/nabla_native.node`.
 */
export function nativeAddonPath(): string | null {
  const override = process.env.NABLA_NATIVE_PATH;
  if (override) return path.resolve(override);
  const root = findPackageRoot();
  return root === null ? null : path.join(root, 'build', 'Release', 'nabla_native.node');
}

function isNativeAddon(value: unknown): value is NativeAddon {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.gemm === 'function' && typeof v.blasInfo === 'function' && typeof v.abiVersion === 'number';
}

/**
 * Loads the native addon once per process.
 *
 * @returns the addon, or `null` when it is disabled (`NABLA_BACKEND=js`), not built, built for a
 *   different interface version, or fails to load; {@link nativeAddonError} then gives the reason.
 */
export function loadNativeAddon(options: LoadNativeAddonOptions = {}): NativeAddon | null {
  if (!options.ignoreEnv && process.env.NABLA_BACKEND === 'js') {
    cachedError = 'disabled by NABLA_BACKEND=js';
    return null;
  }
  if (cached !== undefined) return cached;
  cached = null;
  const file = nativeAddonPath();
  if (file === null) {
    cachedError = 'cannot locate the package root (no package.json above the loader)';
    return null;
  }
  if (!existsSync(file)) {
    cachedError = `native addon not built (${file} is missing; run \`npm run build:native\`)`;
    return null;
  }
  try {
    const loaded: unknown = createRequire(import.meta.url)(file);
    if (!isNativeAddon(loaded)) {
      cachedError = `${file} does not export the nabla native interface`;
      return null;
    }
    if (loaded.abiVersion !== NATIVE_ABI_VERSION) {
      cachedError = `${file} has interface version ${loaded.abiVersion}, expected ${NATIVE_ABI_VERSION} (rebuild with \`npm run build:native\`)`;
      return null;
    }
    // The slab pool uses V8's C++ API, whose ABI changes with Node's major version.
    if (String(loaded.nodeModuleVersion) !== process.versions.modules) {
      cachedError = `${file} was built for Node ABI ${loaded.nodeModuleVersion}, this is ${process.versions.modules} (rebuild with \`npm run build:native\`)`;
      return null;
    }
    cached = loaded;
    cachedError = null;
    return loaded;
  } catch (err) {
    cachedError = `failed to load ${file}: ${err instanceof Error ? err.message : String(err)}`;
    return null;
  }
}

/** Why the last {@link loadNativeAddon} call returned `null` (or `null` if it succeeded / was not called). */
export function nativeAddonError(): string | null {
  return cachedError;
}

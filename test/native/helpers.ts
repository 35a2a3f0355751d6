import {
  type FloatArray,
  loadNativeAddon,
  type NativeAddon,
  nativeAddonError,
} from '../../src/backend/native/addon.js';

/**
 * The native addon, or a thrown error explaining how to build it. These tests are deliberately
 * not skipped when the addon is missing: CI builds it, so a missing build is a failure.
 */
export function requireAddon(): NativeAddon {
  const addon = loadNativeAddon({ ignoreEnv: true });
  if (addon === null) {
    throw new Error(
      `nabla native addon unavailable: ${nativeAddonError()}. Build it with \`npm run build:native\` (needs a C++17 compiler and python3).`,
    );
  }
  return addon;
}

/** Deterministic pseudo-random numbers (mulberry32) so failures are reproducible. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

export const DTYPES: ReadonlyArray<readonly [string, FloatCtor]> = [
  ['float32', Float32Array],
  ['float64', Float64Array],
];

/** Array of `n` uniform values in [lo, hi). */
export function randomArray<C extends FloatCtor>(
  Ctor: C,
  n: number,
  rand: () => number,
  lo = -1,
  hi = 1,
): InstanceType<C> {
  const a = new Ctor(n) as InstanceType<C>;
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

/** The builtin-kernel ISAs this CPU can run (always includes 'generic'). */
export function availableIsas(addon: NativeAddon): Array<'generic' | 'avx2' | 'avx512'> {
  const best = addon.cpuFeatures().bestIsa;
  if (best === 'avx512') return ['generic', 'avx2', 'avx512'];
  if (best === 'avx2') return ['generic', 'avx2'];
  return ['generic'];
}

/** Largest |a[i] - b[i]| / (|b[i]| + floor) over the first n entries; equal values (incl. NaN/inf, +-0) count as exact. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>, n: number, floor = 0): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, Math.abs(x - y) / (Math.abs(y) + floor));
  }
  return worst;
}

export function isFloat32(a: FloatArray): boolean {
  return a instanceof Float32Array;
}

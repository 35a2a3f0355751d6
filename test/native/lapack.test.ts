import { describe, expect, it } from 'vitest';
import type { FloatArray } from '../../src/backend/native/addon.js';
import { DTYPES, type FloatCtor, randomArray, requireAddon, rng } from './helpers.js';

const addon = requireAddon();

/** Row-major product of an (m x k) and a (k x n) matrix, in float64. */
function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      for (let j = 0; j < n; j++) c[i * n + j]! += av * b[p * n + j]!;
    }
  return c;
}

function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function identity(n: number): Float64Array {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

/** Symmetric positive definite test matrix M M^T + n I. */
function spd<C extends FloatCtor>(Ctor: C, n: number, seed: number): InstanceType<C> {
  const m = randomArray(Float64Array, n * n, rng(seed));
  const a = matmul(m, transpose(m, n, n), n, n, n);
  for (let i = 0; i < n; i++) a[i * n + i]! += n;
  return Ctor.from(a) as InstanceType<C>;
}

if (!addon.lapackAvailable()) {
  describe('LAPACK (no library loaded)', () => {
    it('every wrapper reports "not available" with null', () => {
      const a = new Float64Array(4);
      expect(addon.potrf(a, 2)).toBeNull();
      expect(addon.getrf(a, 2, 2, new Int32Array(2))).toBeNull();
      expect(addon.gesv(a, new Float64Array(2), 2, 1)).toBeNull();
      expect(addon.syevd(a, 2, new Float64Array(2))).toBeNull();
      expect(addon.gesdd(a, 2, 2, new Float64Array(2), new Float64Array(4), new Float64Array(4))).toBeNull();
      expect(addon.qr(a, 2, 2, new Float64Array(4), new Float64Array(4))).toBeNull();
    });
  });
} else {
  describe.each(DTYPES)('LAPACK %s', (_name, Ctor) => {
    const f32 = Ctor === Float32Array;
    const tol = f32 ? 2e-4 : 1e-10;

    it('potrf: A = L L^T with L lower triangular', () => {
      for (const n of [1, 2, 7, 40]) {
        const a = spd(Ctor, n, n);
        const l = a.slice();
        expect(addon.potrf(l, n)).toBe(0);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
        const rec = matmul(l, transpose(l, n, n), n, n, n);
        expect(maxAbsDiff(rec, a) / n).toBeLessThan(tol);
      }
      const notPd = new Ctor([1, 2, 2, 1]);
      expect(addon.potrf(notPd, 2)).toBeGreaterThan(0);
    });

    it('gesv: A X = B for several right-hand sides', () => {
      for (const [n, nrhs] of [
        [1, 1],
        [5, 3],
        [33, 1],
        [20, 7],
      ] as const) {
        const rand = rng(n * 31 + nrhs);
        const a = randomArray(Ctor, n * n, rand);
        for (let i = 0; i < n; i++) a[i * n + i]! += 4;
        const b = randomArray(Ctor, n * nrhs, rand);
        const lu = a.slice();
        const x = b.slice();
        const ipiv = new Int32Array(n);
        expect(addon.gesv(lu, x, n, nrhs, ipiv)).toBe(0);
        expect(maxAbsDiff(matmul(a, x, n, n, nrhs), b)).toBeLessThan(tol * 10);
        for (const p of ipiv) expect(p >= 0 && p < n).toBe(true);
      }
      const singular = new Ctor([1, 2, 2, 4]);
      expect(addon.gesv(singular, new Ctor([1, 1]), 2, 1)).toBeGreaterThan(0);
    });

    it('getrf: P A = L U and the determinant', () => {
      const a = new Ctor([4, 3, 6, 3]);
      const ipiv = new Int32Array(2);
      expect(addon.getrf(a, 2, 2, ipiv)).toBe(0);
      let det = 1;
      for (let i = 0; i < 2; i++) det *= a[i * 2 + i]! * (ipiv[i] === i ? 1 : -1);
      expect(det).toBeCloseTo(-6, f32 ? 4 : 12);

      for (const [m, n] of [
        [6, 6],
        [9, 4],
        [4, 9],
      ] as const) {
        const orig = randomArray(Ctor, m * n, rng(m + 10 * n));
        const f = orig.slice();
        const piv = new Int32Array(Math.min(m, n));
        expect(addon.getrf(f, m, n, piv)).toBe(0);
        const k = Math.min(m, n);
        const L = new Float64Array(m * k);
        const U = new Float64Array(k * n);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < k; j++) L[i * k + j] = i === j ? 1 : i > j ? f[i * n + j]! : 0;
        for (let i = 0; i < k; i++) for (let j = i; j < n; j++) U[i * n + j] = f[i * n + j]!;
        // Apply the row swaps to A in order.
        const pa = Float64Array.from(orig);
        for (let i = 0; i < k; i++) {
          const r = piv[i]!;
          for (let j = 0; j < n; j++) [pa[i * n + j], pa[r * n + j]] = [pa[r * n + j]!, pa[i * n + j]!];
        }
        expect(maxAbsDiff(matmul(L, U, m, k, n), pa)).toBeLessThan(tol);
      }
    });

    it('syevd: A V = V diag(w), ascending w, orthonormal V', () => {
      for (const n of [1, 3, 16, 45]) {
        const rand = rng(n);
        const s = randomArray(Float64Array, n * n, rand);
        const sym = new Float64Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) sym[i * n + j] = s[i * n + j]! + s[j * n + i]!;
        const a = Ctor.from(sym) as InstanceType<typeof Ctor>;
        // Only the lower triangle is referenced: garbage above must not matter.
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = 1234;
        const w = new Ctor(n);
        expect(addon.syevd(a, n, w)).toBe(0);
        for (let i = 1; i < n; i++) expect(w[i]!).toBeGreaterThanOrEqual(w[i - 1]!);
        const av = matmul(sym, a, n, n, n);
        const vw = Float64Array.from(a, (v, idx) => v * w[idx % n]!);
        expect(maxAbsDiff(av, vw) / n).toBeLessThan(tol * 10);
        expect(maxAbsDiff(matmul(transpose(a, n, n), a, n, n, n), identity(n))).toBeLessThan(tol * 10);
      }
    });

    it('gesdd: thin SVD reconstructs A', () => {
      for (const [m, n] of [
        [1, 1],
        [5, 3],
        [3, 5],
        [40, 12],
        [12, 40],
        [20, 20],
      ] as const) {
        const k = Math.min(m, n);
        const a = randomArray(Ctor, m * n, rng(m * 100 + n));
        const work = a.slice();
        const s = new Ctor(k);
        const u = new Ctor(m * k);
        const vt = new Ctor(k * n);
        expect(addon.gesdd(work, m, n, s, u, vt)).toBe(0);
        for (let i = 1; i < k; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
        const us = Float64Array.from(u, (v, idx) => v * s[idx % k]!);
        expect(maxAbsDiff(matmul(us, vt, m, k, n), a)).toBeLessThan(tol * 10);
        expect(maxAbsDiff(matmul(transpose(u, m, k), u, k, m, k), identity(k))).toBeLessThan(tol * 10);
        expect(maxAbsDiff(matmul(vt, transpose(vt, k, n), k, n, k), identity(k))).toBeLessThan(tol * 10);
      }
    });

    it('qr: Q R = A, orthonormal Q, upper triangular R', () => {
      for (const [m, n] of [
        [1, 1],
        [6, 4],
        [4, 6],
        [50, 20],
        [15, 15],
      ] as const) {
        const k = Math.min(m, n);
        const a = randomArray(Ctor, m * n, rng(m * 7 + n));
        const a0 = a.slice();
        const q = new Ctor(m * k);
        const r = new Ctor(k * n);
        expect(addon.qr(a, m, n, q, r)).toBe(0);
        expect(Array.from(a)).toEqual(Array.from(a0));
        for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(r[i * n + j]).toBe(0);
        expect(maxAbsDiff(matmul(q, r, m, k, n), a)).toBeLessThan(tol * 10);
        expect(maxAbsDiff(matmul(transpose(q, m, k), q, k, m, k), identity(k))).toBeLessThan(tol * 10);
      }
    });

    it('validates sizes and aliasing', () => {
      const a: FloatArray = new Ctor(4);
      expect(() => addon.potrf(a, 3)).toThrow(RangeError);
      expect(() => addon.getrf(a, 2, 2, new Int32Array(1))).toThrow(RangeError);
      expect(() => addon.gesv(a, a, 2, 2)).toThrow(/share memory/);
      expect(() => addon.syevd(a, 2, new Ctor(1))).toThrow(RangeError);
    });
  });
}

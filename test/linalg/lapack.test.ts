/**
 * LAPACK-backed linalg kernels (src/linalg/kernels/lapack.ts): each kernel against the
 * TypeScript reference on random inputs (every size, with the size thresholds off), the
 * exact kernel contracts (pivot base, triangle read, orderings, output shapes), and the
 * public ops on the TypeScript and native backends in one process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, getNativeAddon, listBackends, setBackend } from '../../src/backend/index.js';
import { loadNativeAddon } from '../../src/backend/native/addon.js';
import type { Tensor } from '../../src/core/tensor.js';
import {
  cholesky,
  det,
  eigh,
  inv,
  lu,
  matrixNorm,
  matrixRank,
  pinv,
  qr,
  slogdet,
  solve,
  solveTriangular,
  svd,
} from '../../src/linalg/index.js';
import {
  getLinalgKernels,
  jsLinalgKernels as J,
  type LinalgKernels,
  nativeLinalgKernels,
  resetLinalgKernels,
  restoreDefaultLinalgKernels,
} from '../../src/linalg/kernels/index.js';
import { createLapackKernels, defaultLapackThresholds } from '../../src/linalg/kernels/lapack.js';
import { matmul } from '../../src/ops/matmul.js';
import { abs } from '../../src/ops/unary.js';
import { expectClose, I, maxDiff, rnd, spd, tT } from './helpers.js';

// The addon itself loads even under NABLA_BACKEND=js, so the kernels are tested in every project.
const addon = loadNativeAddon({ ignoreEnv: true });
const hasLapack = addon?.lapackAvailable() ?? false;
const nativeActive = listBackends().includes('native');

/** Deterministic uniform numbers in [-0.5, 0.5) (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function randMat(m: number, n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: m * n }, r);
}

/** Row-major C = op(A) op(B) for small checks. */
function mm(a: Float64Array, b: Float64Array, m: number, k: number, n: number, ta = false, tb = false) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (ta ? a[p * m + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * n + j]!);
      c[i * n + j] = s;
    }
  return c;
}

function spdMat(n: number, seed: number): Float64Array {
  const x = randMat(n, n, seed);
  const a = mm(x, x, n, n, n, false, true);
  for (let i = 0; i < n; i++) a[i * n + i]! += n;
  return a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function expectNear(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  const d = maxAbsDiff(a, b);
  expect(d, `${what}: max abs diff ${d} > ${tol}`).toBeLessThanOrEqual(tol);
}

/** Asserts that the k columns (of length m, row-major m×k) are orthonormal. */
function expectOrthonormalCols(q: Float64Array, m: number, k: number, tol: number, what: string): void {
  const qtq = mm(q, q, k, m, k, true, false);
  const eye = new Float64Array(k * k);
  for (let i = 0; i < k; i++) eye[i * k + i] = 1;
  expectNear(qtq, eye, tol, what);
}

/** The kernels with every size threshold off, so the native path runs even for 1×1. */
const L: LinalgKernels | null =
  addon && hasLapack
    ? ({
        ...J,
        ...createLapackKernels(addon, {
          potrf: 0,
          getrf: 0,
          getrs: 0,
          trsm: 0,
          geqr: 0,
          syev: 0,
          gesvd: 0,
        }),
      } as LinalgKernels)
    : null;

const SIZES = [1, 2, 3, 5, 8, 17, 33, 70];

// Runs in the native test project only (see vitest.config.ts): the addon and LAPACK must be there.
describe('LAPACK kernels vs the TypeScript kernels', () => {
  it('the addon provides LAPACK', () => {
    expect(L, 'native addon with LAPACK (apt-get install libopenblas0-pthread)').not.toBeNull();
  });
  const K = L ?? ({} as LinalgKernels);

  it('potrf: same factor, lower triangle read, upper zeroed, same failing minor', () => {
    for (const n of SIZES) {
      const a = spdMat(n, n);
      const want = a.slice();
      expect(J.potrf(want, n)).toBe(0);
      const got = a.slice();
      // Garbage in the strict upper triangle must not be read.
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) got[i * n + j] = Number.NaN;
      expect(K.potrf(got, n)).toBe(0);
      expectNear(got, want, 1e-12 * n, `potrf n=${n}`);
    }
    const bad = spdMat(6, 1);
    bad[3 * 6 + 3] = -100;
    expect(K.potrf(bad.slice(), 6)).toBe(J.potrf(bad.slice(), 6));
    expect(K.potrf(bad.slice(), 6)).toBe(4);
  });

  it('getrf: 1-based pivots equal to the TypeScript ones, same LU, rectangular, singular info', () => {
    for (const [m, n] of [...SIZES.map((s) => [s, s]), [7, 3], [3, 7], [40, 21], [21, 40]] as [
      number,
      number,
    ][]) {
      const a = randMat(m, n, 10 + m * n);
      const k = Math.min(m, n);
      const wantA = a.slice();
      const wantP = new Int32Array(k);
      expect(J.getrf(wantA, m, n, wantP)).toBe(0);
      const gotA = a.slice();
      const gotP = new Int32Array(k);
      expect(K.getrf(gotA, m, n, gotP)).toBe(0);
      expect(Array.from(gotP)).toEqual(Array.from(wantP));
      expect(Math.min(...gotP)).toBeGreaterThanOrEqual(1);
      expectNear(gotA, wantA, 1e-11 * Math.max(m, n), `getrf ${m}x${n}`);
    }
    // Column 1 is a multiple of column 0: U[1,1] is exactly zero.
    const s = randMat(5, 5, 3);
    for (let i = 0; i < 5; i++) s[i * 5 + 1] = 2 * s[i * 5]!;
    const p1 = new Int32Array(5);
    const p2 = new Int32Array(5);
    expect(K.getrf(s.slice(), 5, 5, p1)).toBe(J.getrf(s.slice(), 5, 5, p2));
    expect(K.getrf(s.slice(), 5, 5, p1)).toBe(2);
  });

  it('getrs and trsm (GEMM-blocked) match for every triangle/unit/transpose and right-hand side', () => {
    for (const n of [1, 5, 16, 17, 40, 70]) {
      const a = randMat(n, n, 20 + n);
      const ipiv = new Int32Array(n);
      J.getrf(a, n, n, ipiv);
      for (const k of [1, 3, n]) {
        const b = randMat(n, k, 30 + n + k);
        const want = b.slice();
        J.getrs(a, ipiv, n, want, k);
        const got = b.slice();
        K.getrs(a, ipiv, n, got, k);
        expectNear(got, want, 1e-10 * n, `getrs n=${n} k=${k}`);
        // Residual of the solve itself: P L U X = B.
        const t = spdMat(n, 40 + n);
        J.potrf(t, n); // a well-conditioned lower-triangular factor
        for (const upper of [false, true]) {
          const tri = upper
            ? Float64Array.from({ length: n * n }, (_, i) => t[(i % n) * n + Math.floor(i / n)]!)
            : t;
          for (const unit of [false, true]) {
            for (const trans of [false, true]) {
              const w = b.slice();
              J.trsm(tri, n, w, k, upper, unit, trans);
              const g = b.slice();
              K.trsm(tri, n, g, k, upper, unit, trans);
              expectNear(g, w, 1e-10 * n, `trsm n=${n} k=${k} upper=${upper} unit=${unit} trans=${trans}`);
            }
          }
        }
      }
    }
  });

  it('geqr: same Householder Q and R in every mode (reduced, r only, complete, rRows = m)', () => {
    const shapes: [number, number][] = [
      [1, 1],
      [4, 4],
      [9, 4],
      [4, 9],
      [33, 17],
      [17, 33],
      [70, 70],
    ];
    for (const [m, n] of shapes) {
      const a = randMat(m, n, 50 + m + n);
      const k = Math.min(m, n);
      const modes: [string, number, number | null][] = [
        ['reduced', k, k],
        ['r', k, null],
        ['complete', m, m],
        ['rRows=m, no Q', m, null],
      ];
      for (const [mode, rRows, qCols] of modes) {
        const wantR = new Float64Array(rRows * n).fill(7);
        const wantQ = qCols === null ? null : new Float64Array(m * qCols).fill(7);
        J.geqr(a, m, n, wantR, rRows, wantQ, qCols ?? k);
        const gotR = new Float64Array(rRows * n).fill(7);
        const gotQ = qCols === null ? null : new Float64Array(m * qCols).fill(7);
        const a0 = a.slice();
        K.geqr(a, m, n, gotR, rRows, gotQ, qCols ?? k);
        expect(maxAbsDiff(a, a0), 'geqr must not modify A').toBe(0);
        expectNear(gotR, wantR, 1e-12 * m, `geqr R ${m}x${n} ${mode}`);
        if (gotQ && wantQ) {
          expectNear(gotQ, wantQ, 1e-12 * m, `geqr Q ${m}x${n} ${mode}`);
          expectOrthonormalCols(gotQ, m, qCols!, 1e-12 * m, `geqr QᵀQ ${m}x${n} ${mode}`);
          // Q R = A (only the first k columns of Q meet non-zero rows of R).
          const qk = new Float64Array(m * k);
          for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) qk[i * k + j] = gotQ[i * qCols! + j]!;
          expectNear(mm(qk, gotR.subarray(0, k * n), m, k, n), a, 1e-12 * m, `geqr QR=A ${m}x${n} ${mode}`);
        }
      }
    }
  });

  it('syev: ascending eigenvalues, matching eigenvectors up to sign, lower triangle read', () => {
    for (const n of SIZES) {
      const a = randMat(n, n, 60 + n);
      const s = mm(a, a, n, n, n, false, true); // symmetric with distinct eigenvalues (a.s.)
      const wantW = new Float64Array(n);
      const wantV = new Float64Array(n * n);
      expect(J.syev(s.slice(), n, wantW, wantV)).toBe(0);
      const input = s.slice();
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) input[i * n + j] = Number.NaN;
      const gotW = new Float64Array(n);
      const gotV = new Float64Array(n * n);
      expect(K.syev(input, n, gotW, gotV)).toBe(0);
      expectNear(gotW, wantW, 1e-12 * n * (1 + Math.abs(wantW[n - 1]!)), `syev w n=${n}`);
      for (let i = 1; i < n; i++) expect(gotW[i]!).toBeGreaterThanOrEqual(gotW[i - 1]!);
      expectOrthonormalCols(gotV, n, n, 1e-12 * n, `syev VᵀV n=${n}`);
      // Columns agree up to sign: |v_got · v_want| = 1.
      const dots = mm(gotV, wantV, n, n, n, true, false);
      for (let j = 0; j < n; j++) expect(Math.abs(Math.abs(dots[j * n + j]!) - 1)).toBeLessThan(1e-8);
      // V diag(w) Vᵀ = A.
      const vw = gotV.map((x, i) => x * gotW[i % n]!);
      expectNear(mm(vw, gotV, n, n, n, false, true), s, 1e-12 * n * n, `syev VWVᵀ=A n=${n}`);
    }
  });

  it('gesvd: descending S, thin and full U/Vᵀ shapes, reconstruction, null vectors, A untouched', () => {
    const shapes: [number, number][] = [
      [1, 1],
      [1, 4],
      [4, 1],
      [5, 5],
      [9, 4],
      [4, 9],
      [33, 17],
      [17, 33],
      [70, 70],
    ];
    for (const [m, n] of shapes) {
      const a = randMat(m, n, 70 + m + 2 * n);
      const a0 = a.slice();
      const k = Math.min(m, n);
      const wantS = new Float64Array(k);
      expect(J.gesvd(a, m, n, wantS, null, null, false)).toBe(0);
      for (const full of [false, true]) {
        const uc = full ? m : k;
        const vr = full ? n : k;
        const s = new Float64Array(k);
        const u = new Float64Array(m * uc);
        const vt = new Float64Array(vr * n);
        expect(K.gesvd(a, m, n, s, u, vt, full)).toBe(0);
        expect(maxAbsDiff(a, a0), 'gesvd must not modify A').toBe(0);
        expectNear(s, wantS, 1e-12 * Math.max(m, n), `gesvd S ${m}x${n}`);
        for (let i = 1; i < k; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
        expectOrthonormalCols(u, m, uc, 1e-12 * m, `gesvd UᵀU ${m}x${n} full=${full}`);
        // Rows of Vᵀ orthonormal: columns of (Vᵀ)ᵀ.
        const v = new Float64Array(n * vr);
        for (let i = 0; i < vr; i++) for (let j = 0; j < n; j++) v[j * vr + i] = vt[i * n + j]!;
        expectOrthonormalCols(v, n, vr, 1e-12 * n, `gesvd VVᵀ ${m}x${n} full=${full}`);
        // U[:, :k] diag(S) Vᵀ[:k] = A.
        const us = new Float64Array(m * k);
        for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) us[i * k + j] = u[i * uc + j]! * s[j]!;
        expectNear(mm(us, vt.subarray(0, k * n), m, k, n), a, 1e-12 * Math.max(m, n), `gesvd USVᵀ ${m}x${n}`);
      }
      const s2 = new Float64Array(k);
      expect(K.gesvd(a, m, n, s2, null, null, false)).toBe(0);
      expectNear(s2, wantS, 1e-12 * Math.max(m, n), `gesvd S only ${m}x${n}`);
    }
  });

  it('0×0 and empty matrices go to the TypeScript kernels', () => {
    expect(K.potrf(new Float64Array(0), 0)).toBe(0);
    expect(K.getrf(new Float64Array(0), 0, 3, new Int32Array(0))).toBe(0);
    expect(K.syev(new Float64Array(0), 0, new Float64Array(0), new Float64Array(0))).toBe(0);
    const u = new Float64Array(9);
    expect(K.gesvd(new Float64Array(0), 3, 0, new Float64Array(0), u, new Float64Array(0), true)).toBe(0);
    expectOrthonormalCols(u, 3, 3, 1e-15, 'empty full U');
  });

  it('default thresholds: small matrices stay bit-identical to the TypeScript kernels', () => {
    const D = { ...J, ...createLapackKernels(addon!) } as LinalgKernels;
    const n = Math.min(defaultLapackThresholds.potrf, defaultLapackThresholds.getrf) - 1;
    const a = spdMat(n, 5);
    const x = a.slice();
    const y = a.slice();
    D.potrf(x, n);
    J.potrf(y, n);
    expect(Array.from(x)).toEqual(Array.from(y));
    const p1 = new Int32Array(n);
    const p2 = new Int32Array(n);
    const b = randMat(n, n, 6);
    const c = b.slice();
    D.getrf(b, n, n, p1);
    J.getrf(c, n, n, p2);
    expect(Array.from(b)).toEqual(Array.from(c));
    expect(Array.from(p1)).toEqual(Array.from(p2));
  });
});

// ---------------------------------------------------------------------------------------------
// Dispatch and the public ops on both backends in one process.

/** Runs `f` with backend `name` active. */
function on<T>(name: string, f: () => T): T {
  const prev = getBackend().name;
  setBackend(name);
  try {
    return f();
  } finally {
    setBackend(prev);
  }
}

describe('kernel dispatch follows the backend', () => {
  afterEach(() => restoreDefaultLinalgKernels());

  it('the TypeScript backend always uses the TypeScript kernels', () => {
    on('js', () => expect(getLinalgKernels()).toEqual(J));
    if (!nativeActive) {
      // NABLA_BACKEND=js (or no addon): no native kernels anywhere.
      expect(getNativeAddon()).toBeNull();
      expect(getLinalgKernels()).toEqual(J);
    }
  });

  it('the native backend installs the LAPACK kernels', () => {
    expect(nativeActive && hasLapack).toBe(true);
    const native = nativeLinalgKernels()!;
    on('native', () => {
      const K = getLinalgKernels();
      for (const name of ['potrf', 'getrf', 'getrs', 'trsm', 'geqr', 'syev', 'gesvd'] as const) {
        expect(K[name]).toBe(native[name]);
        expect(K[name]).not.toBe(J[name]);
      }
      resetLinalgKernels();
      expect(getLinalgKernels()).toEqual(J);
      restoreDefaultLinalgKernels();
      expect(getLinalgKernels().potrf).toBe(native.potrf);
    });
  });
});

describe('public ops: native (LAPACK) vs TypeScript backend', () => {
  const both = <T>(f: () => T): [T, T] => [on('js', f), on('native', f)];
  const n = 72; // above every default threshold

  it('cholesky, solve, inv, det/slogdet, lu (batched)', () => {
    const A = spd([3, n, n], 1);
    const [c1, c2] = both(() => cholesky(A));
    expectClose(c2, c1, 1e-10);
    expectClose(matmul(c2, tT(c2)), A, 1e-9);
    const G = rnd([2, n, n], 2);
    const B = rnd([2, n, 5], 3);
    const [x1, x2] = both(() => solve(G, B));
    expectClose(x2, x1, 1e-9);
    expectClose(matmul(G, x2), B, 1e-9);
    const [v1, v2] = both(() => solve(G, rnd([2, n], 4)));
    expectClose(v2, v1, 1e-9);
    const [i1, i2] = both(() => inv(G));
    expectClose(i2, i1, 1e-9);
    const [d1, d2] = both(() => det(G));
    expectClose(d2, d1, 1e-6 * Math.max(...Array.from(abs(d1)._contiguousData())));
    const [l1, l2] = both(() => slogdet(G).logabsdet);
    expectClose(l2, l1, 1e-10);
    const [lu1, lu2] = both(() => lu(G));
    expectClose(lu2.P, lu1.P, 0);
    expectClose(lu2.L, lu1.L, 1e-10);
    expectClose(lu2.U, lu1.U, 1e-10);
    const T = cholesky(spd([2, n, n], 5));
    const [t1, t2] = both(() => solveTriangular(T, B, { upper: false }));
    expectClose(t2, t1, 1e-10);
  });

  it('qr, eigh, svd, pinv and norms (batched, tall and wide)', () => {
    for (const shape of [
      [2, n, n],
      [2, n + 9, n],
      [2, n, n + 9],
    ]) {
      const A = rnd(shape, 6);
      const [q1, q2] = both(() => qr(A));
      expectClose(q2.Q, q1.Q, 1e-10);
      expectClose(q2.R, q1.R, 1e-10);
      const [s1, s2] = both(() => svd(A));
      expectClose(s2.S, s1.S, 1e-10);
      expectClose(matmul(s2.U.mul(s2.S.unsqueeze(-2)), s2.Vh), A, 1e-10);
      const [f1, f2] = both(() => svd(A, { fullMatrices: true }));
      expect(f2.U.shape).toEqual(f1.U.shape);
      expect(f2.Vh.shape).toEqual(f1.Vh.shape);
      const [p1, p2] = both(() => pinv(A));
      expectClose(p2, p1, 1e-9);
    }
    const S = spd([3, n, n], 7);
    const [e1, e2] = both(() => eigh(S));
    expectClose(e2.eigenvalues, e1.eigenvalues, 1e-9);
    // Eigenvectors agree up to sign: |V₂ᵀ V₁| = I.
    expectClose(abs(matmul(tT(e2.eigenvectors), e1.eigenvectors)), I(n).expand(3, n, n), 1e-6);
    const [n1, n2] = both(() => matrixNorm(rnd([n, n], 8), 2));
    expectClose(n2, n1, 1e-10);
    const low = matmul(rnd([2, n, 5], 16), rnd([2, 5, n], 17));
    const [r1, r2] = both(() => matrixRank(low));
    expectClose(r2, r1, 0);
    expect(Array.from(r2._contiguousData())).toEqual([5, 5]);
  });

  it('gradients agree (cholesky, solve, qr, eigh, svd)', () => {
    const gradOn = (name: string, f: (x: Tensor) => Tensor, x0: Tensor) =>
      on(name, () => {
        const x = x0.detach().requiresGrad_(true);
        f(x).sum().backward();
        return x.grad!;
      });
    const cases: [string, (x: Tensor) => Tensor, Tensor][] = [
      ['cholesky', (x) => cholesky(matmul(x, tT(x)).add(spd([n, n], 9))), rnd([n, n], 10)],
      ['solve', (x) => solve(x, rnd([n, 2], 11)), rnd([n, n], 12)],
      ['qr', (x) => qr(x).R, rnd([n + 3, n], 13)],
      ['eigh', (x) => eigh(matmul(x, tT(x))).eigenvalues, rnd([n, n], 14)],
      ['svd', (x) => svd(x).S, rnd([n, n - 5], 15)],
    ];
    for (const [name, f, x] of cases) {
      const g1 = gradOn('js', f, x);
      const g2 = gradOn('native', f, x);
      const d = maxDiff(g2, g1);
      expect(d, `${name}: gradient max abs diff ${d}`).toBeLessThan(1e-8);
    }
  });
});

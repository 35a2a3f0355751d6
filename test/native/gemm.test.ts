import { afterAll, describe, expect, it } from 'vitest';
import type { FloatArray } from '../../src/backend/native/addon.js';
import { availableIsas, DTYPES, type FloatCtor, randomArray, requireAddon, rng } from './helpers.js';

const addon = requireAddon();
const blasLoaded = addon.blasInfo().loaded;
const initialThreads = addon.getNumThreads();

afterAll(() => {
  addon.useBlas(true);
  addon.setIsa('auto');
  addon.setNumThreads(initialThreads);
  addon.setSmallGemm(true);
});

interface Case {
  m: number;
  n: number;
  k: number;
  ta: boolean;
  tb: boolean;
  alpha: number;
  beta: number;
}

interface Operands<T extends FloatArray> {
  a: T;
  b: T;
  c: T;
  aOff: number;
  bOff: number;
  cOff: number;
  lda: number;
  ldb: number;
  ldc: number;
}

/** Builds padded operands (offsets and leading dimensions larger than needed). */
function operands<C extends FloatCtor>(Ctor: C, cs: Case, seed: number): Operands<InstanceType<C>> {
  const rand = rng(seed);
  const [ar, ac] = cs.ta ? [cs.k, cs.m] : [cs.m, cs.k];
  const [br, bc] = cs.tb ? [cs.n, cs.k] : [cs.k, cs.n];
  const lda = ac + 3;
  const ldb = bc + 1;
  const ldc = cs.n + 2;
  const aOff = 5;
  const bOff = 2;
  const cOff = 7;
  return {
    a: randomArray(Ctor, aOff + ar * lda, rand),
    b: randomArray(Ctor, bOff + br * ldb, rand),
    c: randomArray(Ctor, cOff + cs.m * ldc + 4, rand),
    aOff,
    bOff,
    cOff,
    lda,
    ldb,
    ldc,
  };
}

/**
 * Checks C against a float64 triple loop; the error is measured relative to
 * |alpha| * sum |a||b| + |beta c|, the natural scale of rounding errors in a dot product.
 */
function check<T extends FloatArray>(cs: Case, op: Operands<T>, c0: T, tol: number): void {
  const { a, b, c, aOff, bOff, cOff, lda, ldb, ldc } = op;
  let worst = 0;
  for (let i = 0; i < cs.m; i++) {
    for (let j = 0; j < cs.n; j++) {
      let s = 0;
      let sabs = 0;
      for (let p = 0; p < cs.k; p++) {
        const av = cs.ta ? a[aOff + p * lda + i]! : a[aOff + i * lda + p]!;
        const bv = cs.tb ? b[bOff + j * ldb + p]! : b[bOff + p * ldb + j]!;
        s += av * bv;
        sabs += Math.abs(av * bv);
      }
      const old = c0[cOff + i * ldc + j]!;
      const ref = cs.alpha * s + (cs.beta === 0 ? 0 : cs.beta * old);
      const scale = Math.abs(cs.alpha) * sabs + Math.abs(cs.beta * (cs.beta === 0 ? 0 : old)) + 1e-30;
      const got = c[cOff + i * ldc + j]!;
      worst = Math.max(worst, Math.abs(got - ref) / scale);
      if (!(Math.abs(got - ref) <= tol * scale)) {
        throw new Error(`C[${i},${j}] = ${got}, expected ${ref} (case ${JSON.stringify(cs)})`);
      }
    }
  }
  expect(worst).toBeLessThanOrEqual(tol);
  // Padding between rows and after the matrix must be untouched.
  for (let i = 0; i < c.length; i++) {
    const inside = i >= cOff && (i - cOff) % ldc < cs.n && Math.floor((i - cOff) / ldc) < cs.m;
    if (!inside && !Object.is(c[i], c0[i])) throw new Error(`C[${i}] outside the matrix was modified`);
  }
}

function runCase<C extends FloatCtor>(Ctor: C, cs: Case, seed: number): void {
  const op = operands(Ctor, cs, seed);
  if (cs.beta === 0) op.c.fill(Number.NaN, op.cOff, op.cOff + cs.m * op.ldc); // beta = 0 must not read C
  const c0 = op.c.slice() as InstanceType<C>;
  addon.gemm(
    cs.ta,
    cs.tb,
    cs.m,
    cs.n,
    cs.k,
    cs.alpha,
    op.a,
    op.aOff,
    op.lda,
    op.b,
    op.bOff,
    op.ldb,
    cs.beta,
    op.c,
    op.cOff,
    op.ldc,
  );
  check(cs, op, c0, Ctor === Float32Array ? 1e-5 : 1e-13);
}

const SHAPES: ReadonlyArray<readonly [number, number, number]> = [
  [1, 1, 1],
  [1, 7, 33],
  [7, 1, 33],
  [33, 7, 1],
  [7, 33, 13],
  [2, 257, 3],
  [13, 17, 19],
  [33, 33, 33],
  [64, 64, 64],
  [100, 37, 70],
  [257, 33, 7],
  [1, 257, 257],
  [257, 1, 257],
  [13, 257, 100],
  [257, 257, 257],
  [100, 500, 450],
  // k above the depth block (kc = 512 for AVX-512), so C is accumulated over several blocks.
  [30, 70, 1100],
  // Narrow products (n = 2..4: the small kernel's column/dot-product paths), with tails in m and k.
  [64, 2, 32],
  [37, 3, 21],
  [50, 4, 16],
  [16, 2, 5],
  [33, 4, 100],
  [20, 3, 7],
];

const TRANS: ReadonlyArray<readonly [boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

interface Path {
  name: string;
  setup: () => void;
}

const paths: Path[] = [];
if (blasLoaded) paths.push({ name: 'blas', setup: () => expect(addon.useBlas(true)).toBe(true) });
for (const isa of availableIsas(addon)) {
  // Small products (≤ 2^18 multiply-adds) take the unpacked kernel unless `packed` turns it off,
  // so the packed micro-kernels stay tested on small shapes too.
  for (const [threads, small] of [
    [1, true],
    [2, true],
    [1, false],
  ] as const) {
    paths.push({
      name: `builtin-${isa}-${threads}t${small ? '' : '-packed'}`,
      setup: () => {
        addon.useBlas(false);
        expect(addon.setIsa(isa)).toBe(isa);
        addon.setNumThreads(threads);
        addon.setSmallGemm(small);
      },
    });
  }
}

describe.each(paths)('gemm ($name)', ({ setup }) => {
  for (const [dtype, Ctor] of DTYPES) {
    it(`${dtype}: shapes x transposes x offsets`, () => {
      setup();
      let seed = 1;
      for (const [m, n, k] of SHAPES) {
        for (const [ta, tb] of TRANS) {
          runCase(Ctor, { m, n, k, ta, tb, alpha: 1, beta: 0 }, seed++);
        }
      }
    });

    it(`${dtype}: alpha and beta`, () => {
      setup();
      let seed = 100;
      for (const [alpha, beta] of [
        [1.5, -0.5],
        [-2, 1],
        [0.25, 0],
        [0, 2],
        [0, 0],
      ] as const) {
        for (const [m, n, k] of [
          [7, 33, 13],
          [64, 70, 80],
          [1, 40, 9],
          [37, 3, 21],
        ] as const) {
          runCase(Ctor, { m, n, k, ta: false, tb: true, alpha, beta }, seed++);
          runCase(Ctor, { m, n, k, ta: true, tb: false, alpha, beta }, seed++);
        }
      }
    });

    it(`${dtype}: empty dimensions`, () => {
      setup();
      const c = new Ctor([1, 2, 3, 4]);
      // k = 0: C = beta * C
      addon.gemm(false, false, 2, 2, 0, 1, new Ctor(0), 0, 0, new Ctor(0), 0, 2, 3, c, 0, 2);
      expect(Array.from(c)).toEqual([3, 6, 9, 12]);
      addon.gemm(false, false, 0, 2, 5, 1, new Ctor(0), 0, 5, new Ctor(10), 0, 2, 0, c, 0, 2);
      expect(Array.from(c)).toEqual([3, 6, 9, 12]);
    });
  }
});

/** Reference for one batched item written by gemmBatched. */
function refBatched(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  a: ArrayLike<number>,
  aOff: number,
  lda: number,
  b: ArrayLike<number>,
  bOff: number,
  ldb: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s +=
          (ta ? a[aOff + p * lda + i]! : a[aOff + i * lda + p]!) *
          (tb ? b[bOff + j * ldb + p]! : b[bOff + p * ldb + j]!);
      out[i * n + j] = s;
    }
  return out;
}

describe.each(paths)('gemmBatched ($name)', ({ setup }) => {
  for (const [dtype, Ctor] of DTYPES) {
    const tol = Ctor === Float32Array ? 2e-5 : 1e-12;
    for (const [m, n, k, batch] of [
      [3, 5, 4, 7],
      [8, 8, 8, 64],
      [70, 65, 66, 3],
    ] as const) {
      it(`${dtype}: ${m}x${n}x${k} x${batch}, plain and broadcast A/B`, () => {
        setup();
        const rand = rng(m * 1000 + batch);
        for (const [ta, tb] of TRANS) {
          for (const [bcastA, bcastB] of [
            [false, false],
            [true, false],
            [false, true],
          ] as const) {
            const sizeA = m * k;
            const sizeB = k * n;
            const strideA = bcastA ? 0 : sizeA + 1;
            const strideB = bcastB ? 0 : sizeB + 2;
            const strideC = m * n + 3;
            const a = randomArray(Ctor, 4 + (batch - 1) * strideA + sizeA, rand);
            const b = randomArray(Ctor, (batch - 1) * strideB + sizeB, rand);
            const c = randomArray(Ctor, 1 + (batch - 1) * strideC + m * n, rand);
            const c0 = c.slice();
            const lda = ta ? m : k;
            const ldb = tb ? k : n;
            addon.gemmBatched(
              ta,
              tb,
              m,
              n,
              k,
              2,
              a,
              4,
              lda,
              b,
              0,
              ldb,
              0.5,
              c,
              1,
              n,
              batch,
              strideA,
              strideB,
              strideC,
            );
            let worst = 0;
            for (let t = 0; t < batch; t++) {
              const ref = refBatched(ta, tb, m, n, k, a, 4 + t * strideA, lda, b, t * strideB, ldb);
              for (let i = 0; i < m * n; i++) {
                const idx = 1 + t * strideC + i;
                const want = 2 * ref[i]! + 0.5 * c0[idx]!;
                worst = Math.max(worst, Math.abs(c[idx]! - want) / (Math.abs(want) + k));
              }
            }
            expect(worst).toBeLessThanOrEqual(tol);
          }
        }
      });
    }

    it(`${dtype}: strideC = 0 sums the products`, () => {
      setup();
      const rand = rng(7);
      const [m, n, k, batch] = [6, 9, 5, 11];
      const a = randomArray(Ctor, batch * m * k, rand);
      const b = randomArray(Ctor, batch * k * n, rand);
      const c = randomArray(Ctor, m * n, rand);
      const c0 = c.slice();
      addon.gemmBatched(false, false, m, n, k, 1, a, 0, k, b, 0, n, 3, c, 0, n, batch, m * k, k * n, 0);
      const want = new Float64Array(m * n).map((_, i) => 3 * c0[i]!);
      for (let t = 0; t < batch; t++) {
        const r = refBatched(false, false, m, n, k, a, t * m * k, k, b, t * k * n, n);
        for (let i = 0; i < m * n; i++) want[i]! += r[i]!;
      }
      let worst = 0;
      for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(c[i]! - want[i]!));
      expect(worst).toBeLessThanOrEqual(tol * 100);
    });
  }
});

describe('gemm argument validation', () => {
  const a = new Float64Array(6);
  const b = new Float64Array(6);
  const c = new Float64Array(4);
  it('rejects short arrays and bad leading dimensions', () => {
    expect(() => addon.gemm(false, false, 2, 2, 3, 1, a, 1, 3, b, 0, 2, 0, c, 0, 2)).toThrow(RangeError);
    expect(() => addon.gemm(false, false, 2, 2, 3, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2)).toThrow(RangeError);
    expect(() => addon.gemm(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 1, 2)).toThrow(RangeError);
    expect(() => addon.gemm(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2)).not.toThrow();
    expect(() =>
      addon.gemmBatched(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2, 2, 0, 0, 4),
    ).toThrow(RangeError);
  });
  it('rejects mixed dtypes, non-integers and overlapping output', () => {
    const f = new Float32Array(4);
    expect(() =>
      addon.gemm(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 0, f as unknown as Float64Array, 0, 2),
    ).toThrow(TypeError);
    expect(() => addon.gemm(false, false, 2.5, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2)).toThrow(RangeError);
    expect(() => addon.gemm(false, false, -1, 2, 3, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2)).toThrow(RangeError);
    const shared = new Float64Array(20);
    expect(() => addon.gemm(false, false, 2, 2, 2, 1, shared, 0, 2, shared, 4, 2, 0, shared, 2, 2)).toThrow(
      /overlap/,
    );
    expect(() =>
      addon.gemm(false, false, 2, 2, 2, 1, shared, 0, 2, shared, 4, 2, 0, shared, 8, 2),
    ).not.toThrow();
  });
  it('works on subarray views without copying', () => {
    const buf = new Float64Array([9, 1, 2, 3, 4, 9, 0, 0, 0, 0]);
    const A = buf.subarray(1, 5);
    const C = buf.subarray(6, 10);
    addon.gemm(false, false, 2, 2, 2, 1, A, 0, 2, A, 0, 2, 0, C, 0, 2);
    expect(Array.from(buf.subarray(6))).toEqual([7, 10, 15, 22]);
  });
});

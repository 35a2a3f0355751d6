import { afterAll, describe, expect, it } from 'vitest';
import type { BinaryOp, FloatArray, UnaryOp } from '../../src/backend/native/addon.js';
import {
  availableIsas,
  DTYPES,
  type FloatCtor,
  maxRelError,
  randomArray,
  requireAddon,
  rng,
} from './helpers.js';

const addon = requireAddon();
const thresholds = [addon.getElementwiseThreshold(false), addon.getElementwiseThreshold(true)] as const;
const initialThreads = addon.getNumThreads();

afterAll(() => {
  addon.setIsa('auto');
  addon.setElementwiseThreshold(false, thresholds[0]);
  addon.setElementwiseThreshold(true, thresholds[1]);
  addon.setNumThreads(initialThreads);
});

/** erfc to ~1e-16 relative: Taylor series of erf below 1, continued fraction above. */
function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 0) return 2 - erfc(-x);
  if (x < 1) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x > 27) return 0;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
  let f = x;
  for (let n = 400; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

const REFERENCE: Record<UnaryOp, (x: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => Math.max(x, 0),
  gelu: (x) => 0.5 * x * erfc(-x / Math.SQRT2),
  // 0.5 x (1 + tanh(u)) written as x * sigmoid(2u), which does not cancel for x << 0.
  geluTanh: (x) => x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  silu: (x) => x / (1 + Math.exp(-x)),
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  neg: (x) => -x,
  abs: Math.abs,
};

/** Inputs per op: a dense random range plus edge values. */
function inputs(op: UnaryOp, f32: boolean, n: number): number[] {
  const rand = rng(op.length * 7919 + n);
  const ranges: Record<UnaryOp, [number, number]> = {
    exp: f32 ? [-100, 88] : [-740, 709],
    log: [0, 1e6],
    tanh: [-25, 25],
    sigmoid: [-50, 50],
    relu: [-5, 5],
    gelu: f32 ? [-9, 9] : [-30, 30],
    geluTanh: [-8, 8],
    silu: [-50, 50],
    sqrt: [0, 1e6],
    rsqrt: [0, 1e6],
    square: [-1e3, 1e3],
    reciprocal: [-1e3, 1e3],
    neg: [-5, 5],
    abs: [-5, 5],
  };
  const [lo, hi] = ranges[op];
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    // Half the values log-distributed near zero, where relative accuracy is hardest.
    const r = rand();
    xs.push(i % 2 === 0 ? lo + (hi - lo) * r : (rand() < 0.5 ? -1 : 1) * 10 ** (-12 * r));
  }
  if (op === 'log' || op === 'sqrt' || op === 'rsqrt')
    for (let i = 1; i < n; i += 2) xs[i] = Math.abs(xs[i]!);
  const edges = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, -1, 0.5, 1e-30];
  if (!f32) edges.push(5e-324, 1e-310, 1e300, -1e300, 709.7, -745, 800, -800, 1 + 2 ** -52, 1 - 2 ** -53);
  else edges.push(1e-40, 3e38, 88.7, -103, 89, -110, 1 + 2 ** -23);
  for (let i = 0; i < edges.length && i < n; i++) xs[(i * 37) % n] = edges[i]!;
  return xs;
}

const TOL: Record<UnaryOp, [number, number]> = {
  // [float32, float64] relative tolerances
  exp: [1e-5, 1e-12],
  log: [1e-5, 1e-12],
  tanh: [1e-5, 1e-12],
  sigmoid: [1e-5, 1e-12],
  relu: [0, 0],
  gelu: [1e-5, 1e-12],
  geluTanh: [1e-5, 1e-12],
  silu: [1e-5, 1e-12],
  sqrt: [0, 0],
  rsqrt: [2e-7, 3e-16],
  square: [0, 0],
  reciprocal: [0, 0],
  neg: [0, 0],
  abs: [0, 0],
};

function expectClose(got: FloatArray, want: ArrayLike<number>, n: number, tol: number, label: string): void {
  // Results that underflow below the float32 normal range are compared absolutely.
  const floor = got instanceof Float32Array ? 1e-37 : 1e-300;
  const err = maxRelError(got, want, n, tol === 0 ? 0 : floor);
  if (!(err <= tol)) {
    for (let i = 0; i < n; i++) {
      const e = maxRelError([got[i]!], [want[i]!], 1, tol === 0 ? 0 : floor);
      if (!(e <= tol))
        throw new Error(`${label}: element ${i}: got ${got[i]}, want ${want[i]} (rel err ${e})`);
    }
  }
  expect(err).toBeLessThanOrEqual(tol);
}

function toArray<C extends FloatCtor>(Ctor: C, xs: number[]): InstanceType<C> {
  return Ctor.from(xs) as InstanceType<C>;
}

const SIZES = [0, 1, 5, 15, 16, 17, 33, 100, 1031];

describe.each(availableIsas(addon))('elementwise (%s)', (isa) => {
  for (const [dtype, Ctor] of DTYPES) {
    const f32 = Ctor === Float32Array;
    const round = f32 ? Math.fround : (x: number) => x;

    for (const op of Object.keys(REFERENCE) as UnaryOp[]) {
      it(`${dtype} ${op} matches Math`, () => {
        expect(addon.setIsa(isa)).toBe(isa);
        for (const n of SIZES) {
          const x = toArray(Ctor, inputs(op, f32, n));
          const out = new Ctor(n + 3).fill(42);
          addon.unary(op, x, out, n);
          const want = Array.from(x, (v) => round(REFERENCE[op](v)));
          expectClose(out, want, n, TOL[op][f32 ? 0 : 1], `${op} n=${n}`);
          expect(Array.from(out.subarray(n))).toEqual([42, 42, 42]);
          // In place gives the same result.
          const y = x.slice();
          addon.unary(op, y, y, n);
          expectClose(y, Array.from(out.subarray(0, n)), n, 0, `${op} in place`);
        }
      });
    }

    type ExactOp = Exclude<BinaryOp, 'tanhGrad' | 'sigmoidGrad' | 'reluGrad'>;
    const BIN: Record<ExactOp, (a: number, b: number) => number> = {
      add: (a, b) => a + b,
      sub: (a, b) => a - b,
      mul: (a, b) => a * b,
      div: (a, b) => a / b,
      max: Math.max,
      min: Math.min,
      rsub: (a, b) => b - a,
      rdiv: (a, b) => b / a,
    };

    it(`${dtype} binary ops are exact`, () => {
      addon.setIsa(isa);
      const rand = rng(3);
      for (const n of SIZES) {
        const a = randomArray(Ctor, n, rand, -3, 3);
        const b = randomArray(Ctor, n, rand, -3, 3);
        if (n > 10) {
          a[3] = Number.NaN;
          b[7] = Number.NaN;
          b[8] = 0;
        }
        for (const op of Object.keys(BIN) as ExactOp[]) {
          const out = new Ctor(n);
          addon.binary(op, a, b, out, n);
          expectClose(
            out,
            Array.from(a, (v, i) => round(BIN[op](v, b[i]!))),
            n,
            0,
            `${op} n=${n}`,
          );
          const outS = new Ctor(n);
          addon.binaryScalar(op, a, 1.75, outS, n);
          expectClose(
            outS,
            Array.from(a, (v) => round(BIN[op](v, 1.75))),
            n,
            0,
            `${op} scalar n=${n}`,
          );
        }
        const inPlace = a.slice();
        addon.binary('mul', inPlace, b, inPlace, n);
        expectClose(
          inPlace,
          Array.from(a, (v, i) => round(v * b[i]!)),
          n,
          0,
          'mul in place',
        );
      }
    });

    // Fused activation backward passes: one rounding per operation at most, so ~1 ulp.
    const GRAD: Record<'tanhGrad' | 'sigmoidGrad' | 'reluGrad', (g: number, v: number) => number> = {
      tanhGrad: (g, y) => g * (1 - y * y),
      sigmoidGrad: (g, y) => g * y * (1 - y),
      reluGrad: (g, x) => (x > 0 ? g : 0),
    };
    it(`${dtype} fused activation gradients`, () => {
      addon.setIsa(isa);
      const rand = rng(5);
      const ulp = f32 ? 4e-7 : 5e-16;
      for (const n of SIZES) {
        const g = randomArray(Ctor, n, rand, -3, 3);
        const v = randomArray(Ctor, n, rand, -0.999, 0.999);
        if (n > 10) v[4] = Number.NaN;
        for (const op of Object.keys(GRAD) as (keyof typeof GRAD)[]) {
          const out = new Ctor(n);
          addon.binary(op, g, v, out, n);
          // tanh and sigmoid are relative to |g| (1 - y² cancels near |y| = 1); relu is exact.
          for (let i = 0; i < n; i++) {
            const want = GRAD[op](g[i]!, v[i]!);
            if (Number.isNaN(want)) expect(out[i], `${op} n=${n} i=${i}`).toBeNaN();
            else
              expect(Math.abs(out[i]! - want), `${op} n=${n} i=${i}`).toBeLessThanOrEqual(
                ulp * 3 * Math.abs(g[i]!),
              );
          }
          const outS = new Ctor(n);
          addon.binaryScalar(op, g, 0.25, outS, n);
          for (let i = 0; i < n; i++)
            expect(Math.abs(outS[i]! - GRAD[op](g[i]!, 0.25))).toBeLessThanOrEqual(ulp * 3 * Math.abs(g[i]!));
        }
      }
    });

    it(`${dtype} binaryBroadcast matches the elementwise definition`, () => {
      addon.setIsa(isa);
      const rand = rng(9);
      for (const [rows, cols] of [
        [1, 1],
        [64, 32],
        [5, 2],
        [3, 37],
        [0, 4],
        [90, 70],
      ] as const) {
        const dense = randomArray(Ctor, rows * cols, rand, -2, 2);
        const row = randomArray(Ctor, cols, rand, 0.5, 2);
        const col = randomArray(Ctor, rows, rand, 0.5, 2);
        for (const op of ['add', 'sub', 'mul', 'div', 'max', 'rsub'] as const) {
          for (const swap of [false, true]) {
            for (const mode of [0, 1] as const) {
              const out = new Ctor(rows * cols);
              addon.binaryBroadcast(op, dense, mode === 0 ? row : col, out, rows, cols, mode, swap);
              const want = Array.from(dense, (d, i) => {
                const vv = mode === 0 ? row[i % cols]! : col[Math.floor(i / cols)]!;
                return round(swap ? BIN[op](vv, d) : BIN[op](d, vv));
              });
              expectClose(out, want, rows * cols, 0, `${op} ${rows}x${cols} mode ${mode} swap ${swap}`);
            }
          }
        }
        const out = new Ctor(rows * cols);
        addon.binaryBroadcast('tanhGrad', dense, row, out, rows, cols, 0, false);
        for (let i = 0; i < rows * cols; i++)
          expect(out[i]).toBeCloseTo(dense[i]! * (1 - row[i % cols]! ** 2), f32 ? 5 : 12);
      }
      expect(() =>
        addon.binaryBroadcast('reluGrad', new Ctor(4), new Ctor(2), new Ctor(4), 2, 2, 0, true),
      ).toThrow(/cannot swap/);
      expect(() =>
        addon.binaryBroadcast('add', new Ctor(4), new Ctor(1), new Ctor(4), 2, 2, 0, false),
      ).toThrow(/vec/);
    });

    it(`${dtype} sumMiddleAxis sums the middle axis in double precision`, () => {
      addon.setIsa(isa);
      const rand = rng(13);
      for (const [outer, red, inner] of [
        [1, 64, 32],
        [3, 5, 7],
        [2, 1, 9],
        [4, 0, 3],
        [1, 20000, 3],
      ] as const) {
        const x = randomArray(Ctor, outer * red * inner, rand, -1, 3);
        const out = new Ctor(outer * inner).fill(42);
        addon.sumMiddleAxis(x, out, outer, red, inner);
        const want: number[] = [];
        for (let o = 0; o < outer; o++)
          for (let i = 0; i < inner; i++) {
            let sum = 0;
            for (let r = 0; r < red; r++) sum += x[(o * red + r) * inner + i]!;
            want.push(round(sum));
          }
        expectClose(out, want, outer * inner, f32 ? 1e-7 : 1e-13, `sumMiddleAxis ${outer}x${red}x${inner}`);
      }
    });

    it(`${dtype} sum, sumLastAxis and axpy`, () => {
      addon.setIsa(isa);
      const rand = rng(11);
      for (const n of [...SIZES, 5000, 300_001]) {
        const x = randomArray(Ctor, n, rand, -1, 3);
        let want = 0;
        let comp = 0;
        for (let i = 0; i < n; i++) {
          const y = x[i]! - comp;
          const t = want + y;
          comp = t - want - y;
          want = t;
        }
        const got = addon.sum(x, n);
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * (Math.abs(want) + n));
      }
      for (const [rows, cols] of [
        [1, 1],
        [3, 17],
        [100, 3],
        [7, 1000],
        [0, 5],
        [4, 0],
      ] as const) {
        const x = randomArray(Ctor, rows * cols, rand);
        const out = new Ctor(rows);
        addon.sumLastAxis(x, out, rows, cols);
        const want = Array.from({ length: rows }, (_, r) => {
          let s = 0;
          for (let c = 0; c < cols; c++) s += x[r * cols + c]!;
          return round(s);
        });
        expectClose(out, want, rows, f32 ? 1e-6 : 1e-13, `sumLastAxis ${rows}x${cols}`);
      }
      for (const n of SIZES) {
        const x = randomArray(Ctor, n, rand);
        const y = randomArray(Ctor, n, rand);
        const y0 = y.slice();
        addon.axpy(-0.375, x, y, n);
        // FMA contraction may round once instead of twice: allow 1 ulp.
        const want = Array.from(y0, (v, i) => round(v + round(-0.375 * x[i]!)));
        let worst = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i]! - want[i]!));
        expect(worst).toBeLessThanOrEqual(f32 ? 4e-7 : 1e-15);
      }
    });
  }
});

/** Row-wise softmax / log-softmax and their backward in double precision (the reference). */
function softmaxRef(x: ArrayLike<number>, rows: number, cols: number, log: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, i) => x[r * cols + i]!);
    const mx = row.some(Number.isNaN) ? Number.NaN : Math.max(...row);
    const s = row.reduce((acc, v) => acc + Math.exp(v - mx), 0);
    for (const v of row) out.push(log ? v - mx - Math.log(s) : Math.exp(v - mx) / s);
  }
  return out;
}

function softmaxGradRef(
  y: ArrayLike<number>,
  g: ArrayLike<number>,
  rows: number,
  cols: number,
  log: boolean,
) {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let d = 0;
    for (let i = 0; i < cols; i++) d += log ? g[r * cols + i]! : g[r * cols + i]! * y[r * cols + i]!;
    for (let i = 0; i < cols; i++) {
      const j = r * cols + i;
      out.push(log ? g[j]! - Math.exp(y[j]!) * d : y[j]! * (g[j]! - d));
    }
  }
  return out;
}

describe.each(availableIsas(addon))('softmax rows (%s)', (isa) => {
  for (const [dtype, Ctor] of DTYPES) {
    const tol = Ctor === Float32Array ? 2e-6 : 1e-13;
    for (const log of [false, true]) {
      it(`${dtype} ${log ? 'log-softmax' : 'softmax'} and its gradient match double precision`, () => {
        expect(addon.setIsa(isa)).toBe(isa);
        const rand = rng(7);
        for (const cols of [1, 3, 16, 17, 40, 100]) {
          const rows = 5;
          const x = randomArray(Ctor, rows * cols, rand, -8, 8);
          const out = new Ctor(rows * cols + 2).fill(42);
          addon.softmax(x, out, rows, cols, log);
          // Log-softmax values near 0 are differences of O(1) terms: error relative to max(|v|, 1).
          expect(maxRelError(out, softmaxRef(x, rows, cols, log), rows * cols, log ? 1 : 1e-30)).toBeLessThan(
            tol * 4,
          );
          expect(Array.from(out.subarray(rows * cols))).toEqual([42, 42]);
          // In place gives the same result.
          const y = x.slice();
          addon.softmax(y, y, rows, cols, log);
          expect(maxRelError(y, out, rows * cols)).toBe(0);
          const g = randomArray(Ctor, rows * cols, rand);
          const gx = new Ctor(rows * cols);
          addon.softmaxGrad(y, g, gx, rows, cols, log);
          expect(maxRelError(gx, softmaxGradRef(y, g, rows, cols, log), rows * cols, 1e-6)).toBeLessThan(
            tol * 50,
          );
        }
      });
    }

    it(`${dtype}: a NaN poisons its row only; -Inf entries get probability 0`, () => {
      const x = Ctor.from([1, Number.NaN, 2, 0, Number.NEGATIVE_INFINITY, 0]);
      const out = new Ctor(6);
      addon.softmax(x, out, 2, 3, false);
      expect(Array.from(out.subarray(0, 3)).every(Number.isNaN)).toBe(true);
      expect(Array.from(out.subarray(3))).toEqual([0.5, 0, 0.5]);
    });
  }
});

describe('elementwise threading', () => {
  it('gives identical results above and below the parallel threshold', () => {
    addon.setIsa('auto');
    addon.setNumThreads(Math.max(2, initialThreads));
    const rand = rng(5);
    for (const [, Ctor] of DTYPES) {
      const n = 200_003;
      const x = randomArray(Ctor, n, rand, -4, 4);
      const y = randomArray(Ctor, n, rand, -4, 4);
      const serial = new Ctor(n);
      const threaded = new Ctor(n);
      for (const op of ['exp', 'tanh', 'relu', 'gelu'] as const) {
        addon.setElementwiseThreshold(false, 1e9);
        addon.setElementwiseThreshold(true, 1e9);
        addon.unary(op, x, serial, n);
        addon.setElementwiseThreshold(false, 1000);
        addon.setElementwiseThreshold(true, 1000);
        addon.unary(op, x, threaded, n);
        expect(maxRelError(threaded, serial, n)).toBe(0);
      }
      addon.setElementwiseThreshold(false, 1e9);
      addon.binary('add', x, y, serial, n);
      const s1 = addon.sum(x, n);
      addon.setElementwiseThreshold(false, 1000);
      addon.binary('add', x, y, threaded, n);
      const s2 = addon.sum(x, n);
      expect(maxRelError(threaded, serial, n)).toBe(0);
      expect(Math.abs(s1 - s2)).toBeLessThanOrEqual(1e-9);
      const ys = y.slice();
      addon.axpy(2, x, ys, n);
      addon.setElementwiseThreshold(false, 1e9);
      const yt = y.slice();
      addon.axpy(2, x, yt, n);
      expect(maxRelError(ys, yt, n)).toBe(0);
    }
    addon.setElementwiseThreshold(false, thresholds[0]);
    addon.setElementwiseThreshold(true, thresholds[1]);
  });
});

describe('elementwise argument validation', () => {
  it('rejects unknown ops, short arrays, mixed dtypes and partial overlap', () => {
    const x = new Float64Array(10);
    expect(() => addon.unary('cosh' as UnaryOp, x, x, 10)).toThrow(RangeError);
    expect(() => addon.binary('pow' as BinaryOp, x, x, x, 10)).toThrow(RangeError);
    expect(() => addon.unary('exp', x, new Float64Array(5), 10)).toThrow(RangeError);
    expect(() => addon.unary('exp', x, new Float32Array(10) as unknown as Float64Array, 10)).toThrow(
      TypeError,
    );
    expect(() => addon.unary('exp', x.subarray(0, 8), x.subarray(2), 8)).toThrow(/overlap/);
    expect(() => addon.sum(x, 11)).toThrow(RangeError);
    expect(() => addon.unary('exp', [1, 2] as unknown as Float64Array, x, 2)).toThrow(TypeError);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type AbstractBrownianPath,
  type BrownianIncrement,
  BrownianInterval,
  VirtualBrownianTree,
} from '../../src/diffeq/index.js';
import { ArgumentError, ShapeError } from '../../src/index.js';
import { randomKey } from '../../src/random/index.js';

/** Z-score limit for the statistical checks (fixed seeds; |z| < 4 fails with p ≈ 6e-5 per check). */
const Z = 4;
const P = 4000;

function data(t: { dataSync(): ArrayLike<number> }): Float64Array {
  return Float64Array.from(t.dataSync());
}
function mean(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}
function second(x: Float64Array, y: Float64Array = x): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s / x.length;
}

/**
 * Increments over disjoint intervals: mean 0, variance h, space-time Lévy area with
 * variance h/12, uncorrelated with W, and no correlation across intervals.
 */
function checkLaw(bm: AbstractBrownianPath, pts: number[]): void {
  const incs: BrownianIncrement[] = [];
  for (let i = 0; i + 1 < pts.length; i++) incs.push(bm.increment(pts[i]!, pts[i + 1]!));
  const W = incs.map((c) => data(c.W));
  const H = incs.map((c) => data(c.H!));
  incs.forEach((c, i) => {
    const h = c.dt;
    expect(c.W.shape).toEqual([P]);
    expect(Math.abs(mean(W[i]!)) / Math.sqrt(h / P)).toBeLessThan(Z);
    // Var of the sample second moment of N(0, v) is 2v²/P.
    expect(Math.abs(second(W[i]!) / h - 1) / Math.sqrt(2 / P)).toBeLessThan(Z);
    expect(Math.abs(second(H[i]!) / (h / 12) - 1) / Math.sqrt(2 / P)).toBeLessThan(Z);
    // corr(W, H) ≈ 0: its sample value has standard deviation 1/√P.
    expect(Math.abs(second(W[i]!, H[i]!) / Math.sqrt((h * h) / 12)) * Math.sqrt(P)).toBeLessThan(Z);
  });
  for (let i = 0; i < incs.length; i++) {
    for (let j = i + 1; j < incs.length; j++) {
      const hi = incs[i]!.dt;
      const hj = incs[j]!.dt;
      const cw = second(W[i]!, W[j]!) / Math.sqrt(hi * hj);
      const ch = second(H[i]!, H[j]!) / Math.sqrt((hi * hj) / 144);
      const cwh = second(W[i]!, H[j]!) / Math.sqrt((hi * hj) / 12);
      expect(Math.abs(cw) * Math.sqrt(P)).toBeLessThan(Z);
      expect(Math.abs(ch) * Math.sqrt(P)).toBeLessThan(Z);
      expect(Math.abs(cwh) * Math.sqrt(P)).toBeLessThan(Z);
    }
  }
}

const PTS = [0, 0.3, 0.3 + 2 ** -9, 1.1, 1.75, 2];

describe('VirtualBrownianTree', () => {
  it('has independent Gaussian increments (variance h) and Lévy areas (variance h/12) over disjoint intervals', () => {
    const bm = new VirtualBrownianTree({
      t0: 0,
      t1: 2,
      shape: [P],
      key: randomKey(11),
      dtype: 'float64',
      levyArea: 'space-time',
      tol: 2 ** -10,
    });
    checkLaw(bm, PTS);
  });

  it('is exact at query points in different leaves of a shallow tree', () => {
    // depth 2 on [0, 2]: leaves of length 0.5; 0.1, 0.6, 1.2 and 1.9 sit inside different leaves.
    const bm = new VirtualBrownianTree({
      t0: 0,
      t1: 2,
      shape: [P],
      key: randomKey(12),
      dtype: 'float64',
      levyArea: 'space-time',
      depth: 2,
    });
    checkLaw(bm, [0.1, 0.6, 1.2, 1.9]);
  });

  it('returns bit-identical values for repeated queries, in any order, and from the same key', () => {
    const opts = {
      t0: 0,
      t1: 1,
      shape: [3, 2],
      key: randomKey(5),
      levyArea: 'space-time' as const,
      tol: 1e-3,
    };
    const a = new VirtualBrownianTree(opts);
    const first = data(a.evaluate(0.25, 0.7));
    a.evaluate(0.9);
    a.increment(0.1, 0.2);
    expect(data(a.evaluate(0.25, 0.7))).toEqual(first);
    const ts = [0.05, 0.33, 0.5, 0.71, 0.999, 1];
    const forward = ts.map((t) => data(a.evaluate(t)));
    const forwardH = ts.slice(1).map((t, i) => data(a.increment(ts[i]!, t).H!));
    const b = new VirtualBrownianTree(opts);
    const backward = [...ts].reverse().map((t) => data(b.evaluate(t)));
    const backwardH = ts
      .slice(1)
      .reverse()
      .map((t) => data(b.increment(ts[ts.indexOf(t) - 1]!, t).H!));
    expect(backward.reverse()).toEqual(forward);
    expect(backwardH.reverse()).toEqual(forwardH);
    const other = new VirtualBrownianTree({ ...opts, key: randomKey(6) });
    expect(data(other.evaluate(0.5))).not.toEqual(forward[2]);
  });

  it('is additive: W(a,c) = W(a,b) + W(b,c) and H joins by the Lévy-area formula', () => {
    const bm = new VirtualBrownianTree({
      t0: -1,
      t1: 3,
      shape: [50],
      key: randomKey(3),
      dtype: 'float64',
      levyArea: 'space-time',
    });
    const [a, b, c] = [-0.7, 0.4, 2.9];
    const ac = bm.increment(a, c);
    const ab = bm.increment(a, b);
    const bc = bm.increment(b, c);
    const [Wac, Wab, Wbc] = [data(ac.W), data(ab.W), data(bc.W)];
    const [Hac, Hab, Hbc] = [data(ac.H!), data(ab.H!), data(bc.H!)];
    const L1 = b - a;
    const L2 = c - b;
    for (let i = 0; i < 50; i++) {
      expect(Math.abs(Wac[i]! - Wab[i]! - Wbc[i]!)).toBeLessThan(1e-13);
      const joined =
        (L2 * Wab[i]! - L1 * Wbc[i]!) / (2 * (L1 + L2)) + (L1 * Hab[i]! + L2 * Hbc[i]!) / (L1 + L2);
      expect(Math.abs(Hac[i]! - joined)).toBeLessThan(1e-12);
    }
    expect(data(bm.evaluate(a, c))).toEqual(Wac);
    // evaluate(t) is W(t) − W(t0), and evaluate(tb, ta) = −evaluate(ta, tb).
    const Wa = data(bm.evaluate(a));
    const Wc = data(bm.evaluate(c));
    for (let i = 0; i < 50; i++) expect(Math.abs(Wc[i]! - Wa[i]! - Wac[i]!)).toBeLessThan(1e-13);
    expect(data(bm.evaluate(c, a))).toEqual(Wac.map((v) => -v));
  });

  it('returns the requested shape and dtype', () => {
    const bm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [2, 3, 4], key: randomKey(0) });
    const w = bm.evaluate(0.1, 0.4);
    expect(w.shape).toEqual([2, 3, 4]);
    expect(w.dtype).toBe('float32');
    expect(bm.increment(0.1, 0.4).H).toBeUndefined();
    const scalar = new VirtualBrownianTree({ t0: 0, t1: 1, key: randomKey(0), dtype: 'float64' });
    expect(scalar.evaluate(0.5).shape).toEqual([]);
    expect(scalar.depth).toBe(16);
    expect(new VirtualBrownianTree({ t0: 0, t1: 1, key: randomKey(0), tol: 0.01 }).depth).toBe(7);
  });

  it('reports bad options and queries clearly', () => {
    const key = randomKey(0);
    expect(() => new VirtualBrownianTree({ t0: 1, t1: 1, key })).toThrow(
      /VirtualBrownianTree: need finite t0 < t1/,
    );
    expect(() => new VirtualBrownianTree({ t0: 0, t1: 1, key, shape: [2, 0] })).toThrow(ShapeError);
    expect(() => new VirtualBrownianTree({ t0: 0, t1: 1, key, tol: 0 })).toThrow(/tol must be a positive/);
    expect(() => new VirtualBrownianTree({ t0: 0, t1: 1, key, tol: 0.1, depth: 3 })).toThrow(/tol or depth/);
    expect(() => new VirtualBrownianTree({ t0: 0, t1: 1, key: 3 as never })).toThrow(/key must be a PRNGKey/);
    expect(() => new VirtualBrownianTree({ t0: 0, t1: 1, key, dtype: 'int32' })).toThrow(ArgumentError);
    expect(() => new VirtualBrownianTree({ t0: 0, t1: 1, key, levyArea: 'davie' as never })).toThrow(
      /levyArea/,
    );
    const bm = new VirtualBrownianTree({ t0: 0, t1: 1, key });
    expect(() => bm.evaluate(1.5)).toThrow(
      /VirtualBrownianTree.evaluate: query time 1.5 is outside \[t0, t1\] = \[0, 1\]/,
    );
    expect(() => bm.increment(0.5, 0.2)).toThrow(/need ta ≤ tb/);
  });
});

describe('BrownianInterval', () => {
  it('has the law of Brownian motion with its Lévy area', () => {
    const bm = new BrownianInterval({
      t0: 0,
      t1: 2,
      shape: [P],
      key: randomKey(21),
      dtype: 'float64',
      levyArea: 'space-time',
      dt: 0.1,
    });
    checkLaw(bm, PTS);
  });

  it('agrees in law with the virtual Brownian tree on a solver-like query sequence', () => {
    // Sequential steps of 0.05 with a "rejected" longer query before each: the second
    // moments of every increment match between the two samplers (two-sample z-tests).
    const mk = (Cls: typeof BrownianInterval | typeof VirtualBrownianTree, seed: number) =>
      new Cls({
        t0: 0,
        t1: 1,
        shape: [P],
        key: randomKey(seed),
        dtype: 'float64',
        levyArea: 'space-time',
        tol: 2 ** -8,
        dt: 0.05,
      });
    const bi = mk(BrownianInterval, 31);
    const vbt = mk(VirtualBrownianTree, 32);
    for (let k = 0; k < 20; k += 4) {
      const ta = k * 0.05;
      const tb = ta + 0.05;
      bi.increment(ta, Math.min(1, ta + 0.13));
      const a = bi.increment(ta, tb);
      const b = vbt.increment(ta, tb);
      // Var of the difference of two sample second moments (each 2v²/P).
      const sw = Math.sqrt((2 * 2 * 0.05 * 0.05) / P);
      const sh = Math.sqrt((2 * 2 * (0.05 / 12) ** 2) / P);
      expect(Math.abs(second(data(a.W)) - second(data(b.W))) / sw).toBeLessThan(Z);
      expect(Math.abs(second(data(a.H!)) - second(data(b.H!))) / sh).toBeLessThan(Z);
    }
  });

  it('gives the same values for repeated queries, also after cache eviction', () => {
    const bm = new BrownianInterval({
      t0: 0,
      t1: 1,
      shape: [4],
      key: randomKey(2),
      dtype: 'float64',
      levyArea: 'space-time',
      cacheSize: 4,
      dt: 0.01,
    });
    const first = bm.increment(0.123, 0.456);
    const W0 = data(first.W);
    const H0 = data(first.H!);
    for (let k = 0; k < 100; k++) bm.evaluate(k / 100, (k + 1) / 100);
    expect(bm.stats.cached).toBeLessThanOrEqual(4);
    const again = bm.increment(0.123, 0.456);
    expect(data(again.W)).toEqual(W0);
    expect(data(again.H!)).toEqual(H0);
    // Additivity on the refined tree.
    const a = data(bm.evaluate(0.123, 0.3));
    const b = data(bm.evaluate(0.3, 0.456));
    for (let i = 0; i < 4; i++) expect(Math.abs(a[i]! + b[i]! - W0[i]!)).toBeLessThan(1e-14);
  });

  it('answers sequential queries in O(1) amortised work', () => {
    const count = (n: number): number => {
      const bm = new BrownianInterval({ t0: 0, t1: 1, shape: [2], key: randomKey(4), cacheSize: 64 });
      for (let k = 0; k < n; k++) bm.evaluate(k / n, (k + 1) / n);
      return bm.stats.splits / n;
    };
    const small = count(64);
    const large = count(4096);
    // Splits (the unit of sampling work) per query stay bounded as the number of queries grows.
    expect(large).toBeLessThan(3);
    expect(large).toBeLessThan(small + 1);
  });

  it('reports bad options', () => {
    const key = randomKey(0);
    expect(() => new BrownianInterval({ t0: 0, t1: 1, key, cacheSize: 2 })).toThrow(
      /BrownianInterval: cacheSize must be ≥ 4/,
    );
    expect(() => new BrownianInterval({ t0: 0, t1: 1, key, dt: -1 })).toThrow(/dt must be a positive/);
    const bm = new BrownianInterval({ t0: 0, t1: 1, key });
    expect(() => bm.evaluate(-0.5)).toThrow(/BrownianInterval.evaluate: query time -0.5 is outside/);
    expect(() => bm.increment(0.6, 0.5)).toThrow(/need ta ≤ tb/);
  });
});

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/tensor.js';
import * as init from '../../src/nn/init.js';
import { Parameter } from '../../src/nn/parameter.js';
import { empty, zeros } from '../../src/ops/creation.js';
import { manualSeed, randomKey } from '../../src/random/key.js';

function stats(t: Tensor): { mean: number; variance: number; min: number; max: number } {
  const d = t._contiguousData();
  let s = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of d) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  let v2 = 0;
  for (const v of d) v2 += (v - mean) ** 2;
  return { mean, variance: v2 / d.length, min, max };
}

const key = randomKey(1234);

describe('fans and gains', () => {
  it('computes fan-in/fan-out like PyTorch', () => {
    expect(init.calculateFanInAndFanOut(empty([5, 3]))).toEqual({ fanIn: 3, fanOut: 5 });
    expect(init.calculateFanInAndFanOut(empty([16, 8, 3, 3]))).toEqual({ fanIn: 72, fanOut: 144 });
    expect(init.calculateFanInAndFanOut([4, 2, 5])).toEqual({ fanIn: 10, fanOut: 20 });
    expect(() => init.calculateFanInAndFanOut(empty([5]))).toThrow(/at least 2 dims/);
  });

  it('has PyTorch gains', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)));
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3));
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(() => init.calculateGain('nope' as init.Nonlinearity)).toThrow(/unsupported/);
  });
});

describe('simple fills', () => {
  it('constant/zeros/ones/eye', () => {
    const t = empty([2, 3]);
    expect(init.constant_(t, 2.5)).toBe(t);
    expect(stats(t)).toMatchObject({ min: 2.5, max: 2.5 });
    init.ones_(t);
    expect(stats(t).mean).toBe(1);
    init.zeros_(t);
    expect(stats(t).max).toBe(0);
    init.eye_(t);
    expect(t.toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('works on parameters without recording a graph', () => {
    const p = new Parameter(zeros([10, 10]));
    init.normal_(p);
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
    expect(p.version).toBe(1);
  });

  it('rejects integer tensors', () => {
    expect(() => init.uniform_(zeros([3], { dtype: 'int32' }))).toThrow(/floating/);
  });
});

describe('random initialisers', () => {
  it('uniform_ and normal_ have the requested moments', () => {
    const u = init.uniform_(empty([200, 500]), -2, 4, { key });
    const su = stats(u);
    expect(su.min).toBeGreaterThanOrEqual(-2);
    expect(su.max).toBeLessThan(4);
    expect(su.mean).toBeCloseTo(1, 1);
    expect(su.variance / 3).toBeCloseTo(1, 1);
    const n = init.normal_(empty([200, 500], { dtype: 'float64' }), 3, 0.5, { key });
    const sn = stats(n);
    expect(sn.mean).toBeCloseTo(3, 2);
    expect(Math.abs(sn.variance / 0.25 - 1)).toBeLessThan(0.02);
  });

  it('a key makes draws reproducible; the global generator follows manualSeed', () => {
    const a = init.kaimingUniform_(empty([8, 8]), { key });
    const b = init.kaimingUniform_(empty([8, 8]), { key });
    const c = init.kaimingUniform_(empty([8, 8]), { key: randomKey(99) });
    expect(a.toArray()).toEqual(b.toArray());
    expect(a.toArray()).not.toEqual(c.toArray());
    manualSeed(7);
    const g1 = init.xavierNormal_(empty([8, 8]));
    manualSeed(7);
    const g2 = init.xavierNormal_(empty([8, 8]));
    expect(g1.toArray()).toEqual(g2.toArray());
  });

  it('kaimingUniform_/kaimingNormal_ have variance gain²/fan', () => {
    const t = empty([512, 256]);
    // relu (default a = 0): var = 2 / fanIn
    const ku = stats(init.kaimingUniform_(t, { key }));
    expect(Math.abs(ku.variance / (2 / 256) - 1)).toBeLessThan(0.02);
    expect(ku.max).toBeLessThanOrEqual(Math.sqrt(6 / 256));
    expect(Math.abs(ku.mean)).toBeLessThan(0.002);
    const kn = stats(init.kaimingNormal_(t, { key, mode: 'fanOut' }));
    expect(Math.abs(kn.variance / (2 / 512) - 1)).toBeLessThan(0.03);
    // PyTorch's Linear default: a = √5 → U(−1/√fanIn, 1/√fanIn).
    const d = stats(init.kaimingUniform_(t, { key, a: Math.sqrt(5) }));
    expect(d.max).toBeLessThanOrEqual(1 / 16);
    expect(d.max).toBeGreaterThan(0.99 / 16);
    expect(Math.abs(d.variance / (1 / 3 / 256) - 1)).toBeLessThan(0.02);
    const tanh = stats(init.kaimingNormal_(t, { key, nonlinearity: 'tanh' }));
    expect(Math.abs(tanh.variance / (25 / 9 / 256) - 1)).toBeLessThan(0.03);
    expect(() => init.kaimingUniform_(t, { mode: 'fan_in' as init.FanMode })).toThrow(/mode/);
  });

  it('xavierUniform_/xavierNormal_ have variance gain²·2/(fanIn+fanOut)', () => {
    const t = empty([64, 32, 3, 3]); // fanIn 288, fanOut 576
    const target = 2 / (288 + 576);
    const xu = stats(init.xavierUniform_(t, { key }));
    expect(Math.abs(xu.variance / target - 1)).toBeLessThan(0.02);
    const xn = stats(init.xavierNormal_(t, { key, gain: 2 }));
    expect(Math.abs(xn.variance / (4 * target) - 1)).toBeLessThan(0.03);
  });

  it('truncNormal_ stays within bounds with the truncated moments', () => {
    const t = init.truncNormal_(empty([100, 1000]), { key });
    const s = stats(t);
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThanOrEqual(2);
    expect(Math.abs(s.mean)).toBeLessThan(0.01);
    expect(Math.abs(s.variance / 0.7737413 - 1)).toBeLessThan(0.02);
    const u = stats(init.truncNormal_(empty([1000]), { key, mean: 1, std: 0.1, a: 0.95, b: 1.2 }));
    expect(u.min).toBeGreaterThanOrEqual(0.95);
    expect(u.max).toBeLessThanOrEqual(1.2);
  });

  it('orthogonal_ gives orthonormal rows or columns (times gain)', () => {
    const check = (rows: number, cols: number, gain: number) => {
      const t = init.orthogonal_(empty([rows, cols], { dtype: 'float64' }), { key, gain });
      const w = t._contiguousData();
      // Gram matrix of the smaller side: WWᵀ (rows ≤ cols) or WᵀW.
      const n = Math.min(rows, cols);
      let maxErr = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          if (rows <= cols) for (let k = 0; k < cols; k++) dot += w[i * cols + k]! * w[j * cols + k]!;
          else for (let k = 0; k < rows; k++) dot += w[k * cols + i]! * w[k * cols + j]!;
          maxErr = Math.max(maxErr, Math.abs(dot - (i === j ? gain * gain : 0)));
        }
      }
      expect(maxErr).toBeLessThan(1e-10);
    };
    check(64, 64, 1);
    check(32, 80, 1);
    check(80, 32, 2);
    // float32 and >2-D tensors: viewed as [shape[0], rest].
    const c = init.orthogonal_(empty([8, 2, 2, 2]), { key });
    const d = c._contiguousData();
    let diag = 0;
    for (let k = 0; k < 8; k++) diag += d[k]! * d[k]!;
    expect(diag).toBeCloseTo(1, 5);
    expect(() => init.orthogonal_(empty([3]))).toThrow(/2 or more dims/);
  });
});

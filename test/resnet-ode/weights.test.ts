import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../src/core/errors.js';
import { randomKey } from '../../src/index.js';
import {
  embeddingA,
  initWeights,
  interpolateWeights,
  layerPositions,
  layerV,
  layerW,
  maxSuccessiveDistance,
  projectionB,
  randomSmoothFunctions,
  sampleSquaredExponentialGP,
} from '../../src/resnet-ode/index.js';

describe('initialisations', () => {
  const dims = { inputDim: 3, hidden: 4, width: 5 };

  it('tied: V = 0 and every W_k equal to one N(0,1) matrix (shared across depths via W0)', () => {
    const w = initWeights({ ...dims, depth: 6 }, { init: { kind: 'tied' }, key: randomKey(1) });
    expect(w.V.every((v) => v === 0)).toBe(true);
    for (let k = 1; k < 6; k++) expect(layerW(w, k)).toEqual(layerW(w, 0));
    const W0 = layerW(w, 0).slice();
    const deeper = initWeights({ ...dims, depth: 12 }, { init: { kind: 'tied', W0 } });
    expect(layerW(deeper, 11)).toEqual(W0);
    expect(w.A).toEqual(embeddingA(4, 3));
    expect(w.B).toEqual(projectionB(3, 4));
  });

  it('A = [I; 0] and B = [0, I]', () => {
    expect(Array.from(embeddingA(3, 2))).toEqual([1, 0, 0, 1, 0, 0]);
    expect(Array.from(projectionB(2, 3))).toEqual([0, 1, 0, 0, 0, 1]);
    expect(() => embeddingA(1, 2)).toThrow(ArgumentError);
  });

  it('iid: independent N(0,1) layers, V = 0 unless vStd > 0', () => {
    const w = initWeights({ ...dims, depth: 200 }, { init: { kind: 'iid' }, key: randomKey(2) });
    let s = 0;
    let s2 = 0;
    for (const v of w.W) {
      s += v;
      s2 += v * v;
    }
    const N = w.W.length;
    expect(Math.abs(s / N)).toBeLessThan(0.05);
    expect(Math.abs(s2 / N - 1)).toBeLessThan(0.05);
    expect(w.V.every((v) => v === 0)).toBe(true);
    // Successive distances are O(1): about √(2qm).
    expect(maxSuccessiveDistance(w)).toBeGreaterThan(0.5 * Math.sqrt(40));
    const v = initWeights({ ...dims, depth: 4 }, { init: { kind: 'iid', vStd: 0.5 }, key: randomKey(2) });
    expect(v.V.some((x) => x !== 0)).toBe(true);
  });

  it('gp: entries are Gaussian processes in depth with the squared-exponential covariance', () => {
    const L = 12;
    const ell = 0.25;
    const big = { inputDim: 64, hidden: 64, width: 64 };
    const w = initWeights(
      { ...big, depth: L },
      { init: { kind: 'gp', lengthScale: ell }, key: randomKey(3) },
    );
    const qm = 64 * 64;
    const s = layerPositions(L);
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [2, 5],
      [0, 11],
    ] as const) {
      let c = 0;
      for (let i = 0; i < qm; i++) c += w.W[a * qm + i]! * w.W[b * qm + i]!;
      const expected = Math.exp(-((s[a]! - s[b]!) ** 2) / (2 * ell * ell));
      // 4096 independent samples: standard error ≤ √2/64 ≈ 0.022.
      expect(Math.abs(c / qm - expected)).toBeLessThan(0.1);
    }
  });

  it('the GP sampler is exact on a known two-point kernel', () => {
    // Two points at distance ℓ: correlation e^{−1/2}; check the empirical covariance on many draws.
    const draws = sampleSquaredExponentialGP(Float64Array.of(0, 0.5), 0.5, 20_000, randomKey(9));
    let c00 = 0;
    let c01 = 0;
    for (let i = 0; i < 20_000; i++) {
      c00 += draws[i]! ** 2;
      c01 += draws[i]! * draws[20_000 + i]!;
    }
    expect(c00 / 20_000).toBeCloseTo(1, 1);
    expect(c01 / 20_000).toBeCloseTo(Math.exp(-0.5), 1);
    expect(() => sampleSquaredExponentialGP(Float64Array.of(0), 0, 1, randomKey(0))).toThrow(ArgumentError);
  });

  it('functions: V_k = 𝒱(s_k), W_k = 𝒲(s_k) on the right (paper) or left grid', () => {
    const fns = randomSmoothFunctions({ hidden: 4, width: 5 }, { key: randomKey(4) });
    const right = initWeights({ ...dims, depth: 4 }, { init: { kind: 'functions', fns } });
    expect(layerV(right, 0)).toEqual(fns.V(0.25));
    expect(layerW(right, 3)).toEqual(fns.W(1));
    const left = initWeights({ ...dims, depth: 4 }, { init: { kind: 'functions', fns, grid: 'left' } });
    expect(layerW(left, 0)).toEqual(fns.W(0));
    // Lipschitz in s: successive distances shrink like 1/L.
    const d8 = maxSuccessiveDistance(
      initWeights({ ...dims, depth: 8 }, { init: { kind: 'functions', fns } }),
    );
    const d64 = maxSuccessiveDistance(
      initWeights({ ...dims, depth: 64 }, { init: { kind: 'functions', fns } }),
    );
    expect(d8 / d64).toBeGreaterThan(6);
  });

  it('interpolateWeights is piecewise linear through the layers', () => {
    const w = initWeights({ ...dims, depth: 4 }, { init: { kind: 'iid', vStd: 1 }, key: randomKey(5) });
    const f = interpolateWeights(w);
    expect(f.V(0.5)).toEqual(layerV(w, 1));
    expect(f.W(0.1)).toEqual(layerW(w, 0)); // constant before the first position (0.25)
    const mid = f.W(0.625);
    for (let i = 0; i < mid.length; i++)
      expect(mid[i]).toBeCloseTo(0.5 * (layerW(w, 1)[i]! + layerW(w, 2)[i]!), 14);
  });

  it('needs a key for random initialisations', () => {
    expect(() => initWeights({ ...dims, depth: 2 }, { init: { kind: 'iid' } })).toThrow(/needs a key/);
  });
});

import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/core/errors.js';
import {
  distanceToReference,
  featureSingularValues,
  maxSuccessiveDistance,
  plRatio,
  type ResNetSpec,
  SuccessiveDistanceTracker,
  successiveDistances,
  zeroWeights,
} from '../../src/resnet-ode/index.js';

const spec = (depth: number, q = 2, m = 3): ResNetSpec => ({
  depth,
  inputDim: q,
  hidden: q,
  width: m,
  outputDim: q,
  activation: 'gelu',
  scaling: 'code',
});

describe('successive-layer distances', () => {
  // V_k = k·E (E all ones, ‖E‖_F = √(qm)) and W_k = k²·e₁₁: ‖ΔV_k‖ = √6, ‖ΔW_k‖ = 2k + 1.
  const L = 5;
  const w = zeroWeights(spec(L));
  for (let k = 0; k < L; k++) {
    for (let i = 0; i < 6; i++) w.V[k * 6 + i] = k;
    w.W[k * 6] = k * k;
  }

  it('are the Frobenius norms of consecutive differences', () => {
    const d = successiveDistances(w);
    expect(d.v).toHaveLength(4);
    for (let k = 0; k < 4; k++) {
      expect(d.v[k]).toBeCloseTo(Math.sqrt(6), 14);
      expect(d.w[k]).toBe(2 * k + 1);
    }
    // The paper's ‖Z‖ = ‖V‖_F + ‖W‖_F: max at k = 3.
    expect(maxSuccessiveDistance(w)).toBeCloseTo(Math.sqrt(6) + 7, 14);
  });

  it('the tracker keeps the max over times (paper) and the root-sum-square (code)', () => {
    const tr = new SuccessiveDistanceTracker();
    const half = zeroWeights(spec(L));
    for (let i = 0; i < w.V.length; i++) half.V[i] = 0.5 * w.V[i]!;
    for (let i = 0; i < w.W.length; i++) half.W[i] = 0.5 * w.W[i]!;
    expect(tr.record(half)).toBeCloseTo(0.5 * (Math.sqrt(6) + 7), 14);
    expect(tr.record(w)).toBeCloseTo(Math.sqrt(6) + 7, 14);
    expect(tr.count).toBe(2);
    expect(tr.paperMax).toBeCloseTo(Math.sqrt(6) + 7, 14);
    // Σ_t Σ_k ‖ΔV‖² = (0.25 + 1)·4·6 = 30; Σ_t Σ_k ‖ΔW‖² = 1.25·(1 + 9 + 25 + 49) = 105.
    expect(tr.sumSqV).toBeCloseTo(30, 12);
    expect(tr.sumSqW).toBeCloseTo(105, 12);
    expect(tr.codeRss).toBeCloseTo(Math.sqrt(105), 12);
  });

  it('are zero for a single layer and for tied weights', () => {
    expect(maxSuccessiveDistance(zeroWeights(spec(1)))).toBe(0);
    const t = zeroWeights(spec(4));
    t.W.fill(0.3);
    expect(maxSuccessiveDistance(t)).toBe(0);
  });
});

describe('distance to a deeper reference', () => {
  /** Weights with V_k = f(s)·E at the layer positions s of `pos`. */
  function sampled(depth: number, pos: (k: number) => number, f: (s: number) => number) {
    const w = zeroWeights(spec(depth));
    for (let k = 0; k < depth; k++) for (let i = 0; i < 6; i++) w.V[k * 6 + i] = f(pos(k));
    return w;
  }

  it("'sampled' compares layer i with reference layer ⌊i·R/L⌋ (zero for matching samples)", () => {
    const f = (s: number) => s * s;
    const net = sampled(8, (k) => k / 8, f);
    const ref = sampled(64, (k) => k / 64, f);
    expect(distanceToReference(net, ref, 'sampled').z).toBe(0);
    // A constant offset δ on every entry of V: distance √(qm)·δ, in both modes.
    const shifted = sampled(
      8,
      (k) => k / 8,
      (s) => f(s) + 0.1,
    );
    expect(distanceToReference(shifted, ref, 'sampled').v).toBeCloseTo(0.1 * Math.sqrt(6), 14);
    const c1 = sampled(
      8,
      () => 0,
      () => 0.25,
    );
    const c2 = sampled(
      64,
      () => 0,
      () => 0.5,
    );
    expect(distanceToReference(c1, c2, 'integral').v).toBeCloseTo(0.25 * Math.sqrt(6), 14);
    expect(distanceToReference(c1, c2, 'integral').w).toBe(0);
  });

  it("'integral' is the exact L²([0,1]) distance of the piecewise-constant 𝒵^L(s) = Z_{⌊(L−1)s⌋+1}", () => {
    const net = sampled(7, (k) => k / 7, Math.sin);
    const ref = sampled(29, (k) => k / 29, Math.sin);
    // Brute-force midpoint rule on a fine grid.
    const N = 200_000;
    let acc = 0;
    for (let i = 0; i < N; i++) {
      const s = (i + 0.5) / N;
      const a = net.V[Math.min(6, Math.floor(6 * s)) * 6]!;
      const b = ref.V[Math.min(28, Math.floor(28 * s)) * 6]!;
      acc += 6 * (a - b) ** 2;
    }
    const expected = Math.sqrt(acc / N);
    const got = distanceToReference(net, ref, 'integral');
    expect(Math.abs(got.v - expected)).toBeLessThan(1e-4 * expected);
    expect(got.z).toBeCloseTo(got.v, 14); // W equal
  });

  it('rejects references with other layer shapes', () => {
    expect(() => distanceToReference(zeroWeights(spec(4)), zeroWeights(spec(8, 2, 4)))).toThrow(ShapeError);
  });
});

describe('PL ratio and the feature singular value', () => {
  it('PL ratio = (‖∂A‖² + L Σ‖∂Z_k‖² + ‖∂B‖²)/ℓ', () => {
    const info = { loss: 2, gradSq: { A: 1, B: 2, V: 3, W: 4 } };
    expect(plRatio(info, 10)).toBe(35);
    expect(plRatio(info, 10, { includeA: true, includeB: true })).toBe(36.5);
  });

  it('σ_min of σ(c_q H_k W_kᵀ) on constructed weights', () => {
    // Identity σ, q = d = m = n = 2, X = I and V = 0: every H_k = I and the feature matrix is W_kᵀ.
    const s: ResNetSpec = { ...spec(2, 2, 2), activation: 'identity' };
    const w = zeroWeights(s);
    w.W.set([3, 0, 0, 0.5, 1, 1, 0, 1]);
    const X = Float64Array.of(1, 0, 0, 1);
    const sv = featureSingularValues(w, X);
    expect(sv[0]).toBeCloseTo(0.5, 12);
    expect(sv[1]).toBeCloseTo((Math.sqrt(5) - 1) / 2, 12);
    // Paper scaling divides the pre-activation by √q.
    const p = featureSingularValues({ ...w, spec: { ...s, scaling: 'paper' } }, X);
    expect(p[0]).toBeCloseTo(0.5 / Math.SQRT2, 12);
  });
});

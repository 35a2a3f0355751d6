import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/core/errors.js';
import { randn, randomKey } from '../../src/index.js';
import {
  embeddingA,
  forwardError,
  initWeights,
  neuralOdeLimit,
  outputDistance,
  projectionB,
  type ResNetSpec,
  randomSmoothFunctions,
} from '../../src/resnet-ode/index.js';

describe('neural-ODE limit', () => {
  it('solves a linear field exactly: constant V, W and identity σ give a rotation', () => {
    // dh/ds = V W h with W = I and V = θ[[0, 1], [−1, 0]]: h(1) = rotation of h(0) by −θ.
    const theta = 1.3;
    const spec: ResNetSpec = {
      depth: 1,
      inputDim: 2,
      hidden: 2,
      width: 2,
      outputDim: 2,
      activation: 'identity',
      scaling: 'code',
    };
    const V = Float64Array.of(0, theta, -theta, 0);
    const W = Float64Array.of(1, 0, 0, 1);
    const X = Float64Array.of(1, 0, 0.3, -2);
    const { out } = neuralOdeLimit(spec, { V: () => V, W: () => W }, embeddingA(2, 2), projectionB(2, 2), X);
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    for (let i = 0; i < 2; i++) {
      const [x, y] = [X[2 * i]!, X[2 * i + 1]!];
      expect(out[2 * i]).toBeCloseTo(c * x + s * y, 9);
      expect(out[2 * i + 1]).toBeCloseTo(-s * x + c * y, 9);
    }
  });

  it('Proposition 2: the forward error of V_k = 𝒱(k/L), W_k = 𝒲(k/L) is O(1/L)', () => {
    const spec: ResNetSpec = {
      depth: 1,
      inputDim: 3,
      hidden: 4,
      width: 6,
      outputDim: 3,
      activation: 'gelu',
      scaling: 'paper',
    };
    const fns = randomSmoothFunctions(spec, { key: randomKey(11), vScale: 1 });
    const X = randn([10, 3], { dtype: 'float64', key: randomKey(12) })._contiguousData() as Float64Array;
    const A = embeddingA(4, 3);
    const B = projectionB(3, 4);
    const limit = neuralOdeLimit(spec, fns, A, B, X);
    const errs = [16, 32, 64, 128].map((L) => {
      const w = initWeights({ ...spec, depth: L }, { init: { kind: 'functions', fns } });
      return forwardError(w, X, limit.out).max;
    });
    expect(errs[0]).toBeGreaterThan(0.1); // not trivially small
    for (let i = 0; i + 1 < errs.length; i++) {
      const r = errs[i]! / errs[i + 1]!;
      expect(r).toBeGreaterThan(1.85);
      expect(r).toBeLessThan(2.15);
    }
    // Sampling at the left end of each step (explicit Euler) has a smaller constant, same order.
    const left = [8, 16].map((L) => {
      const w = initWeights({ ...spec, depth: L }, { init: { kind: 'functions', fns, grid: 'left' } });
      return forwardError(w, X, limit.out).max;
    });
    expect(left[0]! / left[1]!).toBeGreaterThan(1.9);
    expect(left[0]! / left[1]!).toBeLessThan(2.1);
    expect(left[1]!).toBeLessThan(errs[0]!);
  });

  it('outputDistance: max and RMS of per-sample Euclidean distances', () => {
    const d = outputDistance(Float64Array.of(0, 0, 1, 1), Float64Array.of(3, 4, 1, 1), 2);
    expect(d.max).toBe(5);
    expect(d.rms).toBeCloseTo(Math.sqrt(25 / 2), 14);
    expect(() => outputDistance(new Float64Array(4), new Float64Array(3), 2)).toThrow(ShapeError);
  });
});

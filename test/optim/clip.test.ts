import { describe, expect, it } from 'vitest';
import { tensor, zeros } from '../../src/ops/creation.js';
import { clipGradNorm_, clipGradValue_ } from '../../src/optim/index.js';

function withGrads(...grads: number[][]) {
  return grads.map((g) => {
    const p = zeros([g.length], { dtype: 'float64', requiresGrad: true });
    p.grad = tensor(g, { dtype: 'float64' });
    return p;
  });
}

describe('clipGradNorm_', () => {
  it('scales by maxNorm / (total + 1e-6) and returns the total 2-norm', () => {
    const ps = withGrads([3, 4], [12]);
    const total = clipGradNorm_(ps, 6.5);
    expect(total).toBe(13);
    const c = 6.5 / (13 + 1e-6);
    expect([...ps[0]!.grad!.dataSync()]).toEqual([3 * c, 4 * c]);
    expect([...ps[1]!.grad!.dataSync()]).toEqual([12 * c]);
  });

  it('leaves small gradients alone', () => {
    const ps = withGrads([0.3, 0.4]);
    expect(clipGradNorm_(ps, 1)).toBeCloseTo(0.5, 15);
    expect([...ps[0]!.grad!.dataSync()]).toEqual([0.3, 0.4]);
  });

  it('supports the 1-norm and the max-norm', () => {
    let ps = withGrads([1, -2], [3]);
    expect(clipGradNorm_(ps, 3, 1)).toBe(6);
    expect(ps[1]!.grad!.item()).toBeCloseTo(1.5, 6);
    ps = withGrads([1, -5], [3]);
    expect(clipGradNorm_(ps, 1, Infinity)).toBe(5);
    expect(ps[0]!.grad!.toArray()).toEqual([1 / (5 + 1e-6), -5 / (5 + 1e-6)]);
  });

  it('errors on non-finite norms when asked', () => {
    const ps = withGrads([Number.NaN, 1]);
    expect(() => clipGradNorm_(ps, 1, 2, { errorIfNonfinite: true })).toThrow(/non-finite/);
    expect(Number.isNaN(clipGradNorm_(withGrads([Infinity]), 1, 2))).toBe(false);
  });

  it('scales gradients shared between parameters once each', () => {
    const a = zeros([2], { requiresGrad: true });
    const b = zeros([2], { requiresGrad: true });
    a.add(b).sum().backward(); // grads of a and b may share storage
    clipGradNorm_([a, b], 1);
    const expected = 1 / (2 + 1e-6);
    for (const p of [a, b]) for (const v of p.grad!.dataSync()) expect(v).toBeCloseTo(expected, 6);
  });

  it('ignores parameters without grad', () => {
    expect(clipGradNorm_([zeros([2], { requiresGrad: true })], 1)).toBe(0);
  });
});

describe('clipGradValue_', () => {
  it('clamps in place', () => {
    const ps = withGrads([-3, 0.5, 2]);
    clipGradValue_(ps, 1);
    expect(ps[0]!.grad!.toArray()).toEqual([-1, 0.5, 1]);
  });
});

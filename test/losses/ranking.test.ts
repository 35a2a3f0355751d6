import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { autogradGrad as grad } from '../../src/autograd/index.js';
import { ShapeError } from '../../src/core/errors.js';
import { contrastive, triplet } from '../../src/losses/index.js';
import { tensor } from '../../src/ops/creation.js';
import { expectClose, flat, randn64 } from '../helpers.js';

const t64 = (v: number[], shape?: number[]) => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });

describe('triplet loss', () => {
  it('is 0 (with zero gradient) on easy triplets, d(a, n) > d(a, p) + m', () => {
    const a = randn64([6, 3], 1);
    const p = a
      .add(randn64([6, 3], 2).mul(0.1))
      .detach()
      .requiresGrad_(true);
    const n = a.add(t64([3, 0, 0])).detach(); // distance 3 > 0.1·‖·‖ + 1
    const loss = triplet(a, p, n, { reduction: 'none' });
    expect(flat(loss)).toEqual([0, 0, 0, 0, 0, 0]);
    const [g] = grad(triplet(a, p, n), p);
    expect(flat(g!).every((v) => v === 0)).toBe(true);
  });

  it('values on hard and semi-hard triplets; p-norms; margin', () => {
    const a = t64([0, 0, 0, 0], [2, 2]);
    const p = t64([1, 0, 0, 2], [2, 2]);
    const n = t64([0, 0.5, 1.5, 2], [2, 2]); // hard (0.5 < 1), semi-hard (2 < 2.5 < 3)
    expectClose(triplet(a, p, n, { reduction: 'none' }), [1 + 1 - 0.5, 1 + 2 - 2.5], 1e-12);
    expectClose(triplet(a, p, n, { p: 1, margin: 0.2, reduction: 'none' }), [0.2 + 1 - 0.5, 0], 1e-12);
  });
});

describe('contrastive (pairwise ranking) loss', () => {
  it('y·d + (1 − y)·max(0, m − d), and the squared (Hadsell) variant', () => {
    const a = t64([0, 0, 0, 0, 0, 0], [3, 2]);
    const b = t64([3, 4, 0.6, 0.8, 3, 4], [3, 2]); // distances 5, 1, 5
    const same = t64([1, 0, 0]);
    expectClose(contrastive(a, b, same, { reduction: 'none', margin: 2 }), [5, 1, 0], 1e-12);
    expectClose(contrastive(a, b, same, { reduction: 'none', margin: 2, squared: true }), [25, 1, 0], 1e-12);
    // int32 and bool labels work too.
    expectClose(contrastive(a, b, tensor([1, 0, 0], { dtype: 'int32' }), { margin: 2 }), 2, 1e-12);
  });

  it('validation', () => {
    const a = randn64([2, 3], 3);
    expect(() => contrastive(a, a, t64([1, 2]))).toThrow(
      /^contrastive: same must be 0 or 1 \(got 2 at flat index 1/,
    );
    expect(() => contrastive(a, a, t64([1, 0, 1]))).toThrow(ShapeError);
    expect(() => contrastive(a, randn64([2, 4], 4), t64([1, 0]))).toThrow(
      /^contrastive: b \[2,4\] must have the shape of a \[2,3\]/,
    );
    expect(() => triplet(a, a, a, { p: 0.5 })).toThrow(/^triplet: p must be >= 1/);
  });
});

describe('ranking losses: float64 gradcheck away from kinks', () => {
  const a = randn64([4, 3], 5);
  const b = randn64([4, 3], 6);
  const c = randn64([4, 3], 7);
  it('triplet (all three arguments, p = 2 and 3)', () => {
    // Margin 3 keeps every hinge active for these points.
    expect(gradcheck((x, y, z) => triplet(x!, y!, z!, { margin: 3 }), [a, b, c])).toBe(true);
    expect(gradcheck((x, y, z) => triplet(x!, y!, z!, { margin: 3, p: 3 }), [a, b, c])).toBe(true);
  });
  it('contrastive (plain and squared)', () => {
    const same = t64([1, 0, 1, 0]);
    const d = flat(b.sub(a).square().sum(1).sqrt());
    expect(d.every((v) => Math.abs(v - 2) > 0.05)).toBe(true);
    expect(gradcheck((x, y) => contrastive(x!, y!, same, { margin: 2 }), [a, b])).toBe(true);
    expect(gradcheck((x, y) => contrastive(x!, y!, same, { margin: 2, squared: true }), [a, b])).toBe(true);
  });
});

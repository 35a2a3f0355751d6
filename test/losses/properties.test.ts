import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKED_PROPERTIES,
  type CheckedProperty,
  checkLossProperties,
  checkProperties,
  checkRegistry,
  getLoss,
  type LossPropertyCheck,
  lossProbe,
  lossRegistry,
  ProbeRng,
  type PropertyProbe,
} from '../../src/losses/index.js';

/** A one-dimensional probe of a scalar function. */
function scalarProbe(f: (x: number) => number, kinks: number[] = []): PropertyProbe {
  return {
    dim: 1,
    description: 'x ∈ ℝ',
    value: (x) => f(x[0]!),
    kinks: kinks.map((k) => ({
      label: `x = ${k}`,
      point: Float64Array.of(k),
      direction: Float64Array.of(1),
    })),
    centers: [Float64Array.of(0)],
  };
}

function holding(r: ReturnType<typeof checkProperties>): CheckedProperty[] {
  return CHECKED_PROPERTIES.filter((p) => r.verdicts[p].holds);
}

describe('property checker on known functions', () => {
  it('x²: smooth, strictly convex, non-negative, not Lipschitz', () => {
    expect(holding(checkProperties(scalarProbe((x) => x * x)))).toEqual([
      'continuous',
      'differentiable',
      'convex',
      'strictlyConvex',
      'nonNegative',
    ]);
  });
  it('|x| with its kink: convex, Lipschitz, not differentiable, not strictly convex', () => {
    const r = checkProperties(scalarProbe(Math.abs, [0]));
    expect(holding(r)).toEqual(['continuous', 'lipschitz', 'convex', 'nonNegative']);
    expect(r.verdicts.differentiable.evidence).toMatch(
      /one-sided derivatives -1 \(left\) and 1 \(right\) differ at kink candidate "x = 0"/,
    );
    expect(r.lipschitzEstimate).toBeCloseTo(1, 12);
  });
  it('the check at a smooth join passes (Huber-like x²/2 ↔ |x| − ½)', () => {
    const r = checkProperties(
      scalarProbe((x) => (Math.abs(x) <= 1 ? 0.5 * x * x : Math.abs(x) - 0.5), [1, -1]),
    );
    expect(r.verdicts.differentiable.holds).toBe(true);
    expect(r.verdicts.strictlyConvex.holds).toBe(false);
  });
  it('sin: not convex; step: not continuous; −x²: negative', () => {
    expect(checkProperties(scalarProbe(Math.sin)).verdicts.convex.holds).toBe(false);
    const step = checkProperties(scalarProbe((x) => (x < 0 ? 1 : 0), [0]));
    expect(step.verdicts.continuous.holds).toBe(false);
    expect(step.verdicts.lipschitz.holds).toBe(false);
    const neg = checkProperties(scalarProbe((x) => -x * x));
    expect(neg.verdicts.nonNegative.evidence).toMatch(/^ℓ = -/);
    expect(neg.verdicts.convex.holds).toBe(false);
  });
  it('is reproducible for a seed', () => {
    const a = checkProperties(scalarProbe(Math.sin), { seed: 5 });
    const b = checkProperties(scalarProbe(Math.sin), { seed: 5 });
    expect(a).toEqual(b);
  });
  it('ProbeRng: seeded uniform and normal streams', () => {
    const r = new ProbeRng(1);
    const u = Array.from({ length: 4000 }, () => r.uniform());
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Math.abs(u.reduce((a, b) => a + b) / u.length - 0.5)).toBeLessThan(0.02);
    const z = new ProbeRng(1).normals(4000);
    const m = z.reduce((a, b) => a + b) / z.length;
    const v = z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length;
    expect(Math.abs(m)).toBeLessThan(0.05);
    expect(Math.abs(v - 1)).toBeLessThan(0.08);
  });
});

describe('property checker on the registry', () => {
  let results: Map<string, LossPropertyCheck>;
  beforeAll(() => {
    results = new Map(checkRegistry().map((r) => [r.id, r]));
  });

  it('confirms the registry’s verified properties for all 32 checkable losses', () => {
    const mismatches = [...results.values()].filter((r) => r.registryMismatches.length);
    expect(mismatches.map((r) => `${r.id}: ${r.registryMismatches.join(', ')}`)).toEqual([]);
    expect([...results.values()].filter((r) => r.report).length).toBe(32);
    expect(results.get('generalized-margin')!.report).toBeNull();
    expect(lossProbe('generalized-margin')).toBeNull();
  });

  it('finds the documented survey mislabellings, with counterexamples', () => {
    const contradicted = Object.fromEntries(
      [...results.values()].filter((r) => r.contradicted.length).map((r) => [r.id, [...r.contradicted]]),
    );
    expect(contradicted).toEqual({
      'root-mean-squared-error': ['differentiable'],
      huber: ['strictlyConvex'],
      'root-mean-squared-log-error': ['differentiable', 'convex'],
      'modified-huber': ['strictlyConvex'],
      ramp: ['convex'],
      'cosine-similarity': ['lipschitz'],
      'ebm-log': ['differentiable'],
      'minimum-classification-error': ['differentiable', 'convex'],
      'square-exponential': ['differentiable'],
    });
    const v = (id: string, p: CheckedProperty) => results.get(id)!.report!.verdicts[p];
    expect(v('ramp', 'convex').evidence).toMatch(/^midpoint violation/);
    expect(v('minimum-classification-error', 'convex').evidence).toMatch(/^midpoint violation/);
    expect(v('modified-huber', 'strictlyConvex').evidence).toMatch(/^flat midpoint/);
    expect(v('root-mean-squared-error', 'differentiable').evidence).toMatch(/kink candidate "pred = target"/);
    expect(v('ebm-log', 'differentiable').evidence).toMatch(/tie of the two wrong answers/);
    expect(v('cosine-similarity', 'lipschitz').evidence).toMatch(/exceeds 100/);
  });

  it('confirms the tags that hold (e.g. QSH differentiable at its joins, hinge convex and Lipschitz)', () => {
    for (const [id, r] of results) {
      if (!r.report) continue;
      const info = getLoss(id);
      const confirmed = info.surveyTags.filter((t) => r.report!.verdicts[t].holds);
      expect(confirmed.length + r.contradicted.length, id).toBe(info.surveyTags.length);
    }
    expect(results.get('quadratically-smoothed-hinge')!.report!.verdicts.differentiable.holds).toBe(true);
    expect(results.get('smoothed-hinge')!.unlisted).toContain('differentiable');
    expect(results.get('ebm-nll')!.report!.verdicts.differentiable.holds).toBe(true);
  });

  it('gives the same verdicts with another seed and fewer samples', () => {
    for (const info of lossRegistry) {
      const r = checkLossProperties(info, { seed: 7, samples: 12 });
      expect(r.registryMismatches, info.id).toEqual([]);
    }
  });
});

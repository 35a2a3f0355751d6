import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../src/core/errors.js';
import * as L from '../../src/losses/index.js';
import {
  compareWithSurvey,
  getLoss,
  LOSS_IDS,
  type LossId,
  listLosses,
  losses,
  lossRegistry,
} from '../../src/losses/index.js';
import { softmax } from '../../src/nn/functional/activation.js';
import { tensor } from '../../src/ops/creation.js';
import { expectClose, rand64, randn64 } from '../helpers.js';

const ids = (xs: readonly { id: string }[]) => xs.map((x) => x.id);

describe('loss registry', () => {
  it('holds the 33 losses of the survey, in order, with unique ids', () => {
    expect(lossRegistry).toHaveLength(33);
    expect(ids(lossRegistry)).toEqual([...LOSS_IDS]);
    expect(new Set(ids(lossRegistry)).size).toBe(33);
    expect(lossRegistry.map((e) => e.index)).toEqual(Array.from({ length: 33 }, (_, i) => i + 1));
  });

  it('counts per group: 8 regression, 8 margin + 3 probabilistic classification, 3 generative, 2 ranking, 9 EBM', () => {
    expect(listLosses({ task: 'regression' })).toHaveLength(8);
    expect(listLosses({ task: 'classification', strategy: 'margin-based' })).toHaveLength(8);
    expect(ids(listLosses({ task: 'classification', strategy: 'probabilistic' }))).toEqual([
      'cross-entropy',
      'negative-log-likelihood',
      'kl-divergence',
    ]);
    expect(ids(listLosses({ task: 'generative' }))).toEqual(['minimax', 'wasserstein', 'diffusion']);
    expect(listLosses({ task: 'ranking' })).toHaveLength(2);
    expect(listLosses({ task: 'energy-based' })).toHaveLength(9);
    expect(listLosses({ strategy: 'error-based' })).toEqual(listLosses({ task: 'regression' }));
    expect(listLosses({ strategy: 'probabilistic' })).toHaveLength(6);
  });

  it('paradigms follow the box colours of Fig. 1', () => {
    expect(ids(listLosses({ paradigm: 'semi-supervised' }))).toEqual(['hinge', 'cosine-similarity']);
    expect(ids(listLosses({ paradigm: 'unsupervised' }))).toEqual([
      'minimax',
      'wasserstein',
      'diffusion',
      'energy',
    ]);
    expect(listLosses({ paradigm: 'supervised' })).toHaveLength(27);
  });

  it('parent links are the edges of Fig. 1', () => {
    const edges = lossRegistry.flatMap((e) => e.parents.map((p) => `${p}→${e.id}`)).sort();
    expect(edges).toEqual(
      [
        'mean-bias-error→mean-absolute-error',
        'mean-bias-error→mean-squared-error',
        'mean-bias-error→log-cosh',
        'mean-absolute-error→huber',
        'mean-squared-error→huber',
        'huber→smooth-l1',
        'mean-squared-error→root-mean-squared-error',
        'root-mean-squared-error→root-mean-squared-log-error',
        'zero-one→hinge',
        'hinge→modified-huber',
        'hinge→smoothed-hinge',
        'hinge→ramp',
        'smoothed-hinge→quadratically-smoothed-hinge',
        'cross-entropy→negative-log-likelihood',
        'hinge→ebm-log',
      ].sort(),
    );
  });

  it('each entry references its exported function', () => {
    const exported = L as unknown as Record<string, unknown>;
    for (const e of lossRegistry) {
      expect(typeof e.fn).toBe('function');
      expect(exported[e.functionName], e.id).toBe(e.fn);
      expect(e.formula.length, e.id).toBeGreaterThan(5);
      expect(e.section, e.id).toMatch(/^§[4-8]/);
    }
    expect(getLoss('huber').fn).toBe(L.huber);
    expect(losses.get('triplet').fn).toBe(L.triplet);
    expect(losses.list({ task: 'ranking' })).toHaveLength(2);
  });

  it('hyper-parameter defaults are what the functions use, and are marked as conventions unless the survey gives them', () => {
    const p = randn64([6], 1);
    const t = randn64([6], 2);
    const y = tensor([1, -1, 1, 1, -1, -1], { dtype: 'int32' });
    const E = randn64([6, 3], 3);
    const lab = tensor([0, 1, 2, 0, 1, 2], { dtype: 'int32' });
    const emb = [randn64([6, 2], 4), randn64([6, 2], 5), randn64([6, 2], 6)] as const;
    const same = tensor([1, 0, 1, 0, 1, 0], { dtype: 'int32' });
    const checks: Record<
      string,
      (opts: Record<string, number | boolean | string>) => ReturnType<typeof L.huber>
    > = {
      huber: (o) => L.huber(p, t, o),
      'smooth-l1': (o) => L.smoothL1(p, t, o),
      'quadratically-smoothed-hinge': (o) => L.quadraticallySmoothedHinge(p, y, o),
      ramp: (o) => L.ramp(p, y, o),
      'cosine-similarity': (o) => L.cosineSimilarity(emb[0], emb[1], o),
      'cross-entropy': (o) => L.crossEntropy(E, lab, o),
      'kl-divergence': (o) => L.klDivergence(E, softmax(rand64([6, 3], 7), 1), o as { input: 'logits' }),
      minimax: (o) => L.minimaxGeneratorLoss(p, o),
      wasserstein: (o) =>
        L.gradientPenalty((x) => x.mul(x).sum(1), emb[0], emb[1], { ...o, alpha: rand64([6], 8) }),
      contrastive: (o) => L.contrastive(emb[0], emb[1], same, o),
      triplet: (o) => L.triplet(...emb, o),
      'ebm-nll': (o) => L.ebmNll(E, lab, o),
      'ebm-hinge': (o) => L.ebmHinge(E, lab, o),
      'square-square': (o) => L.squareSquare(E, lab, o),
      'square-exponential': (o) => L.squareExponential(E, lab, o),
    };
    for (const [id, call] of Object.entries(checks)) {
      const info = getLoss(id);
      expect(info.hyperParameters.length, id).toBeGreaterThan(0);
      for (const h of info.hyperParameters) {
        expectClose(call({ [h.name]: h.default }), call({}), 0, 0);
      }
    }
    const paperValues = lossRegistry.flatMap((e) =>
      e.hyperParameters.filter((h) => !h.convention).map((h) => `${e.id}.${h.name}`),
    );
    expect(paperValues.sort()).toEqual(['minimax.nonSaturating', 'smooth-l1.beta', 'triplet.p']);
  });

  it('list() queries by verified properties and survey tags', () => {
    expect(ids(listLosses({ surveyTags: ['strictlyConvex'] }))).toEqual(['huber', 'modified-huber']);
    expect(ids(listLosses({ properties: ['strictlyConvex'] }))).toEqual([
      'mean-squared-error',
      'log-cosh',
      'minimax',
      'diffusion',
    ]);
    expect(ids(listLosses({ task: 'regression', properties: ['differentiable', 'lipschitz'] }))).toEqual([
      'mean-bias-error',
      'huber',
      'smooth-l1',
      'log-cosh',
    ]);
    const notConvex = lossRegistry.filter((e) => e.verified && !e.verified.convex).map((e) => e.id);
    expect(notConvex).toEqual([
      'root-mean-squared-log-error',
      'zero-one',
      'ramp',
      'cosine-similarity',
      'contrastive',
      'triplet',
      'minimum-classification-error',
    ]);
    expect(ids(listLosses({ properties: ['convex'] }))).not.toContain('generalized-margin');
  });

  it('documents the survey mislabellings (surveyTags vs verified) with ⚠ notes', () => {
    const mislabelled: Partial<Record<LossId, string[]>> = {
      'root-mean-squared-error': ['differentiable'],
      huber: ['strictlyConvex'],
      'root-mean-squared-log-error': ['differentiable', 'convex'],
      'modified-huber': ['strictlyConvex'],
      ramp: ['convex'],
      'cosine-similarity': ['lipschitz'],
      'ebm-log': ['differentiable'],
      'minimum-classification-error': ['differentiable', 'convex'],
      'square-exponential': ['differentiable'],
    };
    expect(ids(listLosses({ mislabelled: true }))).toEqual(Object.keys(mislabelled));
    for (const e of lossRegistry) {
      const c = compareWithSurvey(e);
      expect([...c.contradicted].sort(), e.id).toEqual((mislabelled[e.id] ?? []).sort());
      if (c.contradicted.length)
        expect(
          e.notes.some((n) => n.startsWith('⚠')),
          e.id,
        ).toBe(true);
    }
    expect(compareWithSurvey(getLoss('log-cosh')).unlisted).toEqual([
      'lipschitz',
      'convex',
      'strictlyConvex',
    ]);
    expect(compareWithSurvey(getLoss('hinge')).unlisted).toEqual([]);
  });

  it('getLoss rejects unknown ids', () => {
    expect(() => getLoss('focal')).toThrow(ArgumentError);
    expect(() => getLoss('focal')).toThrow(/^getLoss: unknown loss 'focal' \(known: mean-bias-error, /);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/index.js';
import type { Experiment } from '../../src/experiment/types.js';
import {
  lossesCeVsKl,
  lossesEnergy,
  lossesExperiments,
  lossesGenerative,
  lossesMarginNoise,
  lossesRanking,
  lossesRobustRegression,
} from '../../src/experiments/losses/index.js';
import { getExperiment } from '../../src/experiments/registry.js';
import { collector, tempDir } from '../experiment/helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('nabla-losses-exp-');
});
afterAll(() => tmp.cleanup());

/**
 * Each experiment's quick preset, shrunk with `--set` so the file stays fast. `claims` lists the
 * claims that hold at this size too (identities, the collapse of the energy loss, ...); every
 * other claim must still be present.
 */
const cases: { exp: Experiment; set: string[]; charts: string[]; claims: string[]; all: string[] }[] = [
  {
    exp: lossesRobustRegression as unknown as Experiment,
    set: ['n=100', 'seeds=2', 'steps=300', 'gdSteps=60', 'rmsleSteps=400', 'logEvery=50'],
    charts: ['parameter-error', 'fits', 'mse-vs-rmse-gd', 'convergence', 'exp-fits', 'exp-relative-error'],
    claims: [
      'MAE / MSE parameter error (shifted outliers)',
      'Huber / MSE parameter error (shifted outliers)',
      'LogCosh / MSE parameter error (shifted outliers)',
      '|‖∇RMSE‖ / ‖∇MSE‖ · 2·RMSE − 1| at the initial point',
      'RMSLE(under-estimate 50) / RMSLE(over-estimate 150) at y = 100',
    ],
    all: [],
  },
  {
    exp: lossesMarginNoise as unknown as Experiment,
    set: ['trainPerClass=150', 'testPerClass=100', 'epochs=2', 'noiseLevels=[0,0.3]'],
    charts: ['accuracy-vs-noise', 'accuracy-bars'],
    claims: ['QSH(γ=2) vs modified Huber: max |difference| on the test scores'],
    all: [
      'logistic test accuracy, clean labels',
      'perceptron − hinge test accuracy (mean over noise levels)',
    ],
  },
  {
    exp: lossesCeVsKl as unknown as Experiment,
    set: [
      'trainPerClass=100',
      'testPerClass=50',
      'teacherEpochs=1',
      'studentEpochs=2',
      'hidden=32',
      'timingReps=5',
    ],
    charts: ['accuracy', 'kl-vs-ce-trajectory', 'final-accuracy'],
    claims: [
      'KL vs soft-label CE student: max |Δθ| / max |θ| after training',
      '|KL − (CE − H(q))| on the test set',
    ],
    all: ['linear softmax (hard-label CE) test accuracy', 'MLP (hard-label CE) test accuracy'],
  },
  {
    exp: lossesRanking as unknown as Experiment,
    set: ['trainPerClass=100', 'galleryPerClass=40', 'hidden=32', 'steps=40', 'evalEvery=20'],
    charts: ['recall-at-1', 'recall-during-training'],
    claims: ['Recall@1 training classes 0–4 (test images): triplet − untrained network'],
    all: [],
  },
  {
    exp: lossesGenerative as unknown as Experiment,
    set: [
      'hidden=16',
      'ganSteps=20',
      'wganSteps=10',
      'ddpmSteps=20',
      'ddpmHidden=16',
      'evalSamples=300',
      'rollTrain=600',
      'logEvery=5',
    ],
    charts: ['gan-samples', 'wgan-samples', 'ddpm-samples', 'mmd'],
    claims: [
      'WGAN: max |critic parameter| after clipping',
      'MMD²: independent real samples / Gaussian fit (swiss roll)',
    ],
    all: ['DDPM / Gaussian-baseline MMD² to held-out swiss-roll samples'],
  },
  {
    exp: lossesEnergy as unknown as Experiment,
    set: ['trainPerClass=60', 'testPerClass=30', 'hidden=16', 'epochs=2', 'batchSize=32'],
    charts: [
      'accuracy',
      'accuracy-per-epoch',
      'energy-gap',
      'energies-energyLoss',
      'energies-generalizedPerceptron',
      'energies-ebmHinge',
      'energies-ebmNll',
    ],
    claims: ['energy-loss accuracy − lowest accuracy of the other 7 losses'],
    all: [
      'energy loss: mean (max_y E − min_y E) / mean |E| on the test set',
      'generalized perceptron / hinge: mean test gap E(x, ȳ) − E(x, y)',
      'generalized perceptron test accuracy',
    ],
  },
];

describe('loss-survey experiments', () => {
  it('are registered, in the spec order', () => {
    const names = [
      'losses-robust-regression',
      'losses-margin-noise',
      'losses-ce-vs-kl',
      'losses-ranking',
      'losses-generative',
      'losses-energy',
    ];
    expect(lossesExperiments.map((e) => e.name)).toEqual(names);
    for (const name of names) expect(getExperiment(name)?.name).toBe(name);
  });

  for (const c of cases) {
    it(`${c.exp.name} runs a shrunk quick preset and writes its charts and claims`, async () => {
      const out = await runExperiment(c.exp, {
        outDir: tmp.dir,
        set: c.set,
        report: false,
        progress: 'none',
        stderr: collector(),
      });
      if (out.status === 'skipped') throw new Error(out.message);
      expect(out.status).toBe('completed');
      const result = JSON.parse(readFileSync(join(out.runDir, 'result.json'), 'utf8'));
      expect(result.status).toBe('completed');
      expect(result.summary.wall_s).toBeGreaterThan(0);
      const files = readdirSync(join(out.runDir, 'charts'));
      for (const chart of c.charts) expect(files).toContain(`${chart}.vl.json`);
      expect(existsSync(join(out.runDir, 'metrics.jsonl'))).toBe(true);
      for (const name of [...c.claims, ...c.all]) {
        expect(
          out.result.claims.find((k) => k.name === name),
          name,
        ).toBeDefined();
      }
      for (const name of c.claims) {
        const claim = out.result.claims.find((k) => k.name === name)!;
        expect(claim.passed, `${name} = ${claim.value}`).toBe(true);
      }
    });
  }
});

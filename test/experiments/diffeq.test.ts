import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/index.js';
import type { Experiment } from '../../src/experiment/types.js';
import { cnf2d } from '../../src/experiments/diffeq/cnf-2d.js';
import { deqFixedPointExperiment } from '../../src/experiments/diffeq/deq-fixed-point.js';
import { nodeSpiral } from '../../src/experiments/diffeq/node-spiral.js';
import { getExperiment } from '../../src/experiments/registry.js';
import { collector, tempDir } from '../experiment/helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('nabla-diffeq-exp-');
});
afterAll(() => tmp.cleanup());

const cases: { exp: Experiment; set: string[]; charts: string[]; claims: string[] }[] = [
  {
    exp: nodeSpiral as unknown as Experiment,
    set: [
      'iters=3',
      'dataSize=60',
      'batchSize=4',
      'hidden=8',
      'evalEvery=2',
      'gradRtol=1e-7',
      'gradRepeats=1',
    ],
    charts: ['trajectory', 'loss', 'adjoint-timing'],
    claims: ['BacksolveAdjoint vs DirectAdjoint relative gradient difference'],
  },
  {
    exp: cnf2d as unknown as Experiment,
    set: [
      'iters=3',
      'batchSize=32',
      'testSize=64',
      'hidden=8',
      'grid=12',
      'evalEvery=2',
      'rtol=1e-3',
      'atol=1e-4',
    ],
    charts: ['density', 'samples', 'nll'],
    claims: ['|∫ p(x) dx − 1| on the grid'],
  },
  {
    exp: deqFixedPointExperiment as unknown as Experiment,
    set: ['iters=3', 'trainSize=60', 'testSize=60', 'hidden=8', 'evalEvery=2'],
    charts: ['loss', 'accuracy', 'solver-iterations', 'convergence', 'decision-regions'],
    claims: ['implicit vs unrolled gradient relative error', 'Anderson / plain-iteration iterations'],
  },
];

describe('diffeq experiments', () => {
  it('are registered', () => {
    for (const name of ['node-spiral', 'cnf-2d', 'deq-fixed-point'])
      expect(getExperiment(name)?.name).toBe(name);
  });

  for (const c of cases) {
    it(`${c.exp.name} runs with a tiny config and writes result.json and its charts`, async () => {
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
      const files = readdirSync(join(out.runDir, 'charts'));
      for (const chart of c.charts) expect(files).toContain(`${chart}.vl.json`);
      expect(existsSync(join(out.runDir, 'metrics.jsonl'))).toBe(true);
      // The claims that do not depend on training length hold even for a tiny run.
      for (const name of c.claims) {
        const claim = out.result.claims.find((k) => k.name === name);
        expect(claim, name).toBeDefined();
        expect(claim!.passed, `${name} = ${claim!.value}`).toBe(true);
      }
    });
  }
});

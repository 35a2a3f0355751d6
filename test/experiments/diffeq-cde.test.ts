import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/index.js';
import type { Experiment } from '../../src/experiment/types.js';
import { ncdeSpirals } from '../../src/experiments/diffeq/ncde-spirals.js';
import { symbolicRegressionExperiment } from '../../src/experiments/diffeq/symbolic-regression.js';
import { getExperiment } from '../../src/experiments/registry.js';
import { collector, tempDir } from '../experiment/helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('nabla-diffeq-cde-exp-');
});
afterAll(() => tmp.cleanup());

async function run(exp: Experiment, set: string[]) {
  const out = await runExperiment(exp, {
    outDir: tmp.dir,
    set,
    report: false,
    progress: 'none',
    stderr: collector(),
  });
  if (out.status === 'skipped') throw new Error(out.message);
  expect(out.status).toBe('completed');
  const result = JSON.parse(readFileSync(join(out.runDir, 'result.json'), 'utf8'));
  expect(result.status).toBe('completed');
  expect(existsSync(join(out.runDir, 'metrics.jsonl'))).toBe(true);
  return { out, charts: readdirSync(join(out.runDir, 'charts')) };
}

function claim(out: Awaited<ReturnType<typeof run>>['out'], name: string) {
  const c = out.result.claims.find((k) => k.name === name);
  expect(c, name).toBeDefined();
  return c!;
}

describe('diffeq CDE / symbolic-regression experiments', () => {
  it('are registered', () => {
    for (const name of ['ncde-spirals', 'symbolic-regression']) expect(getExperiment(name)?.name).toBe(name);
  });

  it('ncde-spirals runs (shortened quick preset) and its paths interpolate the observations', async () => {
    const { out, charts } = await run(ncdeSpirals as unknown as Experiment, [
      'steps=3',
      'trainSize=16',
      'testSize=16',
      'length=24',
      'width=8',
      'batchSize=8',
      'evalEvery=2',
    ]);
    for (const c of ['example-paths', 'phase-plane', 'loss', 'accuracy', 'fevals'])
      expect(charts).toContain(`${c}.vl.json`);
    const interp = claim(out, 'max |X(t_i) − x_i| at observed points');
    expect(interp.passed, `${interp.value}`).toBe(true);
    // The accuracy claim exists (3 steps do not train the model, so it is not asserted here).
    expect(claim(out, 'test accuracy').value).toBeGreaterThanOrEqual(0);
  });

  it('symbolic-regression quick preset recovers dx/dt = −x + y, dy/dt = −y', async () => {
    const { out, charts } = await run(symbolicRegressionExperiment as unknown as Experiment, []);
    for (const c of ['loss', 'pareto-front', 'trajectories']) expect(charts).toContain(`${c}.vl.json`);
    for (const name of [
      'recovered structure matches dx/dt = −x + y, dy/dt = −y',
      'max |coefficient − truth| (before rounding)',
      'relative trajectory error of the recovered ODE',
    ]) {
      const c = claim(out, name);
      expect(c.passed, `${name} = ${c.value} (${c.description})`).toBe(true);
    }
  });
});

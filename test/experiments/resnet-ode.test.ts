import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/index.js';
import type { Experiment } from '../../src/experiment/types.js';
import { getExperiment } from '../../src/experiments/registry.js';
import {
  resnetOdeControls,
  resnetOdeDepth,
  resnetOdeEulerConsistency,
  resnetOdeLimit,
  resnetOdeLong,
  resnetOdeReluCounterexample,
} from '../../src/experiments/resnet-ode/index.js';
import { collector, tempDir } from '../experiment/helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('nabla-resnet-ode-exp-');
});
afterAll(() => tmp.cleanup());

async function run(exp: unknown, set: string[] = [], preset: 'quick' | 'custom' = 'quick') {
  const out = await runExperiment(exp as Experiment, {
    outDir: tmp.dir,
    set,
    preset,
    report: false,
    progress: 'none',
    stderr: collector(),
  });
  if (out.status === 'skipped') throw new Error(out.message);
  expect(out.status).toBe('completed');
  const result = JSON.parse(readFileSync(join(out.runDir, 'result.json'), 'utf8'));
  expect(result.status).toBe('completed');
  return { out, charts: readdirSync(join(out.runDir, 'charts')), summary: out.result.summary };
}

function expectClaimsPass(out: Awaited<ReturnType<typeof run>>['out'], count: number) {
  expect(out.result.claims).toHaveLength(count);
  for (const c of out.result.claims) expect(c.passed, `${c.name} = ${c.value}`).toBe(true);
}

describe('resnet-ode experiments', () => {
  it('are registered', () => {
    for (const name of [
      'resnet-ode-depth',
      'resnet-ode-limit',
      'resnet-ode-long',
      'resnet-ode-relu-counterexample',
      'resnet-ode-controls',
      'resnet-ode-euler-consistency',
    ])
      expect(getExperiment(name)?.name).toBe(name);
  });

  it('resnet-ode-depth (quick): slope −1 for the paper metric, −1/2 for the code metric', async () => {
    const { out, charts, summary } = await run(resnetOdeDepth);
    expectClaimsPass(out, 3);
    expect(charts).toContain('dmax-vs-depth.vl.json');
    expect(charts).toContain('distance-over-training.vl.json');
    expect(Number(summary.slope_paper_metric)).toBeGreaterThan(-1.1);
    expect(Number(summary.wall_seconds)).toBeGreaterThan(0);
  });

  it('resnet-ode-relu-counterexample (quick): odd layers fixed, even layers at 2L(C^{1/L} − 1)', async () => {
    const { out, summary } = await run(resnetOdeReluCounterexample);
    expectClaimsPass(out, 4);
    expect(Number(summary.w_star)).toBeCloseTo(100 * (2 ** (1 / 50) - 1), 12);
    expect(Number(summary.odd_weight)).toBe(-0.01);
  });

  it('resnet-ode-euler-consistency (quick): L·‖F^L − F‖ is constant', async () => {
    const { out, charts } = await run(resnetOdeEulerConsistency);
    expectClaimsPass(out, 3);
    expect(charts).toContain('error-vs-depth.vl.json');
  });

  it('resnet-ode-limit, -long and -controls run on tiny configs and write their charts', async () => {
    const limit = await run(resnetOdeLimit, [
      'depths=[2,4,8]',
      'refDepth=64',
      'steps=20',
      'evalEvery=5',
      'n=20',
    ]);
    expect(limit.charts).toContain('distance-heatmap.vl.json');
    expectClaimsPass(limit.out, 2);
    const long = await run(resnetOdeLong, [
      'steps=300',
      'L=8',
      'n=10',
      'm=16',
      'snapshots=[0,100,300]',
      'decadesWithin=300',
      'decadesTarget=0.1',
      'svdEvery=100',
      'logEvery=10',
    ]);
    expect(long.charts).toContain('entry-v-vs-layer.vl.json');
    expect(long.charts).toContain('loss.vl.json');
    const controls = await run(resnetOdeControls, [
      'depths=[4,16]',
      'steps=20',
      'n=20',
      'variants=["tied-gelu","iid-gelu"]',
    ]);
    expect(controls.charts).toContain('dmax-vs-depth.vl.json');
    expectClaimsPass(controls.out, 3);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/index.js';
import { makeRng } from '../../src/experiment/rng.js';
import type { Experiment } from '../../src/experiment/types.js';
import { reversibleHeunMemory } from '../../src/experiments/diffeq/reversible-heun-memory.js';
import { ouPaths, sdeGanOu, wasserstein1 } from '../../src/experiments/diffeq/sde-gan-ou.js';
import { getExperiment } from '../../src/experiments/registry.js';
import { collector, tempDir } from '../experiment/helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('nabla-diffeq-sde-exp-');
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
  return { out, result, charts: readdirSync(join(out.runDir, 'charts')) };
}

function claim(out: Awaited<ReturnType<typeof run>>['out'], name: string) {
  const c = out.result.claims.find((k) => k.name === name);
  expect(c, name).toBeDefined();
  return c!;
}

describe('diffeq SDE experiments', () => {
  it('are registered', () => {
    for (const name of ['sde-gan-ou', 'reversible-heun-memory']) expect(getExperiment(name)?.name).toBe(name);
  });

  it('the OU-like data have the moments of the spec SDE, and wasserstein1 is a distance', () => {
    const ts = Float64Array.from([0, 31.5, 63]);
    const y = ouPaths(4000, ts, 0.1, makeRng(1));
    // Mean: m' = 0.02t − 0.1m, m(0) = 0  ⇒  m(t) = 0.2t − 2 + 2e^{−0.1t}.
    for (const [i, t] of ts.entries()) {
      let m = 0;
      for (let k = 0; k < 4000; k++) m += y[k * 3 + i]!;
      m /= 4000;
      expect(Math.abs(m - (0.2 * t - 2 + 2 * Math.exp(-0.1 * t)))).toBeLessThan(0.08);
    }
    const a = Float64Array.from([0, 1, 2, 3]);
    expect(wasserstein1(a, a)).toBe(0);
    expect(
      wasserstein1(
        a,
        a.map((v) => v + 0.5),
      ),
    ).toBeCloseTo(0.5, 12);
  });

  it('sde-gan-ou (shortened quick preset) trains, beats the untrained generator and draws its charts', async () => {
    const { out, result, charts } = await run(sdeGanOu as unknown as Experiment, [
      'samples=256',
      'evalSamples=256',
      'tSize=8',
      'steps=30',
      'batchSize=32',
      'evalEvery=15',
    ]);
    for (const c of ['sample-paths', 'marginals', 'moments']) expect(charts).toContain(`${c}.vl.json`);
    // Training for 30 steps already moves the marginals much closer to the data (fixed seed; measured 0.41, 0.32).
    for (const name of [
      'marginal W1: trained / untrained generator',
      'marginal mean error: trained / untrained generator',
    ]) {
      const c = claim(out, name);
      expect(c.passed, `${name} = ${c.value}`).toBe(true);
      expect(c.value).toBeLessThan(0.7);
    }
    expect(result.summary.w1_real_floor).toBeLessThan(result.summary.w1_trained);
    expect(result.summary.dropped_fraction).toBeGreaterThan(0.25);
    expect(result.summary.dropped_fraction).toBeLessThan(0.35);
  });

  it('reversible-heun-memory (shortened quick preset): flat graph memory and DTO-exact gradients', async () => {
    const { out, result, charts } = await run(reversibleHeunMemory as unknown as Experiment, [
      'steps=[2,4,8]',
      'batch=8',
      'hiddenSize=8',
      'width=8',
      'samplesPerBackward=1',
    ]);
    for (const c of ['memory-vs-steps', 'graph-memory-vs-steps', 'time-vs-steps'])
      expect(charts).toContain(`${c}.vl.json`);
    for (const name of [
      'graph-memory slope: reversible / DTO',
      'max relative gradient difference: reversible vs DTO',
      'max relative gradient difference: checkpointing vs DTO (midpoint)',
    ]) {
      const c = claim(out, name);
      expect(c.passed, `${name} = ${c.value}`).toBe(true);
    }
    // The measured-memory claim exists (its value is too noisy at this size to assert).
    expect(claim(out, 'measured peak-memory slope: reversible / DTO')).toBeDefined();
    expect(result.summary.gc_available).toBe(true);
    expect(result.summary.direct_graph_bytes_per_step).toBeGreaterThan(10_000);
    expect(result.summary.reversible_graph_bytes_per_step).toBe(0);
    expect(result.notes).toMatch(/BacksolveAdjoint/);
  });
});

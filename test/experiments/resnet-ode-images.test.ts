import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/index.js';
import type { Experiment } from '../../src/experiment/types.js';
import { getExperiment } from '../../src/experiments/registry.js';
import { resnetOdeImages } from '../../src/experiments/resnet-ode/images.js';
import { collector, tempDir } from '../experiment/helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('nabla-resnet-ode-images-');
});
afterAll(() => tmp.cleanup());

describe('resnet-ode-images', () => {
  it('is registered', () => {
    expect(getExperiment('resnet-ode-images')?.name).toBe('resnet-ode-images');
  });

  it('quick preset: trains the 6 nets, writes its charts, and its claims hold', async () => {
    const out = await runExperiment(resnetOdeImages as unknown as Experiment, {
      outDir: tmp.dir,
      preset: 'quick',
      report: false,
      progress: 'none',
      stderr: collector(),
    });
    if (out.status === 'skipped') throw new Error(out.message);
    expect(out.status).toBe('completed');
    const result = JSON.parse(readFileSync(join(out.runDir, 'result.json'), 'utf8'));
    expect(result.status).toBe('completed');
    const files = readdirSync(join(out.runDir, 'charts'));
    for (const chart of [
      'smoothness',
      'accuracy',
      'conv-drift-tied',
      'conv-drift-iid',
      ...['identity', 'gelu', 'relu'].flatMap((a) => [`conv-entries-${a}-tied`, `conv-entries-${a}-iid`]),
    ]) {
      expect(files).toContain(`${chart}.vl.json`);
    }
    const claims = out.result.claims;
    expect(claims.map((c) => c.name).sort()).toEqual(
      [
        'lowest test accuracy over the trained networks',
        'smoothness ratio i.i.d./tied, GELU',
        'smoothness ratio i.i.d./tied, Identity',
      ].sort(),
    );
    for (const c of claims) expect(c.passed, `${c.name}: ${c.value}`).toBe(true);
    const s = out.result.summary;
    // Tied nets stay far smoother than i.i.d. ones, whose successive convs are O(1) apart.
    for (const a of ['identity', 'gelu', 'relu']) {
      expect(s[`smoothness_${a}_iid`]).toBeGreaterThan(1);
      expect(s[`smoothness_${a}_tied`]).toBeGreaterThan(0);
      expect(Number(s[`smoothness_${a}_tied`]) * 10).toBeLessThan(Number(s[`smoothness_${a}_iid`]));
    }
    expect(s['wall_s']).toBeGreaterThan(0);
    expect(s['train_steps']).toBe(6 * 32);
  });
});

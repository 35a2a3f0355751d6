/** Shared helpers for the experiment/CLI tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineExperiment } from '../../src/experiment/define.js';
import type { OutputStream } from '../../src/experiment/progress.js';

/** A temp folder removed by the returned cleanup function. */
export function tempDir(prefix = 'nabla-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A stream that records what is written to it. */
export function collector(isTTY = false): OutputStream & { text: () => string } {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 100,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    text: () => chunks.join(''),
  };
}

/** Hooks the tests can set to observe or interrupt the counting experiment. */
export const hooks: { onStep?: (step: number) => void } = {};

/**
 * A tiny deterministic experiment: `steps` steps, logs `{step, loss: 1/step}`, checkpoints every
 * `checkpointEvery` steps (and on abort when `saveOnAbort`), claims `final loss < threshold`.
 */
export const counting = defineExperiment({
  name: 'counting',
  title: 'Counting',
  description: 'Counts steps; for framework tests.',
  paper: { title: 'Test paper', authors: 'Nobody', year: 2024, spec: 'Section 0' },
  configSchema: z
    .object({
      steps: z.number().int().positive().default(50),
      checkpointEvery: z.number().int().positive().default(10),
      saveOnAbort: z.boolean().default(false),
      threshold: z.number().default(0.5),
      label: z.string().default('x'),
      nested: z
        .object({ depth: z.number().default(1) })
        .strict()
        .default({ depth: 1 }),
      fail: z.boolean().default(false),
    })
    .strict(),
  presets: { quick: { steps: 30 }, full: { steps: 100 } },
  async run(config, ctx) {
    const state = ctx.resumeState ? z.object({ step: z.number() }).parse(ctx.resumeState.data) : { step: 0 };
    let step = state.step;
    while (step < config.steps) {
      if (ctx.signal.aborted) break;
      step++;
      ctx.log({ step, loss: 1 / step, note: step % 2 ? 'odd' : 'even' });
      if (config.fail && step === 5) throw new Error('boom at step 5');
      if (step % config.checkpointEvery === 0) await ctx.checkpoint.save('state', { step }, { step });
      ctx.progress(step, config.steps, { loss: 1 / step });
      hooks.onStep?.(step);
      await ctx.tick();
      await new Promise<void>((r) => setImmediate(r));
    }
    if (step < config.steps) {
      if (config.saveOnAbort) await ctx.checkpoint.save('state', { step }, { step });
      return { summary: { stoppedAt: step } };
    }
    ctx.claim('final loss', 1 / step, { op: '<', target: config.threshold });
    ctx.chart('loss', ctx.charts.curves({ data: ctx.metrics(), y: 'loss' }), { caption: 'loss curve' });
    return {
      summary: { steps: step, label: config.label },
      claims: [{ name: 'steps done', value: step, op: '>=', target: config.steps }],
    };
  },
});

/** An experiment that is always skipped, with an install hint. */
export const needsData = defineExperiment({
  name: 'needs-data',
  title: 'Needs data',
  description: 'Always skipped.',
  paper: { title: 'Data paper', authors: 'Someone', year: 2020, spec: 'Table 1' },
  configSchema: z.object({ n: z.number().default(1) }).strict(),
  presets: { quick: {}, full: {} },
  requires: () => 'needs FooDB. Install it with: sudo apt-get install foodb',
  async run() {
    throw new Error('should never run');
  },
});

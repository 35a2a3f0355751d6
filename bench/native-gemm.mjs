// Quick GEMM throughput check for the native addon: BLAS vs builtin kernel.
// Usage: node bench/native-gemm.mjs [--sizes 64,256,512,1024] [--threads N] [--no-numpy]
// Reports the best of several timed runs (robust to noise from other processes).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const addon = require(path.join(root, 'build/Release/nabla_native.node'));

const args = process.argv.slice(2);
const sizesArg = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : '64,256,512,1024';
const sizes = sizesArg.split(',').map(Number);
const withNumpy = !args.includes('--no-numpy');
const threads = args.includes('--threads') ? Number(args[args.indexOf('--threads') + 1]) : undefined;
if (threads !== undefined) addon.setNumThreads(threads);

function fill(arr) {
  for (let i = 0; i < arr.length; i++) arr[i] = Math.random() - 0.5;
  return arr;
}

// Best-of timing with enough repetitions for ~0.3 s per size.
function gflops(Ctor, n) {
  const a = fill(new Ctor(n * n));
  const b = fill(new Ctor(n * n));
  const c = new Ctor(n * n);
  const run = () => addon.gemm(false, false, n, n, n, 1, a, 0, n, b, 0, n, 0, c, 0, n);
  run();
  let reps = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) run();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt > 0.05) break;
    reps *= 2;
  }
  let best = Infinity;
  for (let trial = 0; trial < 9; trial++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9 / reps);
  }
  return (2 * n * n * n) / best / 1e9;
}

function numpyGflops(dtype, n) {
  const script = `
import numpy as np, time
n=${n}; a=np.random.rand(n,n).astype('${dtype}'); b=np.random.rand(n,n).astype('${dtype}'); c=a@b
reps=1
while True:
    t=time.perf_counter()
    for _ in range(reps): a@b
    if time.perf_counter()-t>0.05: break
    reps*=2
best=1e9
for _ in range(9):
    t=time.perf_counter()
    for _ in range(reps): a@b
    best=min(best,(time.perf_counter()-t)/reps)
print(2*n**3/best/1e9)`;
  try {
    const env = { ...process.env };
    if (threads !== undefined) env.OPENBLAS_NUM_THREADS = String(threads);
    return Number(execFileSync('python3', ['-c', script], { encoding: 'utf8', env }).trim());
  } catch {
    return Number.NaN;
  }
}

const info = addon.blasInfo();
console.log(`BLAS: ${info.loaded ? `${info.name} (${info.path}) ${info.config}` : `none (${info.error})`}`);
console.log(`builtin ISA: ${addon.getIsa()}, threads: ${addon.getNumThreads()}`);
const rows = [];
for (const [dtype, Ctor] of [
  ['float32', Float32Array],
  ['float64', Float64Array],
]) {
  for (const n of sizes) {
    const row = { dtype, n };
    if (info.loaded) {
      addon.useBlas(true);
      row.blas = gflops(Ctor, n);
    }
    addon.useBlas(false);
    row.builtin = gflops(Ctor, n);
    addon.useBlas(true);
    if (withNumpy) row.numpy = numpyGflops(dtype, n);
    rows.push(row);
  }
}
const fmt = (v) => (v === undefined || Number.isNaN(v) ? '   -  ' : v.toFixed(1).padStart(6));
console.log('dtype     n     BLAS  builtin  numpy   builtin/BLAS   (GFLOP/s)');
for (const r of rows) {
  const ratio = r.blas ? `${((100 * r.builtin) / r.blas).toFixed(0)}%` : '-';
  console.log(
    `${r.dtype.padEnd(8)} ${String(r.n).padStart(5)} ${fmt(r.blas)} ${fmt(r.builtin)} ${fmt(r.numpy)}   ${ratio.padStart(6)}`,
  );
}

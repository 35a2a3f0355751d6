// nabla engine process: `NABLA_BACKEND=js|native node bench/workloads/nabla.mjs --out FILE [--only …]`.
// Imports the compiled library from dist/ (run `npm run build` first). When the requested backend
// cannot be loaded it records the engine as unavailable (with the reason) instead of failing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { createRecorder, parseChildArgs } from '../lib/child.mjs';
import { WORKLOADS } from '../lib/config.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = parseChildArgs();
const wanted = process.env.NABLA_BACKEND || 'js';
const rec = createRecorder(args.variant ?? `nabla-${wanted}`, args);
rec.doc.info.requestedBackend = wanted;

const dist = (p) => pathToFileURL(path.join(root, 'dist', p)).href;

async function load() {
  if (!existsSync(path.join(root, 'dist/index.js'))) {
    throw new Error('dist/index.js not found: run `npm run build` first');
  }
  const nb = await import(dist('index.js'));
  const nn = await import(dist('nn/index.js'));
  const optim = await import(dist('optim/index.js'));
  const diffeq = await import(dist('diffeq/index.js'));
  return { nb, nn, optim, diffeq };
}

/** Makes `wanted` the active backend, or explains why it cannot be. */
function selectBackend(nb) {
  const active = nb.getBackend().name;
  if (active === wanted) return null;
  try {
    nb.setBackend(wanted);
  } catch (err) {
    return `backend '${wanted}' is not available: ${err?.message ?? err}`;
  }
  return nb.getBackend().name === wanted ? null : `backend '${wanted}' could not be activated`;
}

/**
 * What the active backend says about itself (GEMM route, BLAS, threads, CPU features): the library's
 * `backendInfo()` (root export, else `dist/backend/index.js`), else the addon's own introspection.
 */
async function backendInfo(nb) {
  const b = nb.getBackend();
  const info = { name: b.name, registered: nb.listBackends() };
  let describe = nb.backendInfo;
  if (typeof describe !== 'function' && existsSync(path.join(root, 'dist/backend/index.js'))) {
    describe = (await import(dist('backend/index.js'))).backendInfo;
  }
  if (typeof describe === 'function') {
    try {
      const d = describe();
      Object.assign(info, { gemm: d.gemm, blas: d.blas, cpu: d.cpu, threads: d.threads ?? undefined });
      if (d.nativeUnavailable) info.nativeUnavailable = d.nativeUnavailable;
    } catch {
      // Optional introspection only.
    }
  } else if (b.name !== 'js' && existsSync(path.join(root, 'dist/backend/native/addon.js'))) {
    try {
      const addon = (await import(dist('backend/native/addon.js'))).loadNativeAddon?.();
      if (addon) Object.assign(info, { blas: addon.blasInfo(), threads: addon.getNumThreads() });
    } catch {
      // Optional introspection only.
    }
  }
  // The TypeScript kernels run on the main thread only.
  if (b.name === 'js') info.threads = 1;
  return info;
}

/**
 * The native backend runs a thread pool (and maybe a BLAS): like the NumPy/PyTorch peers, each case
 * is timed with the faster of all cores and one thread, picked by a short calibration.
 */
async function setupThreads(nb) {
  if (nb.getBackend().name === 'js' || !existsSync(path.join(root, 'dist/backend/index.js'))) return;
  const addon = (await import(dist('backend/index.js'))).getNativeAddon?.();
  if (!addon || typeof addon.setNumThreads !== 'function') return;
  const initial = addon.getNumThreads();
  const counts = [...new Set([initial, 1])];
  rec.doc.info.defaultThreads = initial;
  rec.doc.info.threads = 'per case: the fastest setting of a short calibration (results[].config)';
  rec.setThreadConfigs(
    counts.map((n) => ({ label: `${n} thread${n > 1 ? 's' : ''}`, apply: () => addon.setNumThreads(n) })),
  );
}

let lib;
try {
  lib = await load();
} catch (err) {
  rec.unavailable(`could not load nabla: ${err?.message ?? err}`);
  process.exit(0);
}
const problem = selectBackend(lib.nb);
if (problem) {
  rec.unavailable(problem);
  process.exit(0);
}
rec.doc.info.backend = await backendInfo(lib.nb);
rec.doc.info.threads = rec.doc.info.backend.threads ?? 1;
await setupThreads(lib.nb);
rec.flush();

for (const name of args.only) {
  const mod = await import(`./${name}.mjs`);
  await mod.run(rec, lib, WORKLOADS[name]);
}
rec.flush();

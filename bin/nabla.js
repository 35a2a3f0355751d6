#!/usr/bin/env node
// nabla command line. Runs the compiled CLI in dist/ (built by `npm install` via "prepare", or `npm run build`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// nabla allocates many mid-size typed arrays; a larger young generation makes that ~2x cheaper
// (measured: new Float32Array(1000) 2.2 µs → 0.8 µs). The CLI is our own process, so it opts in;
// library users can do the same with NODE_OPTIONS=--max-semi-space-size=64 (docs/benchmarks.md).
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) setFlagsFromString('--max-semi-space-size=64');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'cli', 'main.js');

if (!existsSync(entry)) {
  process.stderr.write('nabla: dist/cli/main.js is missing. Build it with `npm run build` (npm install does this).\n');
  process.exit(2);
}

/** Newest mtime among the CLI/experiment sources, to warn about a stale build in a checkout. */
function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (name.endsWith('.ts')) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}
const sources = ['experiment', 'experiments', 'cli'].map((d) => newestSource(join(root, 'src', d)));
if (Math.max(...sources) > statSync(entry).mtimeMs + 1000) {
  process.stderr.write('nabla: warning: src/ is newer than dist/; run `npm run build` to pick up the changes.\n');
}

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

try {
  const { main } = await import(pathToFileURL(entry).href);
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`nabla: unexpected error: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
}

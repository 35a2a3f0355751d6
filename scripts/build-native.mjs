#!/usr/bin/env node
// Builds the optional native CPU addon (build/Release/nabla_native.node) with node-gyp.
//
// Runs as the package's `install` script, so it must never fail the install: when the build is
// impossible (no compiler, no Python, unsupported platform) it prints a one-line notice and exits 0,
// and nabla uses its TypeScript backend. The full node-gyp log goes to build/native-build.log.
//
// Environment:
//   NABLA_SKIP_NATIVE_BUILD=1   skip the build entirely
//   NABLA_NATIVE_VERBOSE=1      stream node-gyp's output (also: --verbose)
//   NABLA_NATIVE_STRICT=1       exit 1 when the build fails (for CI; also: --strict)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const verbose = process.argv.includes('--verbose') || process.env.NABLA_NATIVE_VERBOSE === '1';
const strict = process.argv.includes('--strict') || process.env.NABLA_NATIVE_STRICT === '1';
const fallback = 'using the TypeScript backend';

function notice(reason) {
  console.log(`nabla: native backend not built (${reason}); ${fallback}`);
  process.exit(strict ? 1 : 0);
}

if (process.env.NABLA_SKIP_NATIVE_BUILD === '1') notice('NABLA_SKIP_NATIVE_BUILD=1');
if (!existsSync(path.join(root, 'binding.gyp'))) notice('binding.gyp not found');

// Prefer the node-gyp we depend on; fall back to whatever npx can find locally.
const localGyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
let command;
let args;
if (existsSync(localGyp)) {
  command = process.execPath;
  args = [localGyp];
} else {
  command = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  args = ['--no-install', 'node-gyp'];
}
args.push('rebuild', '--release', `--jobs=${process.env.JOBS ?? 'max'}`);

// Use the headers shipped next to the running node (official tarballs and distro packages both
// have <prefix>/include/node) instead of downloading them: the build must work offline.
if (!process.env.npm_config_nodedir && process.platform !== 'win32') {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
}

const started = Date.now();
const result = spawnSync(command, args, {
  cwd: root,
  encoding: 'utf8',
  stdio: verbose ? 'inherit' : 'pipe',
  shell: process.platform === 'win32' && command.endsWith('.cmd'),
  env: process.env,
});
const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
try {
  mkdirSync(path.join(root, 'build'), { recursive: true });
  writeFileSync(path.join(root, 'build', 'native-build.log'), `$ ${command} ${args.join(' ')}\n${log}`);
} catch {
  // The log is a convenience only.
}

/** One short line explaining a failed build, picked from node-gyp/compiler output. */
function reason() {
  if (result.error) return result.error.code === 'ENOENT' ? `${command} not found` : result.error.message;
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^gyp (info|http|verb)/.test(l));
  const pick = (re) => lines.find((l) => re.test(l));
  const missing = pick(/No such file or directory: '([^']+)'/);
  const line =
    (missing && `not found: ${missing.match(/'([^']+)'/)[1]}`) ??
    pick(/not found: (make|g\+\+|c\+\+|cc|clang)/i) ??
    pick(/(g\+\+|c\+\+|clang\+\+|cc|make): (command )?not found/i) ??
    pick(/could not find any python|find Python.*(error|not found)/i) ??
    pick(/\berror\b:/i) ??
    pick(/gyp ERR! stack Error/) ??
    pick(/gyp ERR!/);
  const text = (line ?? `node-gyp exited with code ${result.status}`).replace(/^gyp ERR! (stack )?/, '');
  return `${text.slice(0, 160)}; see build/native-build.log`;
}

const binary = path.join(root, 'build', 'Release', 'nabla_native.node');
if (result.status !== 0 || !existsSync(binary)) notice(reason());
console.log(`nabla: native backend built (${path.relative(root, binary)}, ${((Date.now() - started) / 1000).toFixed(0)} s)`);

/** Environment facts for `env.json` and `nabla doctor`. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRecord, type Json } from './fs.js';

export type BackendStatus = { available: true; info: Json } | { available: false; message: string };

export interface EnvInfo {
  node: string;
  platform: string;
  arch: string;
  osRelease: string;
  cpu: { model: string; cores: number };
  memoryGiB: number;
  nabla: string;
  packages: Record<string, string>;
  backend: BackendStatus;
  git?: { commit: string; dirty: boolean };
  argv: string[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** The directory of nabla's own package.json (found by walking up from this file). */
export function packageRoot(): string | undefined {
  for (let dir = here; ; dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg: unknown = JSON.parse(readFileSync(p, 'utf8'));
        if (isRecord(pkg) && pkg.name === 'nabla') return dir;
      } catch {
        // keep walking
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Version of an installed package, or `undefined` when it cannot be found. */
export function packageVersion(name: string): string | undefined {
  for (let dir = here; ; dir = dirname(dir)) {
    const p = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg: unknown = JSON.parse(readFileSync(p, 'utf8'));
        if (isRecord(pkg) && typeof pkg.version === 'string') return pkg.version;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function nablaVersion(): string {
  const root = packageRoot();
  if (!root) return 'unknown';
  const pkg: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return isRecord(pkg) && typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

function toJson(v: unknown): Json {
  return JSON.parse(JSON.stringify(v ?? null)) as Json;
}

/**
 * The engine backend's self-description: `backendInfo()` from `src/backend/index.js` when that module
 * exists and exports it.
 */
export async function getBackendInfo(): Promise<BackendStatus> {
  const specifier = '../backend/index.js';
  let mod: unknown;
  try {
    mod = await import(specifier);
  } catch {
    return { available: false, message: 'engine backend info unavailable' };
  }
  if (!isRecord(mod) || typeof mod.backendInfo !== 'function') {
    let active = '';
    if (isRecord(mod) && typeof mod.getBackend === 'function') {
      try {
        const b: unknown = (mod.getBackend as () => unknown)();
        if (isRecord(b) && typeof b.name === 'string') active = `; active backend: ${b.name}`;
      } catch {
        // ignore
      }
    }
    return {
      available: false,
      message: `engine backend info unavailable (no backendInfo() export${active})`,
    };
  }
  try {
    const info: unknown = await (mod.backendInfo as () => unknown)();
    return { available: true, info: toJson(info) };
  } catch (err) {
    return {
      available: false,
      message: `backendInfo() failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

function gitInfo(cwd: string): EnvInfo['git'] {
  try {
    const opts = { cwd, stdio: ['ignore', 'pipe', 'ignore'] as ('ignore' | 'pipe')[], timeout: 2000 };
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], opts).toString().trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).toString().trim() !== '';
    return { commit, dirty };
  } catch {
    return undefined;
  }
}

export async function collectEnv(): Promise<EnvInfo> {
  const cpus = os.cpus();
  const packages: Record<string, string> = {};
  for (const name of ['zod', 'vega', 'vega-lite']) {
    const v = packageVersion(name);
    if (v) packages[name] = v;
  }
  const root = packageRoot();
  const env: EnvInfo = {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: os.availableParallelism?.() ?? cpus.length },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    nabla: nablaVersion(),
    packages,
    backend: await getBackendInfo(),
    argv: process.argv.slice(2),
  };
  const git = root ? gitInfo(root) : undefined;
  if (git) env.git = git;
  return env;
}

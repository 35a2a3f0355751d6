import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findPackageRoot,
  loadNativeAddon,
  NATIVE_ABI_VERSION,
  nativeAddonError,
  nativeAddonPath,
} from '../../src/backend/native/addon.js';
import { requireAddon } from './helpers.js';

const addon = requireAddon();

/** Runs a snippet in a fresh Node process with extra environment and returns its JSON output. */
function inChild(env: Record<string, string>, body: string): unknown {
  const file = nativeAddonPath()!;
  const script = `const a = require(${JSON.stringify(file)}); ${body}`;
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

describe('native addon loading', () => {
  it('finds the package root and the binary', () => {
    const root = findPackageRoot();
    expect(root).not.toBeNull();
    const expected = process.env.NABLA_NATIVE_PATH
      ? path.resolve(process.env.NABLA_NATIVE_PATH)
      : path.join(root!, 'build', 'Release', 'nabla_native.node');
    expect(nativeAddonPath()).toBe(expected);
    expect(addon.abiVersion).toBe(NATIVE_ABI_VERSION);
    // Built for this Node's ABI (the loader refuses other binaries: the addon uses V8's C++ API).
    expect(String(addon.nodeModuleVersion)).toBe(process.versions.modules);
  });

  it('honours NABLA_BACKEND=js unless told to ignore it', () => {
    const saved = process.env.NABLA_BACKEND;
    process.env.NABLA_BACKEND = 'js';
    try {
      expect(loadNativeAddon()).toBeNull();
      expect(nativeAddonError()).toMatch(/NABLA_BACKEND=js/);
      expect(loadNativeAddon({ ignoreEnv: true })).toBe(addon);
    } finally {
      if (saved === undefined) delete process.env.NABLA_BACKEND;
      else process.env.NABLA_BACKEND = saved;
    }
    expect(loadNativeAddon()).toBe(addon);
  });

  it('reports BLAS and CPU information', () => {
    const info = addon.blasInfo();
    expect(['openblas', 'mkl', 'blis', 'cblas', 'builtin']).toContain(info.name);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(typeof info.config).toBe('string');
    if (info.loaded) {
      expect(info.path).toMatch(/\S/);
      expect(info.error).toBeNull();
    } else {
      expect(info.name).toBe('builtin');
      expect(info.error).toMatch(/\S/);
    }
    const f = addon.cpuFeatures();
    expect(['generic', 'avx2', 'avx512']).toContain(f.bestIsa);
    if (f.avx512f) expect(f.avx2).toBe(true);
    expect(addon.getIsa()).toBe(f.bestIsa);
  });

  it('switches BLAS and ISA at run time', () => {
    const loaded = addon.blasInfo().loaded;
    expect(addon.useBlas(false)).toBe(false);
    expect(addon.blasInfo().name).toBe('builtin');
    expect(addon.useBlas(true)).toBe(loaded);
    expect(addon.setIsa('generic')).toBe('generic');
    expect(addon.getIsa()).toBe('generic');
    expect(addon.setIsa('auto')).toBe(addon.cpuFeatures().bestIsa);
    expect(() => addon.setIsa('sse9' as 'generic')).toThrow(RangeError);
  });

  it('sets the thread count', () => {
    const before = addon.getNumThreads();
    addon.setNumThreads(1);
    expect(addon.getNumThreads()).toBe(1);
    addon.setNumThreads(before);
    expect(addon.getNumThreads()).toBe(before);
    expect(() => addon.setNumThreads(0)).toThrow(RangeError);
  });

  it('NABLA_BLAS=none forces the builtin kernels', () => {
    const r = inChild(
      { NABLA_BLAS: 'none' },
      `const A = new Float64Array([1, 2, 3, 4]), C = new Float64Array(4);
       a.gemm(false, false, 2, 2, 2, 1, A, 0, 2, A, 0, 2, 0, C, 0, 2);
       console.log(JSON.stringify({ info: a.blasInfo(), lapack: a.lapackAvailable(), c: Array.from(C) }));`,
    ) as { info: { name: string; loaded: boolean; error: string }; lapack: boolean; c: number[] };
    expect(r.info.name).toBe('builtin');
    expect(r.info.loaded).toBe(false);
    expect(r.info.error).toMatch(/NABLA_BLAS=none/);
    expect(r.lapack).toBe(false);
    expect(r.c).toEqual([7, 10, 15, 22]);
  });

  it('NABLA_BLAS=<missing path> reports the error and still works', () => {
    const r = inChild(
      { NABLA_BLAS: '/nonexistent/libblas.so' },
      'console.log(JSON.stringify(a.blasInfo()));',
    ) as { name: string; error: string };
    expect(r.name).toBe('builtin');
    expect(r.error).toMatch(/nonexistent/);
  });
});

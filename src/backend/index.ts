/** Backend registry: which kernel set the ops use. */
import { setSlabSource, slabsEnabled } from '../core/alloc.js';
import { ArgumentError } from '../core/errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { loadNativeAddon, type NativeAddon, nativeAddonError } from './native/addon.js';
import { createNativeBackend } from './native/index.js';
import { appliedV8Flags, applyV8Tuning } from './v8-tuning.js';

export type {
  Backend,
  BinaryOp,
  Conv2dGeometry,
  MatmulArgs,
  ReduceOp,
  StridedArray,
  UnaryOp,
} from './backend.js';
export { jsBackend } from './js/index.js';

const registry = new Map<string, Backend>([['js', jsBackend]]);
let current: Backend = jsBackend;

/** Why the native backend is not in use (null when it is). */
let nativeUnavailable: string | null = null;
/** How GEMM was routed, and why. */
let gemmChoice = 'TypeScript blocked GEMM';
let addon: NativeAddon | null = null;

/**
 * Picks the default backend once, at import: the native addon unless
 * `NABLA_BACKEND=js` or it is not built (then a one-line notice on stderr).
 */
function initDefaultBackend(): void {
  const wanted = process.env.NABLA_BACKEND;
  if (wanted !== undefined && wanted !== 'js' && wanted !== 'native') {
    throw new ArgumentError(`NABLA_BACKEND must be 'js' or 'native' (got '${wanted}')`);
  }
  if (wanted === 'js') {
    nativeUnavailable = 'disabled by NABLA_BACKEND=js';
    return;
  }
  addon = loadNativeAddon();
  if (!addon) {
    nativeUnavailable = nativeAddonError() ?? 'the native addon is not built';
    if (wanted === 'native') {
      throw new ArgumentError(
        `NABLA_BACKEND=native, but the native backend is unavailable: ${nativeUnavailable}`,
      );
    }
    process.stderr.write(
      `nabla: native backend unavailable (${nativeUnavailable}); using the TypeScript backend\n`,
    );
    return;
  }
  gemmChoice = chooseGemm(addon);
  mallocTuning = tuneMalloc(addon);
  slabPool = useSlabPool(addon);
  const native = createNativeBackend(addon);
  registry.set('native', native);
  current = native;
}

/** glibc heap settings applied at import (null: not glibc, or `NABLA_MALLOC_TUNING=0`). */
let mallocTuning: { mmapThreshold: number; trimThreshold: number } | null = null;

/**
 * Keeps large freed blocks in glibc's heap for reuse (docs/backend.md "Memory"): every op's output
 * is a fresh allocation, and a fresh multi-MB block from the kernel faults in page by page (a 2 MiB
 * array cost 0.2–1 ms to allocate and touch on the development VM) where a reused one is cleared
 * in ~0.05 ms. Blocks up to 32 MiB come from the heap and up to 256 MiB of free heap top is kept.
 * `NABLA_MALLOC_TUNING=0` leaves malloc alone.
 */
function tuneMalloc(a: NativeAddon): { mmapThreshold: number; trimThreshold: number } | null {
  if (process.env.NABLA_MALLOC_TUNING === '0') return null;
  const settings = { mmapThreshold: 32 * 2 ** 20, trimThreshold: 256 * 2 ** 20 };
  return a.tuneMalloc(settings.mmapThreshold, settings.trimThreshold) ? settings : null;
}

/** Cap (bytes) of the native slab pool in use, or null when it is off. */
let slabPool: number | null = null;

/**
 * Small arrays' slabs from the addon's recycling pool (docs/backend.md "Memory"): V8 does not count
 * them as external memory, so they do not force young-generation GCs, and collected slabs are
 * reused while still resident. At most 64 MiB of slabs are in use; past that, slabs come from
 * ordinary ArrayBuffers again. `NABLA_SLAB_POOL=0` turns the pool off.
 */
function useSlabPool(a: NativeAddon): number | null {
  if (process.env.NABLA_SLAB_POOL === '0' || !slabsEnabled()) return null;
  const limit = 64 * 2 ** 20;
  a.slabPool(limit);
  setSlabSource((bytes) => a.slab(bytes));
  return limit;
}

/**
 * BLAS or the addon's own GEMM. A BLAS is used when found, except when it runs
 * kernels below the CPU's level — e.g. OpenBLAS restricted to its AVX2 'Haswell'
 * kernels (by `OPENBLAS_CORETYPE`, as set on this project's machines) on an AVX-512
 * CPU, where the built-in AVX-512 GEMM measured ~1.5× faster (docs/backend.md).
 * `NABLA_GEMM=blas|builtin` overrides.
 */
function chooseGemm(a: NativeAddon): string {
  const info = a.blasInfo();
  const forced = process.env.NABLA_GEMM;
  if (!info.loaded)
    return `built-in ${a.getIsa()} GEMM (no BLAS found${info.error ? `: ${info.error}` : ''})`;
  const avx512 = a.cpuFeatures().avx512f;
  const blasBelowCpu = avx512 && !/SKYLAKEX|COOPERLAKE|SAPPHIRERAPIDS|ZEN4|ZEN5/i.test(info.corename);
  if (forced === 'builtin' || (forced !== 'blas' && blasBelowCpu)) {
    a.useBlas(false);
    return `built-in ${a.getIsa()} GEMM (${forced === 'builtin' ? 'NABLA_GEMM=builtin' : `${info.name} runs ${info.corename} kernels on this AVX-512 CPU`}); LAPACK from ${info.name}`;
  }
  a.useBlas(true);
  return `${info.name} (${info.corename}, ${info.threads} threads)`;
}

/** What the engine runs on: for `nabla doctor` and run folders' env.json. */
export interface BackendInfo {
  /** Active backend. */
  backend: string;
  /** Registered backends. */
  available: string[];
  /** Why the native backend is not active, or null. */
  nativeUnavailable: string | null;
  /** GEMM route (BLAS name and core, or the built-in kernel's ISA). */
  gemm: string;
  /** The BLAS library found by the addon, if any. */
  blas: ReturnType<NativeAddon['blasInfo']> | null;
  /** CPU features the addon detected. */
  cpu: ReturnType<NativeAddon['cpuFeatures']> | null;
  /** Threads of the addon's pool. */
  threads: number | null;
  /** glibc heap thresholds nabla set at import (null: not glibc, no addon, or `NABLA_MALLOC_TUNING=0`). */
  mallocTuning: { mmapThreshold: number; trimThreshold: number } | null;
  /** Cap in bytes of the native slab pool for small arrays (null: off, or no addon). */
  slabPool: number | null;
  /** V8 flags nabla set at import (`NABLA_V8_TUNING=0`: none). */
  v8Flags: readonly string[];
}

/** Describes the active backend, BLAS and CPU features. */
export function backendInfo(): BackendInfo {
  return {
    backend: current.name,
    available: [...registry.keys()],
    nativeUnavailable,
    gemm: current.name === 'native' ? gemmChoice : 'TypeScript blocked GEMM',
    blas: addon ? addon.blasInfo() : null,
    cpu: addon ? addon.cpuFeatures() : null,
    threads: addon ? addon.getNumThreads() : null,
    mallocTuning,
    slabPool,
    v8Flags: appliedV8Flags(),
  };
}

/**
 * Counters of the native slab pool (docs/backend.md "Memory"), or null when it is off: `inUse` is
 * the bytes of slabs whose ArrayBuffers are alive (or not yet collected), `cached` the freed bytes
 * kept for reuse. Slab memory is not part of `process.memoryUsage().arrayBuffers`, so memory
 * measurements should add `inUse`.
 */
export function slabPoolStats(): ReturnType<NativeAddon['slabPool']> | null {
  return addon && slabPool !== null ? addon.slabPool() : null;
}

/** The loaded native addon (null when unavailable), for kernels outside the Backend interface (LAPACK, pooling). */
export function getNativeAddon(): NativeAddon | null {
  return addon;
}

/** The backend the ops currently dispatch to. */
export function getBackend(): Backend {
  return current;
}

/** Registers a backend under its name (does not activate it). */
export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
}

/** Activates a registered backend by name. */
export function setBackend(name: string): void {
  const b = registry.get(name);
  if (!b) {
    throw new ArgumentError(
      `setBackend: unknown backend '${name}' (registered: ${[...registry.keys()].join(', ')})`,
    );
  }
  current = b;
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...registry.keys()];
}

applyV8Tuning();
initDefaultBackend();

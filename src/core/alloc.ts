/**
 * Where typed arrays' memory comes from: the two cases where a plain `new Float32Array(n)`
 * costs more than the op that fills it.
 *
 * **Small arrays (65 B – 16 KiB): slabs.** Every op allocates its output, and in V8 each typed
 * array over 64 bytes gets its own off-heap ArrayBuffer: a `malloc`, an entry the garbage
 * collector must sweep, and a backing store it tracks. For the small tensors of neural-ODE
 * vector fields and per-op benchmarks that bookkeeping costs more than the arithmetic, so these
 * arrays are carved, eight at a time, from one shared ArrayBuffer per power-of-two size class.
 * The price is bounded retention: a slab is freed when all eight of its arrays are garbage, so
 * one long-lived small array keeps at most its slab alive: max(8 × its size class, 32 KiB), ≤ 128 KiB.
 * Chunks are never reused, so arrays come out zero-filled. `NABLA_ARRAY_SLABS=0` turns slabs off.
 *
 * **Large arrays (≥ 64 KiB): a recycling pool**, when a backend registers one (the native addon
 * does, see docs/backend.md). A fresh multi-MB backing store is fresh `mmap`ed memory whose
 * every 4 KiB page faults on first touch; the pool's buffers go back to it when V8 collects them
 * and are cleared and reused instead.
 */
/** Largest array (bytes) carved from a slab. */
export const SLAB_MAX_BYTES = 16384;
/** Arrays per slab, at least: smaller classes fill a {@link SLAB_MIN_BYTES} slab. */
export const SLAB_CHUNKS = 8;
/** Smallest slab: tiny arrays share one 32 KiB buffer (fewer ArrayBuffers; retention ≤ 32 KiB each). */
export const SLAB_MIN_BYTES = 32768;
/** Arrays up to this many bytes are allocated on V8's heap anyway (no ArrayBuffer to save). */
const IN_HEAP_BYTES = 64;

const enabled = process.env.NABLA_ARRAY_SLABS !== '0';

/** Current slab and next free offset per size class (index: log2 of the chunk size). */
const slabs: (ArrayBuffer | null)[] = [];
const next: number[] = [];

/** Byte offset of the region {@link slabBuffer} returned last (an out-parameter: no object per call). */
export let slabOffset = 0;

/**
 * The slab holding a fresh zero-filled region of `bytes` bytes for a typed array, whose byte
 * offset is then in {@link slabOffset}. Null when the array should own its buffer (too small or
 * too large for slabs, or slabs off).
 */
export function slabBuffer(bytes: number): ArrayBuffer | null {
  if (!enabled || bytes <= IN_HEAP_BYTES || bytes > SLAB_MAX_BYTES) return null;
  const cls = 32 - Math.clz32(bytes - 1); // chunk = 2^cls ≥ bytes
  const chunk = 1 << cls;
  let buf = slabs[cls] ?? null;
  let off = next[cls] ?? 0;
  if (buf === null || off >= buf.byteLength) {
    buf = new ArrayBuffer(Math.max(chunk * SLAB_CHUNKS, SLAB_MIN_BYTES));
    slabs[cls] = buf;
    off = 0;
  }
  next[cls] = off + chunk;
  slabOffset = off;
  return buf;
}

/** Smallest array (bytes) taken from the large-buffer source. */
export const LARGE_MIN_BYTES = 65536;

/** Returns a zero-filled ArrayBuffer of exactly `bytes` bytes, or null to fall back to `new ArrayBuffer`. */
export type LargeBufferSource = (bytes: number) => ArrayBuffer | null;

let largeSource: LargeBufferSource | null = null;

/** Registers (or, with null, removes) the source of large arrays' buffers; returns the previous one. */
export function setLargeBufferSource(source: LargeBufferSource | null): LargeBufferSource | null {
  const prev = largeSource;
  largeSource = source;
  return prev;
}

/** A zero-filled buffer of `bytes` bytes for a large array, or null to allocate it plainly. */
export function largeBuffer(bytes: number): ArrayBuffer | null {
  return largeSource !== null && bytes >= LARGE_MIN_BYTES ? largeSource(bytes) : null;
}

/** Whether small arrays are carved from slabs in this process. */
export function slabsEnabled(): boolean {
  return enabled;
}

/**
 * Where small typed arrays' memory comes from.
 *
 * **Small arrays (65 B – 16 KiB) come from slabs.** Every op allocates its output, and in V8 each typed
 * array over 64 bytes gets its own off-heap ArrayBuffer: a `malloc`, an entry the garbage
 * collector must sweep, and a backing store it tracks. For the small tensors of neural-ODE
 * vector fields and per-op benchmarks that bookkeeping costs more than the arithmetic, so these
 * arrays are carved, eight or more at a time, from one shared ArrayBuffer per power-of-two size class.
 * The price is bounded retention: a slab is freed when all of its arrays are garbage, so
 * one long-lived small array keeps at most its slab alive: max(8 × its size class, 32 KiB), ≤ 128 KiB.
 * Chunks are never reused, so arrays come out zero-filled. `NABLA_ARRAY_SLABS=0` turns slabs off.
 * (Large arrays keep their own buffers: a recycling pool for them was measured and rejected, see
 * docs/backend.md "Memory".)
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

/** Whether small arrays are carved from slabs in this process. */
export function slabsEnabled(): boolean {
  return enabled;
}

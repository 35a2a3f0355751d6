/**
 * Slab allocation for small typed arrays.
 *
 * Every op allocates its output, and in V8 each typed array over 64 bytes gets its own
 * off-heap ArrayBuffer: a `malloc`, an entry the garbage collector must sweep, and a
 * backing store it tracks. For the small tensors of neural-ODE vector fields and per-op
 * benchmarks that bookkeeping costs more than the arithmetic. Arrays of 65 B to 16 KiB are
 * therefore carved, eight at a time, from one shared ArrayBuffer per power-of-two size class.
 *
 * The price is bounded retention: a slab is freed when all eight of its arrays are garbage,
 * so one long-lived small array keeps at most seven dead neighbours' bytes alive (at most
 * 8 × 16 KiB). Chunks are never reused, so arrays come out zero-filled like `new
 * Float32Array(n)`. `NABLA_ARRAY_SLABS=0` turns slabs off (every array gets its own buffer).
 */

/** Largest array (bytes) carved from a slab. */
export const SLAB_MAX_BYTES = 16384;
/** Arrays per slab. */
export const SLAB_CHUNKS = 8;
/** Arrays up to this many bytes are allocated on V8's heap anyway (no ArrayBuffer to save). */
const IN_HEAP_BYTES = 64;

const enabled = process.env.NABLA_ARRAY_SLABS !== '0';

/** Current slab and next free offset per size class (index: log2 of the chunk size). */
const slabs: (ArrayBuffer | null)[] = [];
const next: number[] = [];

/**
 * A zero-filled region of `bytes` bytes for a typed array: the buffer and byte offset to view.
 * Null when the array should own its buffer (too small or too large for slabs, or slabs off).
 */
export function slabRegion(bytes: number): { buffer: ArrayBuffer; offset: number } | null {
  if (!enabled || bytes <= IN_HEAP_BYTES || bytes > SLAB_MAX_BYTES) return null;
  const cls = 32 - Math.clz32(bytes - 1); // chunk = 2^cls ≥ bytes
  const chunk = 1 << cls;
  let buf = slabs[cls] ?? null;
  let off = next[cls] ?? 0;
  if (buf === null || off >= buf.byteLength) {
    buf = new ArrayBuffer(chunk * SLAB_CHUNKS);
    slabs[cls] = buf;
    off = 0;
  }
  next[cls] = off + chunk;
  return { buffer: buf, offset: off };
}

/** Whether small arrays are carved from slabs in this process. */
export function slabsEnabled(): boolean {
  return enabled;
}

/**
 * Where small typed arrays' memory comes from.
 *
 * **Small arrays (65 B – 16 KiB) come from slabs.** Every op allocates its output, and in V8 each typed
 * array over 64 bytes gets its own off-heap ArrayBuffer: a `malloc`, an entry the garbage
 * collector must sweep, and a backing store it tracks. For the small tensors of neural-ODE
 * vector fields and per-op benchmarks that bookkeeping costs more than the arithmetic, so these
 * arrays are carved, eight or more at a time, from one shared ArrayBuffer per power-of-two size class.
 * The price is bounded retention: a slab is freed when all of its arrays are garbage, so
 * one long-lived small array keeps at most its slab alive: 128 KiB.
 * Chunks are never reused. `NABLA_ARRAY_SLABS=0` turns slabs off.
 *
 * **Op outputs skip the zero fill.** Slabs (and large output buffers, see {@link uninitBuffer}) are
 * taken from the heap without clearing: zeroing a fresh 64 KiB buffer costs ~2.5 µs on the development
 * VM, more than the kernel that then overwrites it. Callers that need zeros clear the region
 * themselves (`allocArray`); kernels' outputs (`allocOutput`) stay as they come. With
 * `NABLA_POISON_UNINIT=1` (set by the test suite) uninitialised arrays are filled with NaN or a
 * garbage pattern instead, so a kernel that forgets an element fails its tests.
 * (Large arrays keep their own buffers: a recycling pool for them was measured and rejected, see
 * docs/backend.md "Memory".)
 */
import { Buffer } from 'node:buffer';

/** Largest array (bytes) carved from a slab. */
export const SLAB_MAX_BYTES = 16384;
/** Arrays per slab, at least: smaller classes fill a {@link SLAB_MIN_BYTES} slab. */
export const SLAB_CHUNKS = 8;
/** Smallest slab: arrays share 128 KiB buffers (fewer ArrayBuffers to create; retention ≤ 128 KiB each). */
export const SLAB_MIN_BYTES = 131072;
/** Arrays up to this many bytes are allocated on V8's heap anyway (no ArrayBuffer to save). */
const IN_HEAP_BYTES = 64;

const enabled = process.env.NABLA_ARRAY_SLABS !== '0';
/** Whether uninitialised arrays are poisoned (tests), so reads of unwritten elements show. */
export const poisonUninit = process.env.NABLA_POISON_UNINIT === '1';

/**
 * Where slabs come from, when not fresh `uninitBuffer`s: the native addon's recycling pool (see
 * {@link setSlabSource}). Returns null when it has no slab to give (its cap is reached).
 */
let slabSource: ((bytes: number) => ArrayBuffer | null) | null = null;

/**
 * Installs the provider of slab buffers (the native backend installs its pool at import, see
 * docs/backend.md "Memory"); null goes back to fresh buffers. Slabs are 128 KiB, and a provider may return null to decline one.
 */
export function setSlabSource(source: ((bytes: number) => ArrayBuffer | null) | null): void {
  slabSource = source;
}

/** Current slab and next free offset per size class (index: log2 of the chunk size). */
const slabs: (ArrayBuffer | null)[] = [];
const next: number[] = [];

/** Byte offset of the region {@link slabBuffer} returned last (an out-parameter: no object per call). */
export let slabOffset = 0;

/**
 * A fresh ArrayBuffer of `bytes` bytes whose contents are unspecified (Node's `allocUnsafeSlow`:
 * `malloc` without the `memset` of `new ArrayBuffer`).
 */
export function uninitBuffer(bytes: number): ArrayBuffer {
  return Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
}

/**
 * The slab holding a fresh region of `bytes` bytes for a typed array, whose byte offset is then
 * in {@link slabOffset}; its contents are unspecified (the caller zeroes it if needed). Null
 * when the array should own its buffer (too small or too large for slabs, or slabs off).
 */
export function slabBuffer(bytes: number): ArrayBuffer | null {
  if (!enabled || bytes <= IN_HEAP_BYTES || bytes > SLAB_MAX_BYTES) return null;
  const cls = 32 - Math.clz32(bytes - 1); // chunk = 2^cls ≥ bytes
  const chunk = 1 << cls;
  let buf = slabs[cls] ?? null;
  let off = next[cls] ?? 0;
  if (buf === null || off >= buf.byteLength) {
    const size = Math.max(chunk * SLAB_CHUNKS, SLAB_MIN_BYTES);
    buf = (slabSource !== null ? slabSource(size) : null) ?? uninitBuffer(size);
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

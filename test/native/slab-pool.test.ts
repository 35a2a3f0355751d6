// The native slab pool (native/src/bind_memory.cc): small arrays live in recycled blocks that V8
// does not account, handed back when the slab's ArrayBuffer is collected.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { backendInfo, getNativeAddon, slabPoolStats } from '../../src/backend/index.js';
import { allocOutput } from '../../src/core/dtype.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const addon = getNativeAddon()!;

/** Fills `count` fresh 8 KiB arrays with `value`, keeping every `keepEvery`-th. */
function churn(count: number, value: number, keepEvery: number): Float32Array[] {
  const kept: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const a = allocOutput('float32', 2048).fill(value);
    if (i % keepEvery === 0) kept.push(a);
  }
  return kept;
}

/** Allocates enough 8 KiB arrays to take every cached block back out of the pool. */
function drainPool(value: number): void {
  churn(Math.ceil(addon.slabPool().cached / 8192) + 64, value, Number.POSITIVE_INFINITY);
}

describe('native slab pool', () => {
  it('is on with the native backend (cap 64 MiB) and serves small arrays', () => {
    expect(backendInfo().slabPool).toBe(64 * 2 ** 20);
    expect(slabPoolStats()?.limit).toBe(64 * 2 ** 20);
    const before = addon.slabPool();
    churn(64, 1, 1);
    const after = addon.slabPool();
    expect(after.hits + after.misses).toBeGreaterThan(before.hits + before.misses);
  });

  it('reuses collected slabs and never hands out memory a live array still uses', () => {
    const kept = churn(4000, 7, 97);
    gc();
    gc();
    const before = addon.slabPool();
    expect(before.cached).toBeGreaterThan(0);
    const later = churn(4000, -3, 4001);
    const after = addon.slabPool();
    expect(after.hits).toBeGreaterThan(before.hits); // blocks came back and were reused
    for (const a of kept) expect(a.every((v) => v === 7)).toBe(true);
    expect(later[0]!.every((v) => v === -3)).toBe(true);
  });

  it('keeps a slab alive through a subarray view of one of its arrays', () => {
    let a: Float32Array | null = allocOutput('float32', 2048).fill(5);
    const view = a.subarray(100, 200);
    a = null;
    churn(16, 0, Number.POSITIVE_INFINITY); // the allocator moves on to a new slab
    gc();
    gc();
    drainPool(9);
    expect(view.every((v) => v === 5)).toBe(true);
  });

  it('keeps a transferred slab out of the pool while its new owner lives', () => {
    // In a function of its own, so nothing here keeps the detached original buffer alive.
    const transferOne = () => {
      const a = allocOutput('float32', 2048).fill(2);
      const offset = a.byteOffset;
      const buffer = a.buffer as ArrayBuffer;
      const moved = structuredClone(buffer, { transfer: [buffer] });
      expect(a.length).toBe(0); // detached, as any transferred buffer
      return { moved, offset };
    };
    const { moved, offset } = transferOne();
    churn(16, 0, Number.POSITIVE_INFINITY); // the allocator moves on to a new slab
    gc();
    gc();
    drainPool(8);
    expect(new Float32Array(moved, offset, 2048).every((v) => v === 2)).toBe(true);
  });

  it('falls back to ordinary buffers past its cap', () => {
    const { limit, inUse } = addon.slabPool();
    addon.slabPool(inUse);
    try {
      const before = addon.slabPool().refusals;
      const arrays = churn(200, 4, 1);
      expect(addon.slabPool().refusals).toBeGreaterThan(before);
      expect(arrays.every((x) => x.every((v) => v === 4))).toBe(true);
    } finally {
      addon.slabPool(limit);
    }
  });

  it('rejects sizes it does not pool', () => {
    expect(() => addon.slab(3000)).toThrow(/power of two/);
    expect(() => addon.slab(2 ** 21)).toThrow(/power of two/);
  });
});

import { describe, expect, it } from 'vitest';
import { backendInfo } from '../../src/backend/index.js';
import { V8_TUNING_FLAGS } from '../../src/backend/v8-tuning.js';
import {
  SLAB_CHUNKS,
  SLAB_MAX_BYTES,
  SLAB_MIN_BYTES,
  slabBuffer,
  slabOffset,
  slabsEnabled,
} from '../../src/core/alloc.js';
import { allocArray, allocOutput } from '../../src/core/dtype.js';

describe('slab allocation of small arrays', () => {
  it('is on by default (NABLA_ARRAY_SLABS unset in the test environment)', () => {
    expect(slabsEnabled()).toBe(true);
  });

  const region = (bytes: number) => {
    const buffer = slabBuffer(bytes);
    return buffer === null ? null : { buffer, offset: slabOffset };
  };

  it('carves disjoint, aligned, power-of-two chunks: max(SLAB_CHUNKS, 32 KiB) per buffer', () => {
    for (const [bytes, chunk] of [
      [300, 512],
      [9000, 16384],
    ] as const) {
      const perSlab = Math.max(SLAB_CHUNKS, SLAB_MIN_BYTES / chunk);
      const regions = Array.from({ length: 3 * perSlab }, () => region(bytes)!);
      const buffers = new Set(regions.map((r) => r.buffer));
      // 3 slabs' worth of chunks span 3 or 4 slabs (the first may be partly used already).
      expect(buffers.size).toBeGreaterThanOrEqual(3);
      expect(buffers.size).toBeLessThanOrEqual(4);
      for (const r of regions) {
        expect(r.buffer.byteLength).toBe(chunk * perSlab);
        expect(r.offset % chunk).toBe(0);
      }
      const ids = [...buffers];
      const seen = new Set(regions.map((r) => `${ids.indexOf(r.buffer)}:${r.offset}`));
      expect(seen.size).toBe(regions.length);
    }
  });

  it('is not fooled by other classes in between', () => {
    const regions = Array.from({ length: 12 }, () => region(300)!);
    for (let i = 0; i < 12; i++) region(5000);
    const more = Array.from({ length: 12 }, () => region(300)!);
    const all = [...regions, ...more];
    const ids = [...new Set(all.map((r) => r.buffer))];
    expect(new Set(all.map((r) => `${ids.indexOf(r.buffer)}:${r.offset}`)).size).toBe(24);
  });

  it('leaves tiny (on-heap) and large arrays to their own buffers', () => {
    expect(region(64)).toBeNull();
    expect(region(SLAB_MAX_BYTES + 1)).toBeNull();
    expect(region(SLAB_MAX_BYTES)).not.toBeNull();
  });

  it('allocArray returns zero-filled, independent arrays of every dtype', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      const arrays = Array.from({ length: 20 }, () => allocArray(dtype, 100));
      for (const a of arrays) {
        expect(a.length).toBe(100);
        expect(a.every((v) => v === 0)).toBe(true);
        a.fill(1);
      }
      // Writing every array to 1 touched nothing else: each still holds exactly its own 100 ones.
      for (const a of arrays) expect(Array.from(a).reduce((s, v) => s + v, 0)).toBe(100);
      const shared = arrays.filter((a) => a.buffer.byteLength > a.byteLength);
      expect(shared.length).toBeGreaterThan(0);
    }
    const big = allocArray('float32', SLAB_MAX_BYTES);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(big.byteLength);
  });
});

describe('uninitialised op outputs', () => {
  it('are poisoned in the test environment (NABLA_POISON_UNINIT=1), so unwritten elements show', () => {
    expect(process.env.NABLA_POISON_UNINIT).toBe('1');
    for (const n of [100, 3000, SLAB_MAX_BYTES]) {
      expect(allocOutput('float32', n).every((v) => Number.isNaN(v))).toBe(true);
      expect(allocOutput('float64', n).every((v) => Number.isNaN(v))).toBe(true);
      expect(allocOutput('int32', n).every((v) => v === -0x5a5a5a5b)).toBe(true);
      expect(allocOutput('bool', n).every((v) => v === 0xa5)).toBe(true);
    }
  });

  it('never make allocArray return stale memory', () => {
    // Churn the heap with non-zero blocks, then check fresh zeroed arrays of every path.
    for (let round = 0; round < 20; round++) {
      const junk = Array.from({ length: 64 }, () => Buffer.allocUnsafeSlow(65536).fill(0x7f));
      void junk;
      for (const n of [20, 1000, 4000, 50_000])
        expect(allocArray('float32', n).every((v) => v === 0)).toBe(true);
    }
  });

  it('do not overlap arrays allocated before them', () => {
    const a = allocArray('float32', 1000).fill(1);
    const b = allocOutput('float32', 1000).fill(2);
    const c = allocOutput('float32', 1000).fill(3);
    expect([a.every((v) => v === 1), b.every((v) => v === 2), c.every((v) => v === 3)]).toEqual([
      true,
      true,
      true,
    ]);
  });
});

describe('runtime tuning', () => {
  it('applies the documented V8 flags at import and reports them', () => {
    expect(backendInfo().v8Flags).toEqual(V8_TUNING_FLAGS);
  });

  it('sets the glibc heap thresholds with the native addon on Linux', () => {
    const info = backendInfo();
    if (info.backend !== 'native' || process.platform !== 'linux') return;
    expect(info.mallocTuning).toEqual({ mmapThreshold: 32 * 2 ** 20, trimThreshold: 256 * 2 ** 20 });
  });
});

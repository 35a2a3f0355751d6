import { describe, expect, test } from 'vitest';
import { getNativeAddon } from '../../src/backend/index.js';
import { tensor } from '../../src/ops/creation.js';
import {
  bernoulli,
  categorical,
  getRngState,
  manualSeed,
  normal,
  permutation,
  philoxBlock,
  philoxWords,
  rand,
  randint,
  randn,
  randomKey,
  setRngState,
  splitKey,
  uniform,
} from '../../src/random/index.js';
import { flat } from '../helpers.js';

const hex = (a: Uint32Array) => Array.from(a, (v) => v.toString(16).padStart(8, '0'));

describe('Philox4x32-10', () => {
  test('known-answer vectors of Random123', () => {
    const out = new Uint32Array(4);
    philoxBlock(0, 0, 0, 0, 0, 0, out, 0);
    expect(hex(out)).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    philoxBlock(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out, 0);
    expect(hex(out)).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    philoxBlock(0xa4093822, 0x299f31d0, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, out, 0);
    expect(hex(out)).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });
});

describe('Philox streams on the addon', () => {
  test('the native words equal the TypeScript ones (offsets past 2^32, every domain, ragged n)', () => {
    const addon = getNativeAddon(); // this suite runs in the native test project only
    expect(addon).not.toBeNull();
    if (!addon) return;
    const cases: [number, number, number, number, number][] = [
      [0, 0, 0, 0, 64],
      [0xa4093822, 0x299f31d0, 7, 1, 37],
      [0xffffffff, 0x12345678, 2 ** 32 - 3, 2, 40], // the counter's high word changes mid-stream
      [123, 456, 5 * 2 ** 32 + 11, 0xffffffff, 16],
    ];
    for (const [k0, k1, offset, domain, n] of cases) {
      const want = new Uint32Array(Math.ceil(n / 4) * 4);
      for (let b = 0; b < want.length / 4; b++) {
        const ctr = offset + b;
        philoxBlock(k0, k1, ctr >>> 0, Math.floor(ctr / 2 ** 32) >>> 0, 0, domain, want, 4 * b);
      }
      const got = new Uint32Array(want.length);
      addon.philox(k0, k1, offset, domain, got);
      expect(hex(got)).toEqual(hex(want));
      expect(hex(philoxWords(k0, k1, offset, n, domain))).toEqual(hex(want.subarray(0, n)));
    }
  });
});

describe('keys and the global generator', () => {
  test('same key, same numbers; split keys differ', () => {
    const k = randomKey(42);
    expect(flat(rand([5], { key: k }))).toEqual(flat(rand([5], { key: k })));
    const [a, b] = splitKey(k);
    expect(flat(rand([5], { key: a! }))).not.toEqual(flat(rand([5], { key: b! })));
    expect(flat(rand([5], { key: randomKey(1) }))).not.toEqual(flat(rand([5], { key: randomKey(2) })));
  });

  test('manualSeed makes the global stream reproducible; state can be saved', () => {
    manualSeed(7);
    const first = flat(randn([4]));
    const state = getRngState();
    const second = flat(randn([4]));
    manualSeed(7);
    expect(flat(randn([4]))).toEqual(first);
    setRngState(state);
    expect(flat(randn([4]))).toEqual(second);
  });

  test('pinned values: the same seed gives the same numbers everywhere', () => {
    // Pure 32-bit integer arithmetic: these values are platform independent.
    const u = flat(rand([3], { key: randomKey(0), dtype: 'float64' }));
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(flat(rand([3], { key: randomKey(0), dtype: 'float64' }))).toEqual(u);
  });
});

describe('distributions (fixed seed, statistical tolerances)', () => {
  const n = 200_000;
  const moments = (v: number[]) => {
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    const var_ = v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length;
    return [m, var_] as const;
  };

  test('uniform and normal moments', () => {
    const [mu, vu] = moments(flat(uniform([n], -1, 3, { key: randomKey(3), dtype: 'float64' })));
    expect(Math.abs(mu - 1)).toBeLessThan(0.02);
    expect(Math.abs(vu - 16 / 12)).toBeLessThan(0.02);
    const [mn, vn] = moments(flat(normal([n], 2, 3, { key: randomKey(4), dtype: 'float64' })));
    expect(Math.abs(mn - 2)).toBeLessThan(0.03);
    expect(Math.abs(vn - 9)).toBeLessThan(0.1);
  });

  test('bernoulli, randint, permutation, categorical', () => {
    const [mb] = moments(flat(bernoulli(0.3, [n], { key: randomKey(5) })));
    expect(Math.abs(mb - 0.3)).toBeLessThan(0.01);
    const r = flat(randint(-2, 3, [n], { key: randomKey(6) }));
    expect(r.reduce((a, b) => Math.min(a, b))).toBe(-2);
    expect(r.reduce((a, b) => Math.max(a, b))).toBe(2);
    const p = flat(permutation(100, { key: randomKey(7) }));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const logits = tensor([[Math.log(0.2), Math.log(0.5), Math.log(0.3)]], { dtype: 'float64' });
    const c = flat(categorical(logits, 60_000, { key: randomKey(8) }));
    const freq = [0, 1, 2].map((k) => c.filter((v) => v === k).length / c.length);
    expect(Math.abs(freq[0]! - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(freq[1]! - 0.5)).toBeLessThan(0.01);
  });
});

// The native backend must actually send the float kernels it claims to the addon (a silent
// fallback to the TypeScript loops still passes every agreement test, only slower).
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, getNativeAddon, setBackend } from '../../src/backend/index.js';
import * as F from '../../src/nn/functional/index.js';
import * as B from '../../src/ops/binary.js';
import { sum } from '../../src/ops/reduce.js';
import * as U from '../../src/ops/unary.js';
import { permute } from '../../src/ops/view.js';
import { randn64 } from '../helpers.js';

type Counted =
  | 'binary'
  | 'binaryScalar'
  | 'binaryBroadcast'
  | 'copyStrided'
  | 'sumMiddleAxis'
  | 'unary'
  | 'softmax'
  | 'softmaxGrad';

function countCalls(names: Counted[]): { counts: Record<string, number>; restore: () => void } {
  const addon = getNativeAddon() as unknown as Record<string, (...args: unknown[]) => unknown>;
  const counts: Record<string, number> = {};
  const saved = names.map((n) => [n, addon[n]!] as const);
  for (const [n, f] of saved) {
    counts[n] = 0;
    addon[n] = (...args: unknown[]) => {
      counts[n]!++;
      return f(...args);
    };
  }
  const restore = () => {
    for (const [n, f] of saved) addon[n] = f;
  };
  return { counts, restore };
}

describe('native backend routing', () => {
  const prev = getBackend().name;
  afterEach(() => setBackend(prev));

  it('dense, scalar, bias-row and permuted operands run on the addon', () => {
    setBackend('native');
    const x = randn64([64, 32], 1).float();
    const bias = randn64([32], 2).float();
    const col = randn64([64, 1], 3).float();
    const big = randn64([8, 4, 16, 16], 4).float();
    const { counts, restore } = countCalls([
      'binary',
      'binaryScalar',
      'binaryBroadcast',
      'copyStrided',
      'sumMiddleAxis',
      'unary',
    ]);
    try {
      B.mul(x, x);
      B.mul(x, 0.5);
      B.add(x, bias);
      B.sub(col, x);
      U.tanh(x);
      sum(x, 0);
      B.mul(permute(big, [0, 2, 1, 3]), 2);
    } finally {
      restore();
    }
    expect(counts).toEqual({
      binary: 1,
      binaryScalar: 2,
      binaryBroadcast: 2,
      copyStrided: 1,
      sumMiddleAxis: 1,
      unary: 1,
    });
  });
});

describe('native routing of the nn kernels', () => {
  const prev = getBackend().name;
  afterEach(() => setBackend(prev));

  it('softmax, log-softmax (forward and fused backward) and the linear bias run on the addon', () => {
    setBackend('native');
    const x = randn64([8, 4, 64], 5).float().requiresGrad_(true);
    const w = randn64([16, 64], 6).float();
    const b = randn64([16], 7).float();
    const { counts, restore } = countCalls(['softmax', 'softmaxGrad', 'binaryBroadcast']);
    try {
      sum(B.mul(F.softmax(x, -1), x)).backward();
      sum(B.mul(F.logSoftmax(x, -1), x)).backward();
      F.linear(x, w, b);
    } finally {
      restore();
    }
    expect(counts).toEqual({ softmax: 2, softmaxGrad: 2, binaryBroadcast: 1 });
  });
});

describe('addon.copyStrided', () => {
  it('gathers permuted, sliced and reversed views exactly, for every element type', () => {
    const addon = getNativeAddon()!;
    const make = [
      (n: number) => new Float32Array(n),
      (n: number) => new Float64Array(n),
      (n: number) => new Int32Array(n),
      (n: number) => new Uint8Array(n),
    ];
    for (const alloc of make) {
      const src = alloc(200);
      for (let i = 0; i < 200; i++) src[i] = i % 251;
      const views: [number, number[], number[]][] = [
        [0, [5, 4, 3], [1, 5, 20]], // permuted
        [7, [2, 3, 2], [40, 6, 2]], // strided slice
        [59, [3, 4, 5], [-20, -5, -1]], // reversed
        [3, [4, 1, 6], [10, 0, 1]], // a size-1 dim with stride 0
      ];
      for (const [offset, sh, st] of views) {
        const n = sh.reduce((a, b) => a * b, 1);
        const out = alloc(n) as typeof src;
        addon.copyStrided(src, offset, sh, st, out);
        const want: number[] = [];
        for (let i = 0; i < sh[0]!; i++)
          for (let j = 0; j < sh[1]!; j++)
            for (let k = 0; k < sh[2]!; k++) want.push(src[offset + i * st[0]! + j * st[1]! + k * st[2]!]!);
        expect(Array.from(out), `${src.constructor.name} ${sh}`).toEqual(want);
      }
    }
  });

  it('splits large gathers over the pool with the same result as one thread', () => {
    const addon = getNativeAddon()!;
    const threads = addon.getNumThreads();
    const src = new Float32Array(32 * 64 * 4 * 32).map((_, i) => i);
    const view: [number[], number[]] = [
      [32, 4, 64, 32],
      [8192, 32, 128, 1],
    ]; // attention heads: [N, L, H, D] -> [N, H, L, D]
    try {
      const results = [1, 2].map((t) => {
        addon.setNumThreads(t);
        const out = new Float32Array(src.length);
        addon.copyStrided(src, 0, view[0], view[1], out);
        return out;
      });
      expect(results[1]).toEqual(results[0]);
      // Spot-check against the definition: out[n, h, l, d] = src[n, l, h, d].
      const at = (n: number, h: number, l: number, d: number) => results[1]![((n * 4 + h) * 64 + l) * 32 + d];
      expect(at(31, 3, 63, 31)).toBe(31 * 8192 + 63 * 128 + 3 * 32 + 31);
      expect(at(5, 2, 17, 9)).toBe(5 * 8192 + 17 * 128 + 2 * 32 + 9);
    } finally {
      addon.setNumThreads(threads);
    }
  });

  it('refuses views that reach outside the source, and mixed element types', () => {
    const addon = getNativeAddon()!;
    const src = new Float32Array(10);
    expect(() => addon.copyStrided(src, 5, [2, 3], [3, 1], new Float32Array(6))).toThrow(/outside src/);
    expect(() => addon.copyStrided(src, 0, [2], [-1], new Float32Array(2))).toThrow(/outside src/);
    expect(() => addon.copyStrided(src, 0, [2], [1], new Float64Array(2) as unknown as Float32Array)).toThrow(
      /same element type/,
    );
  });
});

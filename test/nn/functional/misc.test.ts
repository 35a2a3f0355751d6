import { describe, expect, it } from 'vitest';
import { grad } from '../../../src/autograd/backward.js';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import { noGrad } from '../../../src/autograd/mode.js';
import { AxisError, ShapeError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/core/tensor.js';
import * as F from '../../../src/nn/functional/index.js';
import { tensor } from '../../../src/ops/creation.js';
import { matmul } from '../../../src/ops/matmul.js';
import { randomKey } from '../../../src/random/key.js';
import { randn } from '../../../src/random/sample.js';
import { expectClose, rnd } from './helpers.js';

const idx = (v: number[], shape?: number[]) => tensor(v, { dtype: 'int32', ...(shape ? { shape } : {}) });

describe('linear', () => {
  it('equals x·Wᵀ + b for batched and 1-D inputs; gradcheck/gradgradcheck', () => {
    const x = rnd([2, 3, 4], 500);
    const w = rnd([5, 4], 501);
    const b = rnd([5], 502);
    const y = F.linear(x, w, b);
    expect(y.shape).toEqual([2, 3, 5]);
    expectClose(y, matmul(x, w.T).add(b).dataSync(), 1e-14, 1e-12, 'linear');
    expect(F.linear(x.select(0, 0).select(0, 0), w).shape).toEqual([5]);
    expect(F.linear(x.float(), w.float(), b.float()).dtype).toBe('float32');
    gradcheck((x, w, b) => F.linear(x!, w!, b), [x, w, b]);
    gradgradcheck((x, w) => F.linear(x!, w!).tanh(), [rnd([3, 4], 503), w]);
    expect(() => F.linear(x, rnd([5, 3], 1))).toThrow(
      /linear: input \[2,3,4\] and weight \[5,3\] are not aligned/,
    );
    expect(() => F.linear(x, w, rnd([4], 1))).toThrow(/linear: bias must have shape \[5\]/);
  });
});

describe('embedding', () => {
  const w = rnd([5, 3], 510);
  it('gathers rows; gradient accumulates repeats and skips paddingIdx', () => {
    const i = idx([1, 2, 4, 4, 3, 1], [2, 3]);
    const y = F.embedding(i, w);
    expect(y.shape).toEqual([2, 3, 3]);
    const wd = w.dataSync();
    expectClose(
      y,
      [1, 2, 4, 4, 3, 1].flatMap((r) => Array.from(wd.slice(r * 3, r * 3 + 3))),
      0,
      0,
      'rows',
    );
    const wr = w.clone().requiresGrad_(true);
    const [g] = grad(F.embedding(i, wr, { paddingIdx: 1 }).sum(), [wr]);
    expect(g!.toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [1, 1, 1],
      [1, 1, 1],
      [2, 2, 2],
    ]);
    const [g2] = grad(F.embedding(i, wr, { paddingIdx: -4 }).sum(), [wr]);
    expect((g2!.toArray() as number[][])[1]).toEqual([0, 0, 0]);
  });
  it('gradcheck, gradgradcheck and errors', () => {
    const i = idx([0, 3, 3, 2]);
    gradcheck((w) => F.embedding(i, w!), [w]);
    gradgradcheck((w) => F.embedding(i, w!, { paddingIdx: 2 }).square(), [w]);
    expect(() => F.embedding(idx([5]), w)).toThrow(AxisError);
    expect(() => F.embedding(idx([5]), w)).toThrow(
      /embedding: index 5 is out of range for a weight with 5 rows/,
    );
    expect(() => F.embedding(idx([-1]), w)).toThrow(AxisError);
    expect(() => F.embedding(tensor([1]), w)).toThrow(/embedding: indices must be an int32 tensor/);
  });
});

describe('dropout', () => {
  it('identity when not training or p = 0; zeros for p = 1', () => {
    const x = rnd([4, 5], 520);
    expect(F.dropout(x, 0.5, false)).toBe(x);
    expect(F.dropout(x, 0)).toBe(x);
    expect(
      F.dropout(x, 1)
        .dataSync()
        .every((v) => v === 0),
    ).toBe(true);
    expect(() => F.dropout(x, 1.2)).toThrow(/dropout: p must be in \[0, 1\]/);
  });

  it('inverted scaling, reproducible with a key, gradient = mask', () => {
    const x = tensor(new Float64Array(20000).fill(1), { shape: [100, 200] });
    const key = randomKey(7);
    const y = F.dropout(x, 0.25, true, { key });
    const d = y.dataSync();
    expect(d.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    const keep = d.filter((v) => v !== 0).length / d.length;
    expect(Math.abs(keep - 0.75)).toBeLessThan(0.02);
    expect(Array.from(F.dropout(x, 0.25, true, { key }).dataSync())).toEqual(Array.from(d));
    const xr = rnd([3, 4], 521).requiresGrad_(true);
    const yr = F.dropout(xr, 0.5, true, { key });
    const [g] = grad(yr.sum(), [xr]);
    const gd = g!.dataSync();
    const yd = yr.dataSync();
    gd.forEach((v, i) => {
      expect(v).toBe(yd[i] === 0 ? 0 : 2);
    });
  });

  it('featureDropout drops whole channels', () => {
    const x = tensor(new Float64Array(8 * 16 * 9).fill(1), { shape: [8, 16, 3, 3] });
    const y = F.dropout2d(x, 0.5, true, { key: randomKey(3) });
    const d = y.dataSync();
    for (let c = 0; c < 8 * 16; c++) {
      const plane = d.slice(c * 9, c * 9 + 9);
      expect(plane.every((v) => v === plane[0])).toBe(true);
    }
  });
});

describe('oneHot', () => {
  it('encodes, infers the class count and checks bounds', () => {
    expect(F.oneHot(idx([2, 0, 1])).toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const y = F.oneHot(idx([1, 3], [2, 1]), 5, { dtype: 'float32' });
    expect(y.shape).toEqual([2, 1, 5]);
    expect(y.dtype).toBe('float32');
    expect(() => F.oneHot(idx([3]), 3)).toThrow(/oneHot: class index 3 is out of range for 3 classes/);
    expect(() => F.oneHot(tensor([1]))).toThrow(/oneHot: indices must be an int32 tensor/);
  });
});

describe('scaledDotProductAttention', () => {
  /** Direct-loop attention for [B, L, E] inputs with an additive mask [L, S]. */
  function naive(q: Tensor, k: Tensor, v: Tensor, mask: (i: number, j: number) => number, scale: number) {
    const [B, L, E] = q.shape as [number, number, number];
    const S = k.shape[1]!;
    const Ev = v.shape[2]!;
    const qd = q.dataSync();
    const kd = k.dataSync();
    const vd = v.dataSync();
    const out: number[] = [];
    for (let b = 0; b < B; b++)
      for (let i = 0; i < L; i++) {
        const s: number[] = [];
        for (let j = 0; j < S; j++) {
          let acc = 0;
          for (let e = 0; e < E; e++) acc += qd[(b * L + i) * E + e]! * kd[(b * S + j) * E + e]!;
          s.push(acc * scale + mask(i, j));
        }
        const m = Math.max(...s);
        const p = s.map((x) => Math.exp(x - m));
        const z = p.reduce((a, x) => a + x, 0);
        for (let e = 0; e < Ev; e++) {
          let acc = 0;
          for (let j = 0; j < S; j++) acc += (p[j]! / z) * vd[(b * S + j) * Ev + e]!;
          out.push(acc);
        }
      }
    return out;
  }
  const q = rnd([2, 3, 4], 530);
  const k = rnd([2, 5, 4], 531);
  const v = rnd([2, 5, 2], 532);

  it('matches the direct loop with no mask, causal, bool and float masks', () => {
    const sc = 1 / 2;
    expectClose(
      F.scaledDotProductAttention(q, k, v),
      naive(q, k, v, () => 0, sc),
      1e-14,
      1e-12,
      'plain',
    );
    expectClose(
      F.scaledDotProductAttention(q, k, v, { isCausal: true }),
      naive(q, k, v, (i, j) => (j <= i ? 0 : -Infinity), sc),
      1e-14,
      1e-12,
      'causal',
    );
    const bm = tensor(
      [
        [true, false, true, true, false],
        [false, true, true, false, false],
        [true, true, true, true, true],
      ],
      { dtype: 'bool' },
    );
    const bd = bm.dataSync();
    expectClose(
      F.scaledDotProductAttention(q, k, v, { attnMask: bm, scale: 0.3 }),
      naive(q, k, v, (i, j) => (bd[i * 5 + j] ? 0 : -Infinity), 0.3),
      1e-14,
      1e-12,
      'bool mask',
    );
    const fm = rnd([3, 5], 533);
    const fd = fm.dataSync();
    expectClose(
      F.scaledDotProductAttention(q, k, v, { attnMask: fm }),
      naive(q, k, v, (i, j) => fd[i * 5 + j]!, sc),
      1e-14,
      1e-12,
      'float mask',
    );
  });

  it('gradcheck, dropout with a key, and errors', () => {
    gradcheck(
      (q, k, v) => F.scaledDotProductAttention(q!, k!, v!, { isCausal: true }),
      [rnd([1, 2, 3], 534), rnd([1, 3, 3], 535), rnd([1, 3, 2], 536)],
    );
    const key = randomKey(1);
    const a = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5, key });
    expectClose(a, F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5, key }).dataSync(), 0, 0, 'keyed');
    expect(() => F.scaledDotProductAttention(q, rnd([2, 5, 3], 1), v)).toThrow(ShapeError);
    expect(() => F.scaledDotProductAttention(q, k, v, { isCausal: true, attnMask: rnd([3, 5], 1) })).toThrow(
      /isCausal and attnMask/,
    );
  });
});

describe('a small CNN trains with the functional ops', () => {
  it('loss decreases under plain SGD', () => {
    // Two classes of 8×8 images: a bright square top-left or bottom-right, plus noise.
    const n = 16;
    const xd = new Float32Array(n * 64);
    const labels: number[] = [];
    const next = (() => {
      let s = 7;
      return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.4;
    })();
    for (let i = 0; i < n; i++) {
      const c = i % 2;
      labels.push(c);
      for (let p = 0; p < 64; p++) {
        const r = Math.floor(p / 8);
        const q = p % 8;
        const on = c === 0 ? r < 4 && q < 4 : r >= 4 && q >= 4;
        xd[i * 64 + p] = (on ? 1 : 0) + next();
      }
    }
    const x = tensor(xd, { shape: [n, 1, 8, 8] });
    const t = idx(labels);
    const key = randomKey(0);
    const w1 = randn([4, 1, 3, 3], { key }).mul(0.3).detach().requiresGrad_(true);
    const b1 = randn([4], { key: randomKey(1) })
      .mul(0.1)
      .detach()
      .requiresGrad_(true);
    const g1 = tensor(new Float32Array(4).fill(1)).requiresGrad_(true);
    const be1 = tensor(new Float32Array(4)).requiresGrad_(true);
    const w2 = randn([2, 4 * 4 * 4], { key: randomKey(2) })
      .mul(0.1)
      .detach()
      .requiresGrad_(true);
    const params = [w1, b1, g1, be1, w2];
    const forward = () => {
      let h = F.conv2d(x, w1, b1, { padding: 1 });
      h = F.batchNorm(h, null, null, g1, be1, { training: true });
      h = F.maxPool2d(F.relu(h), 2);
      return F.crossEntropy(F.linear(h.flatten(1), w2), t, { labelSmoothing: 0.05 });
    };
    const first = forward().item();
    for (let step = 0; step < 15; step++) {
      const loss = forward();
      const gs = grad(loss, params);
      noGrad(() => {
        params.forEach((p, i) => {
          const d = p._storage.data;
          const g = gs[i]!.dataSync();
          for (let k = 0; k < d.length; k++) d[k]! -= 0.2 * g[k]!;
          p._storage.version++;
        });
      });
    }
    const last = forward().item();
    expect(last).toBeLessThan(first * 0.5);
  });
});

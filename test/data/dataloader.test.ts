import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/tensor.js';
import {
  ConcatDataset,
  DataLoader,
  type Dataset,
  defaultCollate,
  randomSplit,
  Subset,
  TensorDataset,
} from '../../src/data/index.js';
import { arange, tensor } from '../../src/ops/creation.js';
import { getRngState, manualSeed, setRngState } from '../../src/random/index.js';

function range(n: number): Dataset<number> {
  return { length: n, get: (i) => i };
}

describe('TensorDataset', () => {
  it('indexes rows of every tensor', () => {
    const x = arange(12, undefined, 1, { dtype: 'float32' }).reshape(6, 2);
    const y = arange(6);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(6);
    const [xi, yi] = ds.get(4);
    expect(xi!.toArray()).toEqual([8, 9]);
    expect(yi!.item()).toBe(4);
    expect(ds.get(-1)[1]!.item()).toBe(5);
    expect(() => ds.get(6)).toThrow(/out of range/);
    expect(() => new TensorDataset(x, arange(5))).toThrow(/size mismatch/);
  });

  it('DataLoader batches via the fast path, equal to collating samples', () => {
    const x = arange(20, undefined, 1, { dtype: 'float32' }).reshape(10, 2);
    const y = arange(10);
    const ds = new TensorDataset(x, y);
    const fast = [...new DataLoader(ds, { batchSize: 4, shuffle: true, key: 3 })];
    const slow = [
      ...new DataLoader(ds, { batchSize: 4, shuffle: true, key: 3, collate: (s) => defaultCollate(s) }),
    ];
    expect(fast.length).toBe(3);
    expect(fast.map((b) => b.map((t) => t.shape))).toEqual([
      [[4, 2], [4]],
      [[4, 2], [4]],
      [[2, 2], [2]],
    ]);
    for (let i = 0; i < 3; i++) {
      expect(fast[i]![0]!.toArray()).toEqual(slow[i]![0]!.toArray());
      expect(fast[i]![1]!.toArray()).toEqual(slow[i]![1]!.toArray());
      expect(fast[i]![1]!.dtype).toBe('int32');
    }
    // Every sample exactly once, rows stay aligned.
    const ys = fast.flatMap((b) => b[1]!.toArray() as number[]);
    expect([...ys].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const xs = fast.flatMap((b) => b[0]!.toArray() as number[][]);
    xs.forEach((row, k) => {
      expect(row).toEqual([2 * ys[k]!, 2 * ys[k]! + 1]);
    });
  });
});

describe('DataLoader', () => {
  it('batches in order, with dropLast and length', () => {
    const dl = new DataLoader(range(7), { batchSize: 3 });
    expect(dl.length).toBe(3);
    expect([...dl].map((b) => b.toArray())).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const dropped = new DataLoader(range(7), { batchSize: 3, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].length).toBe(2);
    expect([...new DataLoader(range(2))].map((b) => b.shape)).toEqual([[1], [1]]);
  });

  it('seeded shuffling: same key → same orders, new order each epoch', () => {
    const a = new DataLoader(range(50), { batchSize: 50, shuffle: true, key: 7 });
    const b = new DataLoader(range(50), { batchSize: 50, shuffle: true, key: 7 });
    const a1 = [...a][0]!.toArray();
    const a2 = [...a][0]!.toArray();
    expect([...b][0]!.toArray()).toEqual(a1);
    expect([...b][0]!.toArray()).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect([...(a1 as number[])].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    const c = new DataLoader(range(50), { batchSize: 50, shuffle: true, key: 8 });
    expect([...c][0]!.toArray()).not.toEqual(a1);
    // setEpoch selects the order of a given epoch (resuming).
    const d = new DataLoader(range(50), { batchSize: 50, shuffle: true, key: 7 });
    d.setEpoch(1);
    expect([...d][0]!.toArray()).toEqual(a2);
  });

  it('unkeyed shuffling follows the global generator', () => {
    manualSeed(1);
    const state = getRngState();
    const dl = new DataLoader(range(20), { batchSize: 20, shuffle: true });
    const first = [...dl][0]!.toArray();
    setRngState(state);
    expect([...dl][0]!.toArray()).toEqual(first);
  });

  it('collates nested samples', () => {
    const ds: Dataset<{ x: Tensor; y: number; meta: [string, boolean]; w: number }> = {
      length: 3,
      get: (i) => ({ x: tensor([i, i]), y: i, meta: [`s${i}`, i % 2 === 0], w: i + 0.5 }),
    };
    const [batch] = [...new DataLoader(ds, { batchSize: 3 })];
    expect(batch!.x.shape).toEqual([3, 2]);
    expect(batch!.y.dtype).toBe('int32');
    expect(batch!.w.dtype).toBe('float32');
    expect(batch!.w.toArray()).toEqual([0.5, 1.5, 2.5]);
    expect(batch!.meta[0]).toEqual(['s0', 's1', 's2']);
    expect(batch!.meta[1].toArray()).toEqual([true, false, true]);
    expect(() => defaultCollate([tensor([1]), tensor([1, 2])])).toThrow(/same shape/);
  });

  it('custom collate', () => {
    const dl = new DataLoader(range(5), { batchSize: 2, collate: (s) => s.join(',') });
    expect([...dl]).toEqual(['0,1', '2,3', '4']);
  });

  it('iterates asynchronous iterable datasets with for await', async () => {
    async function* stream() {
      for (let i = 0; i < 5; i++) yield tensor([i]);
    }
    const dl = new DataLoader({ [Symbol.asyncIterator]: stream }, { batchSize: 2 });
    const out: number[][][] = [];
    for await (const b of dl) out.push(b.toArray() as number[][]);
    expect(out).toEqual([[[0], [1]], [[2], [3]], [[4]]]);
    expect(() => [...dl]).toThrow(/for await/);
    expect(() => dl.length).toThrow(/no length/);
    expect(() => new DataLoader({ [Symbol.asyncIterator]: stream }, { shuffle: true })).toThrow(/shuffle/);
    // Map-style datasets iterate asynchronously too.
    const seen: number[] = [];
    for await (const b of new DataLoader(range(3), { batchSize: 2 })) seen.push(...(b.toArray() as number[]));
    expect(seen).toEqual([0, 1, 2]);
  });
});

describe('Subset, ConcatDataset, randomSplit', () => {
  it('Subset and ConcatDataset index correctly', () => {
    const s = new Subset(range(10), [3, 1, 4]);
    expect(s.length).toBe(3);
    expect([0, 1, 2].map((i) => s.get(i))).toEqual([3, 1, 4]);
    const c = new ConcatDataset([range(2), range(3), range(0), range(1)]);
    expect(c.length).toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((i) => c.get(i))).toEqual([0, 1, 0, 1, 2, 0]);
    expect(c.get(-1)).toBe(0);
  });

  it('Subset of a TensorDataset keeps the fast path', () => {
    const ds = new TensorDataset(arange(10));
    const sub = new Subset(ds, [9, 2, 5]);
    const [b] = [...new DataLoader(sub, { batchSize: 3 })];
    expect(b![0]!.toArray()).toEqual([9, 2, 5]);
  });

  it('randomSplit by lengths and fractions', () => {
    const [a, b] = randomSplit(range(10), [7, 3], { key: 1 });
    expect([a!.length, b!.length]).toEqual([7, 3]);
    const all = [...a!.indices, ...b!.indices].sort((x, y) => x - y);
    expect(all).toEqual([...Array(10).keys()]);
    const [a2] = randomSplit(range(10), [7, 3], { key: 1 });
    expect(a2!.indices).toEqual(a!.indices);
    const parts = randomSplit(range(11), [0.5, 0.3, 0.2], { key: 2 });
    // floor: 5, 3, 2 → remainder 1 goes to the first split (PyTorch's rule).
    expect(parts.map((p) => p.length)).toEqual([6, 3, 2]);
    expect(() => randomSplit(range(10), [5, 4])).toThrow(/sum of input lengths/);
  });
});

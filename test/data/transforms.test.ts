import { describe, expect, it } from 'vitest';
import {
  centerCrop,
  compose,
  normalize,
  randomCrop,
  randomHorizontalFlip,
  resize,
  toTensor,
} from '../../src/data/transforms/index.js';
import { arange, tensor } from '../../src/ops/creation.js';
import { randomKey } from '../../src/random/index.js';

const img = () => arange(2 * 3 * 4, undefined, 1, { dtype: 'float32' }).reshape(2, 3, 4); // [C=2,H=3,W=4]

describe('toTensor', () => {
  it('converts HWC bytes to CHW float32 in [0,1]', () => {
    const data = new Uint8Array([0, 255, 51, 102, 204, 255]); // 1×2 pixels, 3 channels
    const t = toTensor({ width: 2, height: 1, channels: 3, data });
    expect(t.shape).toEqual([3, 1, 2]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [[0, 102 / 255].map(Math.fround)],
      [[1, 0.8].map(Math.fround)],
      [[0.2, 1].map(Math.fround)],
    ]);
    expect(toTensor({ data: new Uint8Array(4), shape: [2, 2] }).shape).toEqual([1, 2, 2]);
    const batch = toTensor({ data: new Uint8Array(2 * 2 * 2 * 3), shape: [2, 2, 2, 3] });
    expect(batch.shape).toEqual([2, 3, 2, 2]);
    const fromInt = toTensor(tensor([[[255]]], { dtype: 'int32' }));
    expect(fromInt.item()).toBe(1);
  });
});

describe('normalize', () => {
  it('per channel on images and batches', () => {
    const f = normalize([1, 2], [2, 4]);
    const y = f(img());
    const x = img().toArray() as number[][][];
    const out = y.toArray() as number[][][];
    expect(out[0]![1]![2]).toBe((x[0]![1]![2]! - 1) / 2);
    expect(out[1]![2]![3]).toBe((x[1]![2]![3]! - 2) / 4);
    const batch = f(img().unsqueeze(0).expand(3, 2, 3, 4));
    expect(batch.shape).toEqual([3, 2, 3, 4]);
    expect((batch.toArray() as number[][][][])[2]).toEqual(out);
    expect(normalize(0.5, 0.5)(tensor([0, 1])).toArray()).toEqual([-1, 1]);
    expect(() => normalize([1, 2, 3], [1, 1, 1])(img())).toThrow(/3 values/);
    expect(() => normalize(0, 0)).toThrow(/zero/);
  });
});

describe('randomCrop', () => {
  it('crops windows of the padded image, reproducibly with a key', () => {
    const x = img();
    expect(randomCrop([3, 4])(x).toArray()).toEqual(x.toArray());
    const a = randomCrop(2, { padding: 1, key: 5 });
    const b = randomCrop(2, { padding: 1, key: 5 });
    const outs = [0, 1, 2, 3, 4, 5].map(() => a(x).toArray());
    expect([0, 1, 2, 3, 4, 5].map(() => b(x).toArray())).toEqual(outs);
    // Each crop is a window of the zero-padded image.
    const padded = (c: number, y: number, xx: number) =>
      y >= 1 && y <= 3 && xx >= 1 && xx <= 4 ? c * 12 + (y - 1) * 4 + (xx - 1) : 0;
    for (const o of outs as number[][][][]) {
      let found = false;
      for (let t = 0; t <= 3 && !found; t++) {
        for (let l = 0; l <= 4 && !found; l++) {
          found = [0, 1].every((c) =>
            [0, 1].every((i) => [0, 1].every((j) => o[c]![i]![j] === padded(c, t + i, l + j))),
          );
        }
      }
      expect(found).toBe(true);
    }
    expect(new Set(outs.map((o) => JSON.stringify(o))).size).toBeGreaterThan(1);
    expect(() => randomCrop(5)(x)).toThrow(/larger/);
  });

  it('crops each sample of a batch independently; per-call keys are pure', () => {
    const batch = img().unsqueeze(0).expand(16, 2, 3, 4).contiguous();
    const f = randomCrop(2, { padding: 2 });
    const key = randomKey(0);
    const y = f(batch, key);
    expect(y.shape).toEqual([16, 2, 2, 2]);
    expect(f(batch, key).toArray()).toEqual(y.toArray());
    const rows = (y.toArray() as number[][][][]).map((s) => JSON.stringify(s));
    expect(new Set(rows).size).toBeGreaterThan(1);
  });
});

describe('randomHorizontalFlip', () => {
  it('flips with probability p', () => {
    const x = img();
    expect(randomHorizontalFlip(0)(x).toArray()).toEqual(x.toArray());
    const flipped = randomHorizontalFlip(1)(x).toArray() as number[][][];
    expect(flipped[1]![2]).toEqual([23, 22, 21, 20]);
    const batch = x.unsqueeze(0).expand(64, 2, 3, 4).contiguous();
    const y = randomHorizontalFlip(0.5, { key: 1 })(batch).toArray() as number[][][][];
    const nFlipped = y.filter((s) => s[0]![0]![0] === 3).length;
    expect(nFlipped).toBeGreaterThan(16);
    expect(nFlipped).toBeLessThan(48);
  });
});

describe('resize, centerCrop, compose', () => {
  it('bilinear resize with half-pixel centres', () => {
    const x = tensor([
      [
        [0, 2],
        [4, 6],
      ],
    ]);
    const y = resize(4)(x);
    expect(y.shape).toEqual([1, 4, 4]);
    // PyTorch: F.interpolate(x[None], size=4, mode='bilinear', align_corners=False)
    expect((y.toArray() as number[][][])[0]).toEqual([
      [0, 0.5, 1.5, 2],
      [1, 1.5, 2.5, 3],
      [3, 3.5, 4.5, 5],
      [4, 4.5, 5.5, 6],
    ]);
    expect(resize([1, 1])(x).item()).toBe(3);
    const down = resize([3, 4])(arange(30, undefined, 1, { dtype: 'float32' }).reshape(1, 5, 6));
    const ref = [2.25, 3.75, 5.25, 6.75, 12.25, 13.75, 15.25, 16.75, 22.25, 23.75, 25.25, 26.75];
    (down.flatten().toArray() as number[]).forEach((v, i) => {
      expect(v).toBeCloseTo(ref[i]!, 5);
    });
  });

  it('centerCrop and compose', () => {
    const x = img();
    expect(centerCrop([1, 2])(x).toArray()).toEqual([[[5, 6]], [[17, 18]]]);
    const f = compose(centerCrop([1, 2]), normalize(1, 2));
    expect(f(x).toArray()).toEqual([[[2, 2.5]], [[8, 8.5]]]);
  });
});

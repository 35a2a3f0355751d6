import { describe, expect, it } from 'vitest';
import { grad } from '../../../src/autograd/backward.js';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import { noGrad } from '../../../src/autograd/mode.js';
import { ArgumentError, ShapeError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { batchNorm, groupNorm, layerNorm } from '../../../src/nn/functional/index.js';
import { mul } from '../../../src/ops/binary.js';
import { ones, zeros } from '../../../src/ops/creation.js';
import { sum } from '../../../src/ops/reduce.js';
import { expectClose, rnd } from './helpers.js';

/** Normalises groups of a flat array given a group-of function (direct loops). */
function naiveNorm(
  x: ArrayLike<number>,
  groupOf: (i: number) => number,
  groups: number,
  eps: number,
): number[] {
  const s = new Float64Array(groups);
  const cnt = new Float64Array(groups);
  for (let i = 0; i < x.length; i++) {
    s[groupOf(i)]! += x[i]!;
    cnt[groupOf(i)]! += 1;
  }
  const v = new Float64Array(groups);
  for (let i = 0; i < x.length; i++) v[groupOf(i)]! += (x[i]! - s[groupOf(i)]! / cnt[groupOf(i)]!) ** 2;
  return Array.from(x, (xv, i) => {
    const g = groupOf(i);
    return (xv - s[g]! / cnt[g]!) / Math.sqrt(v[g]! / cnt[g]! + eps);
  });
}

/** Gradients of sum(f(...) * cot) with and without createGraph (the ops and the fused backward paths). */
function bothPaths(f: (...ts: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const ts = inputs.map((t) => t.clone().requiresGrad_(true));
  const y = f(...ts);
  const cot = rnd(y.shape, 999);
  const fused = grad(sum(mul(y, cot)), ts, undefined, { retainGraph: true });
  const viaOps = grad(sum(mul(y, cot)), ts, undefined, { createGraph: true });
  fused.forEach((g, i) => {
    expectClose(g!, viaOps[i]!.dataSync(), 1e-12, 1e-9, `path ${i}`);
  });
}

describe('batchNorm', () => {
  it('training: batch statistics and running-stat updates', () => {
    const x = rnd([4, 3, 5], 200, 'float64', 2);
    const rm = rnd([3], 201);
    const rv = rnd([3], 202).abs().add(0.5);
    const rm0 = rm.dataSync();
    const rv0 = rv.dataSync();
    const w = rnd([3], 203);
    const b = rnd([3], 204);
    const y = batchNorm(x, rm, rv, w, b, { training: true, momentum: 0.3, eps: 1e-4 });
    const chan = (i: number) => Math.floor(i / 5) % 3;
    const xh = naiveNorm(x.dataSync(), chan, 3, 1e-4);
    expectClose(
      y,
      xh.map((v, i) => v * w.dataSync()[chan(i)]! + b.dataSync()[chan(i)]!),
      1e-12,
      1e-10,
      'y',
    );
    const xd = x.dataSync();
    for (let c = 0; c < 3; c++) {
      const vals = Array.from(xd).filter((_, i) => chan(i) === c);
      const m = vals.reduce((a, v) => a + v, 0) / vals.length;
      const uv = vals.reduce((a, v) => a + (v - m) ** 2, 0) / (vals.length - 1);
      expect(rm.dataSync()[c]).toBeCloseTo(0.7 * rm0[c]! + 0.3 * m, 12);
      expect(rv.dataSync()[c]).toBeCloseTo(0.7 * rv0[c]! + 0.3 * uv, 12);
    }
    expect(rm.version).toBe(1);
  });

  it('evaluation uses the running statistics', () => {
    const x = rnd([2, 3, 2, 2], 205);
    const rm = rnd([3], 206);
    const rv = rnd([3], 207).abs().add(0.5);
    const y = batchNorm(x, rm, rv, null, null, { eps: 1e-5 });
    const c = (i: number) => Math.floor(i / 4) % 3;
    expectClose(
      y,
      Array.from(x.dataSync(), (v, i) => (v - rm.dataSync()[c(i)]!) / Math.sqrt(rv.dataSync()[c(i)]! + 1e-5)),
      1e-12,
      1e-10,
      'eval',
    );
    gradcheck((x, w, b) => batchNorm(x!, rm, rv, w, b), [x, rnd([3], 208), rnd([3], 209)]);
  });

  it('gradcheck (fused backward), gradgradcheck (ops backward), and both paths agree', () => {
    const x = rnd([3, 2, 2, 2], 210, 'float64', 2);
    const w = rnd([2], 211);
    const b = rnd([2], 212);
    const f = (x: Tensor, w?: Tensor, b?: Tensor) => batchNorm(x, null, null, w, b, { training: true });
    gradcheck((x, w, b) => f(x!, w, b), [x, w, b]);
    gradcheck((x) => f(x!), [x]);
    gradgradcheck((x, w, b) => f(x!, w, b), [x, w, b]);
    bothPaths((x, w, b) => f(x!, w, b), [x, w, b]);
  });

  it('float32 input and errors', () => {
    const x = rnd([4, 3], 213, 'float32');
    const y = batchNorm(x, zeros([3]), ones([3]), null, null, { training: true });
    expect(y.dtype).toBe('float32');
    expectClose(sum(y, 0), [0, 0, 0], 1e-5, 0, 'centred');
    expect(() => batchNorm(rnd([1, 3], 1), null, null, null, null, { training: true })).toThrow(
      /batchNorm: expected more than 1 value per channel when training, got input of shape \[1,3\]/,
    );
    expect(() => batchNorm(x, null, null)).toThrow(ArgumentError);
    expect(() => batchNorm(x, zeros([4]), ones([3]))).toThrow(/batchNorm: runningMean must have shape \[3\]/);
  });

  it('running statistics are not recorded and leave grad flow intact under noGrad', () => {
    const x = rnd([5, 2], 214).requiresGrad_(true);
    const rm = zeros([2], { dtype: 'float64' });
    const y = batchNorm(x, rm, ones([2], { dtype: 'float64' }), null, null, { training: true });
    expect(rm.requiresGrad).toBe(false);
    expect(y.requiresGrad).toBe(true);
    noGrad(() => batchNorm(x, rm, null, null, null, { training: true }));
  });
});

describe('layerNorm', () => {
  it('values, gradcheck, gradgradcheck and both paths', () => {
    const x = rnd([3, 4, 5], 220, 'float64', 3);
    const w = rnd([4, 5], 221);
    const b = rnd([4, 5], 222);
    const y = layerNorm(x, [4, 5], w, b);
    const xh = naiveNorm(x.dataSync(), (i) => Math.floor(i / 20), 3, 1e-5);
    expectClose(
      y,
      xh.map((v, i) => v * w.dataSync()[i % 20]! + b.dataSync()[i % 20]!),
      1e-12,
      1e-10,
      'y',
    );
    const xs = rnd([2, 3, 4], 223);
    const ws = rnd([4], 224);
    const bs = rnd([4], 225);
    gradcheck((x, w, b) => layerNorm(x!, [4], w, b), [xs, ws, bs]);
    gradcheck((x) => layerNorm(x!, [3, 4], null, null, 0.1), [xs]);
    gradgradcheck((x, w, b) => layerNorm(x!, [4], w, b), [xs, ws, bs]);
    bothPaths((x, w, b) => layerNorm(x!, [4], w, b), [xs, ws, bs]);
  });

  it('errors', () => {
    const x = rnd([2, 3, 4], 226);
    expect(() => layerNorm(x, [3])).toThrow(ShapeError);
    expect(() => layerNorm(x, [3])).toThrow(/layerNorm: normalizedShape \[3\] does not match .* \[2,3,4\]/);
    expect(() => layerNorm(x, [4], rnd([3], 1))).toThrow(/layerNorm: weight must have shape \[4\]/);
  });
});

describe('groupNorm', () => {
  it('values, gradcheck, gradgradcheck and both paths', () => {
    const x = rnd([2, 6, 3, 2], 230, 'float64', 2);
    const w = rnd([6], 231);
    const b = rnd([6], 232);
    const y = groupNorm(x, 3, w, b);
    const grp = (i: number) => Math.floor(i / 12);
    const ch = (i: number) => Math.floor(i / 6) % 6;
    const xh = naiveNorm(x.dataSync(), grp, 6, 1e-5);
    expectClose(
      y,
      xh.map((v, i) => v * w.dataSync()[ch(i)]! + b.dataSync()[ch(i)]!),
      1e-12,
      1e-10,
      'y',
    );
    const xs = rnd([2, 4, 3], 233);
    const ws = rnd([4], 234);
    const bs = rnd([4], 235);
    gradcheck((x, w, b) => groupNorm(x!, 2, w, b), [xs, ws, bs]);
    gradgradcheck((x, w, b) => groupNorm(x!, 2, w, b), [xs, ws, bs]);
    bothPaths((x, w, b) => groupNorm(x!, 2, w, b), [xs, ws, bs]);
    expect(() => groupNorm(xs, 3)).toThrow(/groupNorm: number of channels 4 .* not divisible by numGroups 3/);
  });
});

import { describe, expect, it } from 'vitest';
import { grad } from '../../../src/autograd/backward.js';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import { ArgumentError, AxisError, ShapeError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/core/tensor.js';
import * as F from '../../../src/nn/functional/index.js';
import { mul } from '../../../src/ops/binary.js';
import { scalar, tensor } from '../../../src/ops/creation.js';
import { sum } from '../../../src/ops/reduce.js';
import { expectClose, rnd } from './helpers.js';

const idx = (v: number[], shape?: number[]) => tensor(v, { dtype: 'int32', ...(shape ? { shape } : {}) });

/** Direct cross-entropy over [N, C, S] with class-index targets (PyTorch's definition). */
function naiveCE(
  x: ArrayLike<number>,
  [n, c, s]: [number, number, number],
  t: number[],
  w: number[] | null,
  eps: number,
  ignore: number,
) {
  const losses: number[] = [];
  let denom = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < s; b++) {
      const at = (k: number) => x[(a * c + k) * s + b]!;
      let m = -Infinity;
      for (let k = 0; k < c; k++) m = Math.max(m, at(k));
      let z = 0;
      for (let k = 0; k < c; k++) z += Math.exp(at(k) - m);
      const lp = (k: number) => at(k) - m - Math.log(z);
      const tc = t[a * s + b]!;
      if (tc === ignore) {
        losses.push(0);
        continue;
      }
      const wt = w ? w[tc]! : 1;
      denom += wt;
      let smooth = 0;
      for (let k = 0; k < c; k++) smooth -= (w ? w[k]! : 1) * lp(k);
      losses.push(-(1 - eps) * wt * lp(tc) + (eps / c) * smooth);
    }
  const total = losses.reduce((p, v) => p + v, 0);
  return { losses, sum: total, mean: total / denom };
}

/** Gradients with the fused backward and with the ops backward (createGraph) must agree. */
function bothPaths(f: (...ts: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const ts = inputs.map((t) => t.clone().requiresGrad_(true));
  const y = f(...ts);
  const cot = rnd(y.shape, 998);
  const fused = grad(sum(mul(y, cot)), ts, undefined, { retainGraph: true });
  const viaOps = grad(sum(mul(y, cot)), ts, undefined, { createGraph: true });
  fused.forEach((g, i) => {
    expectClose(g!, viaOps[i]!.dataSync(), 1e-12, 1e-9, `path ${i}`);
  });
}

describe('crossEntropy', () => {
  const x = rnd([5, 4], 400, 'float64', 3);
  const t = idx([0, 3, -100, 1, 3]);
  const w = tensor([0.5, 1, 2, 1.5], { dtype: 'float64' });

  it('class indices: weights, ignoreIndex, label smoothing and reductions', () => {
    for (const eps of [0, 0.1]) {
      const ref = naiveCE(x.dataSync(), [5, 4, 1], [0, 3, -100, 1, 3], [0.5, 1, 2, 1.5], eps, -100);
      const o = { weight: w, labelSmoothing: eps };
      expect(F.crossEntropy(x, t, o).item()).toBeCloseTo(ref.mean, 12);
      expect(F.crossEntropy(x, t, { ...o, reduction: 'sum' }).item()).toBeCloseTo(ref.sum, 12);
      expectClose(F.crossEntropy(x, t, { ...o, reduction: 'none' }), ref.losses, 1e-12, 1e-10, 'none');
    }
  });

  it('K-dimensional input and unbatched input', () => {
    const xk = rnd([2, 3, 2, 2], 401, 'float64', 2);
    const tk = idx([0, 2, 1, 1, 2, 0, 0, 1], [2, 2, 2]);
    const ref = naiveCE(xk.dataSync(), [2, 3, 4], Array.from(tk.dataSync()), null, 0.2, -100);
    const y = F.crossEntropy(xk, tk, { reduction: 'none', labelSmoothing: 0.2 });
    expect(y.shape).toEqual([2, 2, 2]);
    expectClose(y, ref.losses, 1e-12, 1e-10, 'kdim');
    const row = x.select(0, 1);
    expect(F.crossEntropy(row, scalar(3, { dtype: 'int32' })).item()).toBeCloseTo(
      F.crossEntropy(x.narrow(0, 1, 1), idx([3])).item(),
      14,
    );
    expect(F.crossEntropy(row, scalar(3, { dtype: 'int32' }), { reduction: 'none' }).shape).toEqual([]);
  });

  it('equals nllLoss(logSoftmax) and soft targets equal one-hot targets', () => {
    const tt = idx([0, 3, 2, 1, 3]);
    const a = F.crossEntropy(x, tt, { weight: w });
    const b = F.nllLoss(F.logSoftmax(x, 1), tt, { weight: w });
    expect(a.item()).toBeCloseTo(b.item(), 13);
    const probs = F.oneHot(tt, 4, { dtype: 'float64' });
    expect(F.crossEntropy(x, probs, { reduction: 'sum', weight: w }).item()).toBeCloseTo(
      F.crossEntropy(x, tt, { reduction: 'sum', weight: w }).item(),
      12,
    );
  });

  it('gradcheck and gradgradcheck (index and probability targets)', () => {
    const xs = rnd([3, 4, 2], 402, 'float64', 2);
    const ts = idx([0, 3, 2, -1, 1, 1], [3, 2]);
    const o = { weight: w, ignoreIndex: -1, labelSmoothing: 0.1 };
    gradcheck((x) => F.crossEntropy(x!, ts, o), [xs]);
    gradcheck((x) => F.crossEntropy(x!, ts, { ...o, reduction: 'none' }), [xs]);
    gradgradcheck((x) => F.crossEntropy(x!, ts, o), [xs]);
    bothPaths((x) => F.crossEntropy(x!, ts, { ...o, reduction: 'none' }), [xs]);
    const p = F.softmax(rnd([3, 4, 2], 403), 1);
    gradcheck((x, p) => F.crossEntropy(x!, p!, { weight: w, labelSmoothing: 0.2 }), [xs, p]);
    gradgradcheck((x, p) => F.crossEntropy(x!, p!, { labelSmoothing: 0.2 }), [xs, p]);
    bothPaths((x, p) => F.crossEntropy(x!, p!, { weight: w, reduction: 'none' }), [xs, p]);
  });

  it('the gradient is softmax − one-hot (over N for the mean)', () => {
    const xr = x.clone().requiresGrad_(true);
    const tt = idx([0, 3, 2, 1, 3]);
    const [g] = grad(F.crossEntropy(xr, tt), [xr]);
    const p = F.softmax(x, 1).dataSync();
    const want = Array.from(p, (v) => v / 5);
    [0, 3, 2, 1, 3].forEach((c, r) => {
      want[r * 4 + c]! -= 1 / 5;
    });
    expectClose(g!, want, 1e-14, 1e-12, 'softmax - onehot');
  });

  it('errors', () => {
    expect(() => F.crossEntropy(x, idx([0, 1, 2]))).toThrow(ShapeError);
    expect(() => F.crossEntropy(x, idx([0, 1, 2]))).toThrow(
      /crossEntropy: expected target of shape \[5\] for input \[5,4\], got \[3\]/,
    );
    expect(() => F.crossEntropy(x, idx([0, 1, 2, 4, 0]))).toThrow(AxisError);
    expect(() => F.crossEntropy(x, idx([0, 1, 2, 4, 0]))).toThrow(
      /crossEntropy: target 4 is out of bounds for 4 classes/,
    );
    expect(() => F.crossEntropy(x, rnd([5], 1))).toThrow(
      /probability target \[5\] must have the input's shape \[5,4\]/,
    );
    expect(() => F.crossEntropy(x, t, { weight: rnd([3], 1) })).toThrow(
      /crossEntropy: weight must have shape \[4\]/,
    );
    expect(() => F.crossEntropy(x, t, { reduction: 'avg' as 'mean' })).toThrow(ArgumentError);
    expect(() => F.crossEntropy(x, t, { labelSmoothing: 1.5 })).toThrow(/labelSmoothing/);
  });
});

describe('nllLoss', () => {
  it('values, gradcheck and gradgradcheck', () => {
    const lp = F.logSoftmax(rnd([4, 3], 410, 'float64', 2), 1);
    const t = idx([2, -100, 0, 1]);
    const w = tensor([1, 2, 3], { dtype: 'float64' });
    const d = lp.dataSync();
    const want = -(3 * d[2]! + 1 * d[6]! + 2 * d[10]!) / 6;
    expect(F.nllLoss(lp, t, { weight: w }).item()).toBeCloseTo(want, 14);
    gradcheck((x) => F.nllLoss(x!, t, { weight: w }), [lp]);
    gradcheck((x) => F.nllLoss(x!, t, { reduction: 'none' }), [lp]);
    gradgradcheck((x) => F.nllLoss(F.logSoftmax(x!, 1), t, { weight: w }), [rnd([4, 3], 411)]);
    bothPaths((x) => F.nllLoss(x!, t, { weight: w, reduction: 'none' }), [lp]);
    expect(() => F.nllLoss(lp, rnd([4], 1))).toThrow(/nllLoss: target must be int32/);
  });
});

describe('regression losses', () => {
  const x = rnd([3, 4], 420, 'float64', 2);
  const t = rnd([3, 4], 421, 'float64', 2);

  it('values', () => {
    const xd = x.dataSync();
    const td = t.dataSync();
    const d = Array.from(xd, (v, i) => v - td[i]!);
    const mean = (a: number[]) => a.reduce((p, v) => p + v, 0) / a.length;
    expect(F.mseLoss(x, t).item()).toBeCloseTo(mean(d.map((v) => v * v)), 14);
    expect(F.l1Loss(x, t, { reduction: 'sum' }).item()).toBeCloseTo(
      d.reduce((p, v) => p + Math.abs(v), 0),
      13,
    );
    const hub = d.map((v) => (Math.abs(v) < 0.8 ? 0.5 * v * v : 0.8 * (Math.abs(v) - 0.4)));
    expectClose(F.huberLoss(x, t, { delta: 0.8, reduction: 'none' }), hub, 1e-14, 1e-12, 'huber');
    const sl1 = d.map((v) => (Math.abs(v) < 0.6 ? (0.5 * v * v) / 0.6 : Math.abs(v) - 0.3));
    expect(F.smoothL1Loss(x, t, { beta: 0.6 }).item()).toBeCloseTo(mean(sl1), 14);
    expect(F.smoothL1Loss(x, t, { beta: 0 }).item()).toBeCloseTo(F.l1Loss(x, t).item(), 14);
  });

  it('gradcheck (input and target)', () => {
    gradcheck((x, t) => F.mseLoss(x!, t!), [x, t]);
    gradcheck((x, t) => F.l1Loss(x!, t!, { reduction: 'none' }), [x, t]);
    gradcheck((x, t) => F.huberLoss(x!, t!, { delta: 0.5 }), [x, t]);
    gradcheck((x, t) => F.smoothL1Loss(x!, t!, { beta: 0.7, reduction: 'sum' }), [x, t]);
  });

  it('broadcasting rules and errors', () => {
    expect(F.mseLoss(x, t.select(0, 0)).shape).toEqual([]);
    expect(() => F.mseLoss(rnd([3, 1], 1), rnd([3], 2))).toThrow(
      /mseLoss: target \[3\] does not broadcast to the input's shape \[3,1\]/,
    );
    expect(() => F.huberLoss(x, t, { delta: 0 })).toThrow(/huberLoss: delta must be positive/);
  });
});

describe('binary cross-entropy', () => {
  const p = rnd([3, 4], 430).abs().mul(0.8).add(0.1);
  const t = rnd([3, 4], 431).abs();
  const w = rnd([4], 432).abs().add(0.5);

  it('values with clamped logs', () => {
    const pd = p.dataSync();
    const td = t.dataSync();
    const want = Array.from(pd, (v, i) => -(td[i]! * Math.log(v) + (1 - td[i]!) * Math.log(1 - v)));
    expectClose(F.binaryCrossEntropy(p, t, { reduction: 'none' }), want, 1e-14, 1e-12, 'bce');
    const edge = F.binaryCrossEntropy(
      tensor([0, 1, 0], { dtype: 'float64' }),
      tensor([1, 0, 0.25], { dtype: 'float64' }),
      {
        reduction: 'none',
      },
    );
    expectClose(edge, [100, 100, 25], 1e-12, 0, 'clamped');
    expect(() => F.binaryCrossEntropy(tensor([1.5]), tensor([1]))).toThrow(
      /binaryCrossEntropy: all elements of input should be between 0 and 1/,
    );
  });

  it('gradcheck and gradgradcheck', () => {
    gradcheck((p, t) => F.binaryCrossEntropy(p!, t!, { weight: w }), [p, t]);
    gradgradcheck((p) => F.binaryCrossEntropy(p!, t, { weight: w, reduction: 'sum' }), [p]);
  });

  it('with logits: stable for huge logits, equals BCE(sigmoid), gradcheck', () => {
    const x = rnd([3, 4], 433, 'float64', 3);
    expect(F.binaryCrossEntropyWithLogits(x, t, { weight: w }).item()).toBeCloseTo(
      F.binaryCrossEntropy(x.sigmoid(), t, { weight: w }).item(),
      12,
    );
    const big = F.binaryCrossEntropyWithLogits(
      tensor([1000, -1000], { dtype: 'float64' }),
      tensor([0, 1], { dtype: 'float64' }),
      {
        reduction: 'none',
      },
    );
    expectClose(big, [1000, 1000], 1e-9, 0, 'stable');
    const pw = tensor([0.5, 1, 2, 3], { dtype: 'float64' });
    gradcheck((x, t) => F.binaryCrossEntropyWithLogits(x!, t!, { weight: w, posWeight: pw }), [x, t]);
    gradgradcheck((x) => F.binaryCrossEntropyWithLogits(x!, t, { posWeight: pw }), [x]);
  });
});

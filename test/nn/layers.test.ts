import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { noGrad } from '../../src/autograd/mode.js';
import type { Tensor } from '../../src/core/tensor.js';
import * as F from '../../src/nn/functional/index.js';
import {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AvgPool1d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  BCELoss,
  BCEWithLogitsLoss,
  Bilinear,
  Conv1d,
  Conv2d,
  ConvTranspose1d,
  ConvTranspose2d,
  CrossEntropyLoss,
  Dropout,
  ELU,
  Embedding,
  Flatten,
  GELU,
  GroupNorm,
  HuberLoss,
  Identity,
  L1Loss,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool1d,
  MaxPool2d,
  MSELoss,
  NLLLoss,
  ReLU,
  Sigmoid,
  SiLU,
  SmoothL1Loss,
  Softmax,
  Softplus,
  Tanh,
  Unflatten,
} from '../../src/nn/index.js';
import { functionalCall, type Module } from '../../src/nn/module.js';
import { sub } from '../../src/ops/binary.js';
import { tensor } from '../../src/ops/creation.js';
import { mean, sum, variance } from '../../src/ops/reduce.js';
import * as U from '../../src/ops/unary.js';
import { rand, randint, randn } from '../../src/random/index.js';
import { randomKey, splitKey } from '../../src/random/key.js';

let seed = 0;
const nextKey = () => randomKey(1000 + seed++);
const rn = (shape: number[], dtype: 'float32' | 'float64' = 'float64') =>
  randn(shape, { dtype, key: nextKey() });

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a._contiguousData();
  const y = b._contiguousData();
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Gradchecks a float64 layer with respect to its input and every parameter. */
function checkLayer(layer: Module, x: Tensor): void {
  layer.double();
  gradcheck((xi) => layer.forward(xi), [x], { name: layer.constructor.name });
  const names = layer.namedParameters().map(([n]) => n);
  const params = layer.parameters();
  if (params.length) {
    gradcheck(
      (xi, ...ps) => functionalCall(layer, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), xi),
      [x, ...params],
      { name: `${layer.constructor.name} (parameters)` },
    );
  }
}

describe('Linear / Bilinear / Identity', () => {
  it('Linear: shapes, PyTorch init bounds, no bias', () => {
    const lin = new Linear(3, 4, { key: nextKey() });
    expect(lin.weight.shape).toEqual([4, 3]);
    expect(lin.bias!.shape).toEqual([4]);
    const bound = 1 / Math.sqrt(3);
    for (const v of lin.weight._contiguousData()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    for (const v of lin.bias!._contiguousData()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(lin.forward(randn([5, 3])).shape).toEqual([5, 4]);
    expect(lin.forward(randn([2, 5, 3])).shape).toEqual([2, 5, 4]);
    const nb = new Linear(3, 2, { bias: false });
    expect(nb.bias).toBeNull();
    expect(nb.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(lin.toString()).toBe('Linear(inFeatures=3, outFeatures=4, bias=true)');
    expect(new Linear(3, 4, { dtype: 'float64' }).weight.dtype).toBe('float64');
    const a = new Linear(3, 4, { key: randomKey(5) });
    const b = new Linear(3, 4, { key: randomKey(5) });
    expect(a.weight.toArray()).toEqual(b.weight.toArray());
  });

  it('Linear gradcheck', () => {
    checkLayer(new Linear(3, 2, { key: nextKey() }), rn([4, 3]));
  });

  it('Bilinear matches x1ᵀ A x2 + b and gradchecks', () => {
    const bl = new Bilinear(3, 2, 4, { key: nextKey(), dtype: 'float64' });
    const x1 = rn([5, 3]);
    const x2 = rn([5, 2]);
    const y = bl.forward(x1, x2);
    expect(y.shape).toEqual([5, 4]);
    const W = bl.weight._contiguousData();
    const B = bl.bias!._contiguousData();
    const a = x1._contiguousData();
    const c = x2._contiguousData();
    const yd = y._contiguousData();
    for (let n = 0; n < 5; n++) {
      for (let o = 0; o < 4; o++) {
        let s = B[o]!;
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 2; j++) s += a[n * 3 + i]! * W[o * 6 + i * 2 + j]! * c[n * 2 + j]!;
        expect(yd[n * 4 + o]).toBeCloseTo(s, 12);
      }
    }
    gradcheck((p, q) => bl.forward(p, q), [rn([2, 3]), rn([2, 2])]);
    const [u, v] = [rn([2, 3]), rn([2, 2])];
    gradcheck((w, bias) => functionalCall(bl, { weight: w, bias }, u, v), [bl.weight, bl.bias!]);
    expect(bl.forward(rn([2, 3, 3]), rn([2, 3, 2])).shape).toEqual([2, 3, 4]);
  });

  it('Identity returns its input', () => {
    const x = randn([2, 2]);
    expect(new Identity().forward(x)).toBe(x);
  });
});

describe('convolutions', () => {
  it('Conv1d shapes and gradcheck', () => {
    const c = new Conv1d(4, 6, 3, { stride: 2, padding: 1, groups: 2, key: nextKey() });
    expect(c.weight.shape).toEqual([6, 2, 3]);
    expect(c.forward(randn([2, 4, 9])).shape).toEqual([2, 6, 5]);
    expect(new Conv1d(2, 3, 3, { padding: 'same' }).forward(randn([1, 2, 7])).shape).toEqual([1, 3, 7]);
    checkLayer(new Conv1d(2, 2, 2, { key: nextKey() }), rn([1, 2, 4]));
  });

  it('Conv2d shapes, repr, validation and gradcheck', () => {
    const c = new Conv2d(3, 8, 3, { padding: 1, key: nextKey() });
    expect(c.weight.shape).toEqual([8, 3, 3, 3]);
    expect(c.forward(randn([2, 3, 6, 6])).shape).toEqual([2, 8, 6, 6]);
    expect(c.toString()).toBe('Conv2d(3, 8, kernelSize=(3, 3), stride=(1, 1), padding=(1, 1))');
    const s = new Conv2d(4, 4, [3, 1], { stride: [2, 1], dilation: 1, groups: 4, bias: false });
    expect(s.weight.shape).toEqual([4, 1, 3, 1]);
    expect(s.forward(randn([1, 4, 7, 5])).shape).toEqual([1, 4, 3, 5]);
    const bound = 1 / Math.sqrt(27);
    for (const v of c.weight._contiguousData()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/divisible by groups/);
    expect(() => new Conv2d(3, 4, 3, { padding: 'same', stride: 2 })).toThrow(/strided/);
    checkLayer(new Conv2d(2, 2, 2, { stride: 1, padding: 1, key: nextKey() }), rn([1, 2, 3, 3]));
  });

  it('ConvTranspose1d/2d shapes and gradcheck', () => {
    const t = new ConvTranspose2d(4, 6, 3, {
      stride: 2,
      padding: 1,
      outputPadding: 1,
      groups: 2,
      key: nextKey(),
    });
    expect(t.weight.shape).toEqual([4, 3, 3, 3]);
    expect(t.forward(randn([2, 4, 5, 5])).shape).toEqual([2, 6, 10, 10]);
    expect(new ConvTranspose1d(2, 3, 4, { stride: 2 }).forward(randn([1, 2, 5])).shape).toEqual([1, 3, 12]);
    checkLayer(new ConvTranspose2d(2, 2, 2, { stride: 2, key: nextKey() }), rn([1, 2, 2, 2]));
    checkLayer(new ConvTranspose1d(2, 1, 3, { key: nextKey() }), rn([1, 2, 3]));
  });
});

describe('pooling', () => {
  it('shapes', () => {
    const x = randn([2, 3, 8, 8]);
    expect(new MaxPool2d(2).forward(x).shape).toEqual([2, 3, 4, 4]);
    expect(new MaxPool2d(3, { stride: 2, padding: 1 }).forward(x).shape).toEqual([2, 3, 4, 4]);
    expect(new AvgPool2d([2, 4]).forward(x).shape).toEqual([2, 3, 4, 2]);
    expect(new AdaptiveAvgPool2d(1).forward(x).shape).toEqual([2, 3, 1, 1]);
    expect(new AdaptiveAvgPool2d([3, null]).forward(x).shape).toEqual([2, 3, 3, 8]);
    const y = randn([2, 3, 10]);
    expect(new MaxPool1d(2).forward(y).shape).toEqual([2, 3, 5]);
    expect(new AvgPool1d(3, { stride: 1 }).forward(y).shape).toEqual([2, 3, 8]);
    expect(new AdaptiveAvgPool1d(4).forward(y).shape).toEqual([2, 3, 4]);
    expect(new MaxPool2d(2).toString()).toBe(
      'MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)',
    );
  });

  it('gradcheck', () => {
    const x = rn([1, 2, 4, 4]);
    checkLayer(new MaxPool2d(2), x);
    checkLayer(new AvgPool2d(3, { stride: 1, padding: 1 }), x);
    checkLayer(new AdaptiveAvgPool2d(3), x);
  });
});

describe('normalisation', () => {
  it('BatchNorm2d: batch statistics and running-average updates in training', () => {
    const bn = new BatchNorm2d(3);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(['runningMean', 'runningVar', 'numBatchesTracked']);
    expect(Object.keys(bn.stateDict())).toEqual([
      'weight',
      'bias',
      'runningMean',
      'runningVar',
      'numBatchesTracked',
    ]);
    const x = randn([4, 3, 5, 5], { key: nextKey() }).mul(2).add(1);
    const y = bn.forward(x);
    const m = mean(y, [0, 2, 3]);
    const v = variance(y, [0, 2, 3], { correction: 0 });
    for (const e of m._contiguousData()) expect(Math.abs(e)).toBeLessThan(1e-5);
    for (const e of v._contiguousData()) expect(e).toBeCloseTo(1, 3);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    const bm = mean(x, [0, 2, 3]);
    const bv = variance(x, [0, 2, 3]); // unbiased
    expect(maxAbsDiff(bn.runningMean!, bm.mul(0.1))).toBeLessThan(1e-6);
    expect(maxAbsDiff(bn.runningVar!, bv.mul(0.1).add(0.9))).toBeLessThan(1e-5);
  });

  it('BatchNorm: eval mode uses the running statistics', () => {
    const bn = new BatchNorm1d(2, { eps: 0 });
    noGrad(() => {
      bn.runningMean!._storage.data.set([1, -1]);
      bn.runningVar!._storage.data.set([4, 0.25]);
    });
    bn.eval();
    const x = tensor([
      [3, 0],
      [1, -1],
    ]);
    expect(bn.forward(x).toArray()).toEqual([
      [1, 2],
      [0, 0],
    ]);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    expect(bn.forward(randn([3, 2, 4])).shape).toEqual([3, 2, 4]);
    expect(() => bn.forward(randn([3, 5]))).toThrow(/channels/);
  });

  it('BatchNorm: cumulative average with momentum null; no running stats when not tracked', () => {
    const bn = new BatchNorm1d(2, { momentum: null });
    const a = randn([8, 2], { key: nextKey() });
    const b = randn([8, 2], { key: nextKey() });
    bn.forward(a);
    bn.forward(b);
    expect(bn.numBatchesTracked!.item()).toBe(2);
    const want = mean(a, 0).add(mean(b, 0)).div(2);
    expect(maxAbsDiff(bn.runningMean!, want)).toBeLessThan(1e-6);
    const nt = new BatchNorm1d(2, { trackRunningStats: false, affine: false });
    expect(nt.buffers()).toEqual([]);
    expect(nt.parameters()).toEqual([]);
    expect(Object.keys(nt.stateDict())).toEqual([]);
    nt.eval();
    const y = nt.forward(a); // still batch statistics
    for (const e of mean(y, 0)._contiguousData()) expect(Math.abs(e)).toBeLessThan(1e-5);
  });

  it('BatchNorm gradcheck (training mode)', () => {
    checkLayer(new BatchNorm1d(2), rn([4, 2]));
    checkLayer(new BatchNorm2d(2), rn([2, 2, 2, 2]));
  });

  it('LayerNorm and GroupNorm', () => {
    const ln = new LayerNorm([3, 4]);
    expect(ln.weight!.shape).toEqual([3, 4]);
    const x = randn([2, 3, 4], { key: nextKey() });
    const y = ln.forward(x);
    for (const e of mean(y, [1, 2])._contiguousData()) expect(Math.abs(e)).toBeLessThan(1e-5);
    expect(new LayerNorm(4, { elementwiseAffine: false }).parameters()).toEqual([]);
    expect(new LayerNorm(4, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
    checkLayer(new LayerNorm(3), rn([2, 3]));
    const gn = new GroupNorm(2, 4);
    const g = gn.forward(randn([2, 4, 3], { key: nextKey() }));
    expect(g.shape).toEqual([2, 4, 3]);
    const grouped = g.reshape(2, 2, 6);
    for (const e of mean(grouped, 2)._contiguousData()) expect(Math.abs(e)).toBeLessThan(1e-5);
    expect(() => new GroupNorm(3, 4)).toThrow(/divisible/);
    checkLayer(new GroupNorm(2, 4), rn([1, 4, 2]));
  });
});

describe('Dropout', () => {
  it('drops and rescales in training, is the identity in eval', () => {
    const d = new Dropout(0.25);
    const x = rand([100, 100], { key: nextKey() }).add(1);
    const y = d.forward(x);
    const xd = x._contiguousData();
    const yd = y._contiguousData();
    let zeros = 0;
    let err = 0;
    for (let i = 0; i < yd.length; i++) {
      if (yd[i] === 0) zeros++;
      else err = Math.max(err, Math.abs(yd[i]! - xd[i]! / 0.75));
    }
    expect(err).toBeLessThan(1e-5);
    expect(zeros / yd.length).toBeGreaterThan(0.22);
    expect(zeros / yd.length).toBeLessThan(0.28);
    d.eval();
    expect(d.forward(x).toArray()).toEqual(x.toArray());
    expect(new Dropout(0).forward(x).toArray()).toEqual(x.toArray());
    expect(() => new Dropout(1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('Embedding', () => {
  it('looks rows up; the padding row is zero and gets no gradient', () => {
    const emb = new Embedding(10, 4, { paddingIdx: 0, key: nextKey() });
    expect((emb.weight.toArray() as number[][])[0]).toEqual([0, 0, 0, 0]);
    const idx = tensor([[1, 0, 3]], { dtype: 'int32' });
    const y = emb.forward(idx);
    expect(y.shape).toEqual([1, 3, 4]);
    expect((y.toArray() as number[][][])[0]![2]).toEqual((emb.weight.toArray() as number[][])[3]);
    sum(y).backward();
    const g = emb.weight.grad!.toArray() as number[][];
    expect(g[0]).toEqual([0, 0, 0, 0]);
    expect(g[1]).toEqual([1, 1, 1, 1]);
    expect(g[2]).toEqual([0, 0, 0, 0]);
    expect(new Embedding(5, 2, { paddingIdx: -1 }).paddingIdx).toBe(4);
    expect(() => new Embedding(5, 2, { paddingIdx: 5 })).toThrow(/paddingIdx/);
  });

  it('fromPretrained shares and freezes the table', () => {
    const w = randn([4, 3]);
    const emb = Embedding.fromPretrained(w);
    expect(emb.weight._storage).toBe(w._storage);
    expect(emb.weight.requiresGrad).toBe(false);
    expect(Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad).toBe(true);
    const e = new Embedding(6, 3, { key: nextKey() }).double();
    gradcheck((tbl) => functionalCall(e, { weight: tbl }, tensor([2, 2, 5], { dtype: 'int32' })), [e.weight]);
  });
});

describe('activations, flatten', () => {
  it('match the elementwise ops', () => {
    const x = rn([3, 4]);
    const cases: [Module, Tensor][] = [
      [new ReLU(), U.relu(x)],
      [new LeakyReLU(0.2), U.leakyRelu(x, 0.2)],
      [new ELU(0.5), U.elu(x, 0.5)],
      [new GELU(), U.gelu(x)],
      [new GELU({ approximate: 'tanh' }), U.gelu(x, 'tanh')],
      [new SiLU(), U.silu(x)],
      [new Sigmoid(), U.sigmoid(x)],
      [new Tanh(), U.tanh(x)],
      [new Softplus({ beta: 2 }), U.softplus(x, 2)],
      [new Softmax(1), F.softmax(x, 1)],
      [new LogSoftmax(0), F.logSoftmax(x, 0)],
    ];
    for (const [m, want] of cases) expect(maxAbsDiff(m.forward(x), want)).toBe(0);
    const s = new Softmax().forward(x);
    for (const e of sum(s, -1)._contiguousData()) expect(e).toBeCloseTo(1, 12);
    expect(new LeakyReLU(0.2).toString()).toBe('LeakyReLU(negativeSlope=0.2)');
    expect(new ReLU().toString()).toBe('ReLU()');
  });

  it('gradcheck', () => {
    const x = rn([2, 3]);
    for (const m of [
      new ELU(),
      new GELU(),
      new SiLU(),
      new Softplus(),
      new Softmax(-1),
      new LogSoftmax(-1),
    ]) {
      checkLayer(m, x);
    }
  });

  it('Flatten / Unflatten', () => {
    const x = randn([2, 3, 4, 5]);
    expect(new Flatten().forward(x).shape).toEqual([2, 60]);
    expect(new Flatten(0, 1).forward(x).shape).toEqual([6, 4, 5]);
    expect(new Unflatten(1, [3, 20]).forward(new Flatten().forward(x)).shape).toEqual([2, 3, 20]);
    expect(new Unflatten(-1, [-1, 4]).forward(randn([2, 8])).shape).toEqual([2, 2, 4]);
    expect(() => new Unflatten(1, [3, 3]).forward(randn([2, 8]))).toThrow(/cannot be unflattened/);
  });
});

describe('loss modules', () => {
  it('match the functional losses', () => {
    const [k1, k2] = splitKey(nextKey(), 2);
    const logits = randn([5, 4], { key: k1, dtype: 'float64' });
    const cls = randint(0, 4, [5], { key: k2 });
    const w = tensor([1, 2, 0.5, 1], { dtype: 'float64' });
    expect(new CrossEntropyLoss().forward(logits, cls).item()).toBeCloseTo(
      F.crossEntropy(logits, cls).item(),
      12,
    );
    expect(new CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).forward(logits, cls).item()).toBeCloseTo(
      F.crossEntropy(logits, cls, { weight: w, labelSmoothing: 0.1 }).item(),
      12,
    );
    const lp = F.logSoftmax(logits, 1);
    expect(new NLLLoss({ reduction: 'sum' }).forward(lp, cls).item()).toBeCloseTo(
      F.nllLoss(lp, cls, { reduction: 'sum' }).item(),
      12,
    );
    expect(new CrossEntropyLoss().forward(logits, cls).item()).toBeCloseTo(
      new NLLLoss().forward(lp, cls).item(),
      12,
    );
    const a = rn([6]);
    const b = rn([6]);
    const d = sub(a, b);
    expect(new MSELoss().forward(a, b).item()).toBeCloseTo(mean(d.mul(d)).item(), 12);
    expect(new L1Loss({ reduction: 'sum' }).forward(a, b).item()).toBeCloseTo(sum(U.abs(d)).item(), 12);
    expect(new MSELoss({ reduction: 'none' }).forward(a, b).shape).toEqual([6]);
    expect(new HuberLoss({ delta: 0.5 }).forward(a, b).item()).toBeCloseTo(
      F.huberLoss(a, b, { delta: 0.5 }).item(),
      12,
    );
    expect(new SmoothL1Loss({ beta: 0.5 }).forward(a, b).item()).toBeCloseTo(
      F.smoothL1Loss(a, b, { beta: 0.5 }).item(),
      12,
    );
    const p = U.sigmoid(a);
    const t = rand([6], { key: nextKey(), dtype: 'float64' });
    expect(new BCELoss().forward(p, t).item()).toBeCloseTo(F.binaryCrossEntropy(p, t).item(), 12);
    expect(new BCEWithLogitsLoss().forward(a, t).item()).toBeCloseTo(new BCELoss().forward(p, t).item(), 10);
    const pw = tensor([2], { dtype: 'float64' });
    const withPw = new BCEWithLogitsLoss({ posWeight: pw });
    expect(withPw.namedBuffers().map(([n]) => n)).toEqual(['posWeight']);
    expect(withPw.forward(a, t).item()).toBeCloseTo(
      F.binaryCrossEntropyWithLogits(a, t, { posWeight: pw }).item(),
      12,
    );
    expect(new MSELoss({ reduction: 'sum' }).toString()).toBe("MSELoss(reduction='sum')");
  });

  it('gradcheck through a loss module', () => {
    const t = rn([3]);
    const loss = new HuberLoss();
    gradcheck((x) => loss.forward(x, t), [rn([3])]);
  });
});

import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/core/errors.js';
import { randn, randomKey, tensor } from '../../src/index.js';
import {
  ResidualMLPNet,
  ResNetKernel,
  type ResNetSpec,
  type ResNetWeights,
  zeroWeights,
} from '../../src/resnet-ode/index.js';

const gauss = (n: number, seed: number, scale = 1) => {
  const g = randn([n], { dtype: 'float64', key: randomKey(seed) })._contiguousData() as Float64Array;
  return g.map((v) => v * scale);
};

function randomWeights(spec: ResNetSpec, seed: number): ResNetWeights {
  const w = zeroWeights(spec);
  const { depth: L, inputDim: d, hidden: q, width: m, outputDim: dout } = spec;
  w.A.set(gauss(q * d, seed));
  w.B.set(gauss(dout * q, seed + 1));
  w.V.set(gauss(L * q * m, seed + 2));
  w.W.set(gauss(L * m * q, seed + 3));
  return w;
}

function maxRelDiff(a: Float64Array, b: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m / scale;
}

describe('ResNetKernel (hand-written passes)', () => {
  // Sizes chosen to hit both GEMM paths: the TypeScript loop for tiny products and the backend kernel.
  const shapes = [
    { depth: 4, inputDim: 2, hidden: 3, width: 5, outputDim: 2, n: 3 },
    { depth: 6, inputDim: 8, hidden: 12, width: 24, outputDim: 6, n: 20 },
  ];
  for (const sh of shapes) {
    for (const activation of ['gelu', 'relu', 'tanh', 'identity'] as const) {
      for (const scaling of ['paper', 'code'] as const) {
        it(`gradients equal autograd's to 1e-10 (float64): ${activation}, scaling ${scaling}, q=${sh.hidden} m=${sh.width}`, () => {
          const { n, ...dims } = sh;
          const spec: ResNetSpec = { ...dims, activation, scaling };
          const w = randomWeights(spec, 100);
          const X = gauss(n * spec.inputDim, 7);
          const Y = gauss(n * spec.outputDim, 8);
          const kernel = new ResNetKernel(spec, n);
          for (const norm of ['paper', 'code'] as const) {
            const { loss, grads } = kernel.lossAndGrad(w, X, Y, norm);
            const net = ResidualMLPNet.fromWeights(w, { trainAB: true });
            const l = net.loss(
              tensor(X, { dtype: 'float64', shape: [n, spec.inputDim] }),
              tensor(Y, { dtype: 'float64', shape: [n, spec.outputDim] }),
              norm,
            );
            l.backward();
            expect(Math.abs(loss - l.item())).toBeLessThan(1e-12 * Math.max(1, Math.abs(loss)));
            expect(maxRelDiff(grads.A, net.A.grad!._contiguousData())).toBeLessThan(1e-10);
            expect(maxRelDiff(grads.B, net.B.grad!._contiguousData())).toBeLessThan(1e-10);
            expect(maxRelDiff(grads.V, net.V.grad!._contiguousData())).toBeLessThan(1e-10);
            expect(maxRelDiff(grads.W, net.W.grad!._contiguousData())).toBeLessThan(1e-10);
          }
        });
      }
    }
  }

  it('GELU derivative stays exact at and near z = 0 and for large |z|', () => {
    // One layer whose pre-activations are exactly 0, tiny, and ±30.
    const spec: ResNetSpec = {
      depth: 1,
      inputDim: 1,
      hidden: 1,
      width: 4,
      outputDim: 1,
      activation: 'gelu',
      scaling: 'code',
    };
    const w = zeroWeights(spec);
    w.W.set([0, 1e-200, 30, -30]);
    w.V.set([1, 1, 1, 1]);
    const X = Float64Array.of(1);
    const Y = Float64Array.of(0);
    const { grads } = new ResNetKernel(spec, 1).lossAndGrad(w, X, Y, 'paper');
    const net = ResidualMLPNet.fromWeights(w, { trainAB: true });
    net.loss(tensor([[1]], { dtype: 'float64' }), tensor([[0]], { dtype: 'float64' }), 'paper').backward();
    expect(maxRelDiff(grads.W, net.W.grad!._contiguousData())).toBeLessThan(1e-12);
    expect(maxRelDiff(grads.A, net.A.grad!._contiguousData())).toBeLessThan(1e-12);
  });

  it('forward equals the module and exposes hidden states', () => {
    const spec: ResNetSpec = {
      depth: 5,
      inputDim: 3,
      hidden: 4,
      width: 6,
      outputDim: 2,
      activation: 'gelu',
      scaling: 'paper',
    };
    const w = randomWeights(spec, 3);
    const X = gauss(7 * 3, 4);
    const kernel = new ResNetKernel(spec, 7);
    const out = kernel.forward(w, X);
    const net = ResidualMLPNet.fromWeights(w);
    const xt = tensor(X, { dtype: 'float64', shape: [7, 3] });
    expect(maxRelDiff(out, net.forward(xt)._contiguousData())).toBeLessThan(1e-14);
    const hs = net.hiddenStates(xt);
    expect(maxRelDiff(kernel.hidden(5), hs[5]!._contiguousData())).toBeLessThan(1e-14);
  });

  it('rejects mismatched weights and data with ShapeError', () => {
    const spec: ResNetSpec = {
      depth: 2,
      inputDim: 2,
      hidden: 2,
      width: 2,
      outputDim: 2,
      activation: 'gelu',
      scaling: 'code',
    };
    const kernel = new ResNetKernel(spec, 3);
    const w = zeroWeights({ ...spec, depth: 3 });
    expect(() => kernel.forward(w, new Float64Array(6))).toThrow(/^ResNetKernel: weights of depth 3/);
    expect(() => kernel.forward(zeroWeights(spec), new Float64Array(5))).toThrow(ShapeError);
    expect(() =>
      kernel.lossAndGrad(zeroWeights(spec), new Float64Array(6), new Float64Array(4), 'code'),
    ).toThrow(/Y has 4 entries, expected \[3,2\]/);
  });
});

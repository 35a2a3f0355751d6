import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import { randn, randomKey, splitKey, tensor } from '../../src/index.js';
import {
  initWeights,
  ResidualMLPNet,
  type ResNetSpec,
  type ResNetWeights,
  squaredLoss,
  zeroWeights,
} from '../../src/resnet-ode/index.js';

const gauss = (n: number, seed: number) =>
  randn([n], { dtype: 'float64', key: randomKey(seed) })._contiguousData() as Float64Array;

/** Random weights everywhere (V ≠ 0), so every term of the forward pass is exercised. */
function randomWeights(spec: ResNetSpec, seed: number): ResNetWeights {
  const w = zeroWeights(spec);
  const { depth: L, inputDim: d, hidden: q, width: m, outputDim: dout } = spec;
  w.A.set(gauss(q * d, seed));
  w.B.set(gauss(dout * q, seed + 1));
  w.V.set(gauss(L * q * m, seed + 2));
  w.W.set(gauss(L * m * q, seed + 3));
  return w;
}

const erf = (x: number): number => {
  // Reference erf, independent of the engine: erf(x) = 2/√π e^{−x²} Σ 2ⁿ x^{2n+1}/(2n+1)!!
  // (all terms positive, no cancellation); erf(x) = ±1 to double precision for |x| ≥ 6.
  if (Math.abs(x) >= 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 0; n < 500; n++) {
    term *= (2 * x * x) / (2 * n + 3);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
};

/** An independent scalar-loop implementation of the network (column-vector form, as in the paper). */
function referenceForward(w: ResNetWeights, x: number[]): number[] {
  const { depth: L, inputDim: d, hidden: q, width: m, outputDim: dout, activation, scaling } = w.spec;
  const cm = scaling === 'paper' ? 1 / Math.sqrt(m) : 1;
  const cq = scaling === 'paper' ? 1 / Math.sqrt(q) : 1;
  const sigma = (z: number) =>
    activation === 'gelu'
      ? 0.5 * z * (1 + erf(z / Math.SQRT2))
      : activation === 'relu'
        ? Math.max(0, z)
        : activation === 'tanh'
          ? Math.tanh(z)
          : z;
  let h = Array.from({ length: q }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += w.A[i * d + j]! * x[j]!;
    return s;
  });
  for (let k = 0; k < L; k++) {
    const g = Array.from({ length: m }, (_, a) => {
      let s = 0;
      for (let b = 0; b < q; b++) s += w.W[k * m * q + a * q + b]! * h[b]!;
      return sigma(cq * s);
    });
    h = h.map((hi, i) => {
      let s = 0;
      for (let a = 0; a < m; a++) s += w.V[k * q * m + i * m + a]! * g[a]!;
      return hi + (cm / L) * s;
    });
  }
  return Array.from({ length: dout }, (_, i) => {
    let s = 0;
    for (let j = 0; j < q; j++) s += w.B[i * q + j]! * h[j]!;
    return s;
  });
}

describe('ResidualMLPNet forward', () => {
  it('matches a hand computation (L = 1, identity σ, both scalings)', () => {
    // h0 = x = (1, 2); W = I, V = [[0, 1], [1, 0]]: V σ(c_q W h0) = c_q (2, 1).
    for (const [scaling, expected] of [
      ['paper', [2, 2.5]], // c_m c_q = 1/2: h1 = (1, 2) + (1, 0.5)
      ['code', [3, 3]], // c_m = c_q = 1: h1 = (1, 2) + (2, 1)
    ] as const) {
      const spec: ResNetSpec = {
        depth: 1,
        inputDim: 2,
        hidden: 2,
        width: 2,
        outputDim: 2,
        activation: 'identity',
        scaling,
      };
      const w = zeroWeights(spec);
      w.W.set([1, 0, 0, 1]);
      w.V.set([0, 1, 1, 0]);
      // B = [0, I] with d′ = q is the identity.
      const net = ResidualMLPNet.fromWeights(w);
      const out = net.forward(tensor([[1, 2]], { dtype: 'float64' })).toArray() as number[][];
      expect(out[0]![0]).toBeCloseTo(expected[0], 14);
      expect(out[0]![1]).toBeCloseTo(expected[1], 14);
    }
  });

  it('matches a hand computation (L = 2, ReLU, scalar)', () => {
    // h1 = 1 + ½·1·relu(0.5) = 1.25; h2 = 1.25 + ½·2·relu(−1.25) = 1.25.
    const spec: ResNetSpec = {
      depth: 2,
      inputDim: 1,
      hidden: 1,
      width: 1,
      outputDim: 1,
      activation: 'relu',
      scaling: 'code',
    };
    const w = zeroWeights(spec);
    w.V.set([1, 2]);
    w.W.set([0.5, -1]);
    const net = ResidualMLPNet.fromWeights(w);
    const hs = net.hiddenStates(tensor([[1]], { dtype: 'float64' })).map((h) => h.item());
    expect(hs).toEqual([1, 1.25, 1.25]);
    // With x = −1 the first block is off and the second on: h2 = −1 + ½·2·relu(1) = 0.
    expect(net.forward(tensor([[-1]], { dtype: 'float64' })).item()).toBe(0);
  });

  it('matches an independent loop implementation for every activation and scaling', () => {
    for (const activation of ['gelu', 'relu', 'tanh', 'identity'] as const) {
      for (const scaling of ['paper', 'code'] as const) {
        const spec: ResNetSpec = {
          depth: 3,
          inputDim: 2,
          hidden: 4,
          width: 3,
          outputDim: 2,
          activation,
          scaling,
        };
        const w = randomWeights(spec, 10);
        const net = ResidualMLPNet.fromWeights(w, { trainAB: true });
        const X = [
          [0.3, -0.7],
          [1.1, 0.4],
        ];
        const out = net.forward(tensor(X, { dtype: 'float64' })).toArray() as number[][];
        X.forEach((x, i) => {
          const ref = referenceForward(w, x);
          for (let j = 0; j < 2; j++)
            expect(Math.abs(out[i]![j]! - ref[j]!)).toBeLessThan(1e-13 * Math.max(1, Math.abs(ref[j]!)));
        });
      }
    }
  });

  it('the tied initialisation is the ODE dH/ds = 0: F(x) = B A x', () => {
    const net = new ResidualMLPNet({ depth: 16, inputDim: 3, width: 5, hidden: 4, key: randomKey(1) });
    const x = randn([6, 3], { dtype: 'float64', key: randomKey(2) });
    const out = net.forward(x).toArray() as number[][];
    const xs = x.toArray() as number[][];
    // A = [I; 0] (4×3): h = (x0, x1, x2, 0); B = [0, I] (3×4) keeps the last three: F(x) = (x1, x2, 0).
    xs.forEach((row, i) => {
      expect(out[i]).toEqual([row[1], row[2], 0]);
    });
    const W = net.W.toArray() as number[][][];
    for (let k = 1; k < 16; k++) expect(W[k]).toEqual(W[0]);
    expect((net.V.toArray() as number[][][]).flat(2).every((v) => v === 0)).toBe(true);
  });

  it('registers V, W (and A, B when trainAB) as parameters', () => {
    const a = new ResidualMLPNet({ depth: 2, inputDim: 2, width: 2, key: randomKey(0) });
    expect(a.namedParameters().map(([n]) => n)).toEqual(['V', 'W']);
    const b = new ResidualMLPNet({ depth: 2, inputDim: 2, width: 2, key: randomKey(0), trainAB: true });
    expect(b.namedParameters().map(([n]) => n)).toEqual(['V', 'W', 'A', 'B']);
    expect(b.toWeights().W).toEqual(a.toWeights().W);
  });

  it('passes gradcheck (float64) through the loss, both normalisations', () => {
    const spec: ResNetSpec = {
      depth: 3,
      inputDim: 2,
      hidden: 3,
      width: 2,
      outputDim: 2,
      activation: 'gelu',
      scaling: 'paper',
    };
    const w = randomWeights(spec, 20);
    const [kx, ky] = splitKey(randomKey(5), 2);
    const x = randn([4, 2], { dtype: 'float64', key: kx! });
    const y = randn([4, 2], { dtype: 'float64', key: ky! });
    for (const norm of ['paper', 'code'] as const) {
      const net = ResidualMLPNet.fromWeights(w, { trainAB: true });
      const f = (A: typeof x, B: typeof x, V: typeof x, W: typeof x) => {
        net.A = A;
        net.B = B;
        net.V = V as typeof net.V;
        net.W = W as typeof net.W;
        return net.loss(x, y, norm);
      };
      const leaf = (t: typeof x) => t.detach().requiresGrad_(true);
      expect(gradcheck(f, [leaf(net.A), leaf(net.B), leaf(net.V), leaf(net.W)])).toBe(true);
    }
  });

  it('squaredLoss: the paper loss is d′ times the code loss', () => {
    const out = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    );
    const y = tensor(
      [
        [0, 0],
        [0, 0],
      ],
      { dtype: 'float64' },
    );
    expect(squaredLoss(out, y, 'paper').item()).toBeCloseTo(15, 14); // (1+4+9+16)/2
    expect(squaredLoss(out, y, 'code').item()).toBeCloseTo(7.5, 14); // 30/4
  });

  it('rejects bad shapes and options', () => {
    const net = new ResidualMLPNet({ depth: 2, inputDim: 3, width: 2, key: randomKey(0) });
    expect(() => net.forward(tensor([[1, 2]], { dtype: 'float64' }))).toThrow(ShapeError);
    expect(() => net.forward(tensor([[1, 2]], { dtype: 'float64' }))).toThrow(
      /^ResidualMLPNet\.forward: .*\[1,2\]/,
    );
    expect(() => new ResidualMLPNet({ depth: 0, inputDim: 3, width: 2 })).toThrow(ArgumentError);
    expect(() => new ResidualMLPNet({ depth: 2, inputDim: 3, width: 2, hidden: 2 })).toThrow(/hidden/);
    expect(() => new ResidualMLPNet({ depth: 2, inputDim: 3, width: 2 })).toThrow(/needs a key/);
    expect(() =>
      initWeights({ depth: 2, inputDim: 3, width: 2 }, { init: { kind: 'tied', W0: new Float64Array(5) } }),
    ).toThrow(ShapeError);
  });
});

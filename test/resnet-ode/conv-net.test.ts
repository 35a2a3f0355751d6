import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { noGrad } from '../../src/autograd/mode.js';
import { ArgumentError, ShapeError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { copy_ } from '../../src/ops/assign.js';
import { tensor } from '../../src/ops/creation.js';
import { randn } from '../../src/random/index.js';
import { randomKey } from '../../src/random/key.js';
import {
  ConvResidualBlock,
  ConvResNet,
  convEntryProfile,
  convLayerDistances,
  convResidualScale,
  convSmoothness,
  successiveFrobeniusDistances,
} from '../../src/resnet-ode/conv-net.js';

/** Deterministic, irregular test values. */
function vals(n: number, seed: number, amp = 1): Float64Array {
  return Float64Array.from(
    { length: n },
    (_, i) => amp * Math.sin(1.7 * i + seed) * Math.cos(0.3 * i * seed + 1),
  );
}

function set(t: Tensor, data: ArrayLike<number>): void {
  noGrad(() => copy_(t, tensor(Float64Array.from(data), { dtype: t.dtype, shape: [...t.shape] })));
}

/** Plain-loop conv2d, 3×3, stride 1, zero padding 1: x [N,C,H,W], w [O,C,3,3], b [O]. */
function conv3x3(
  x: Float64Array,
  shape: number[],
  w: Float64Array,
  b: Float64Array,
  O: number,
): Float64Array {
  const [N, C, H, W] = shape as [number, number, number, number];
  const out = new Float64Array(N * O * H * W);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          let s = b[o]!;
          for (let c = 0; c < C; c++)
            for (let di = 0; di < 3; di++)
              for (let dj = 0; dj < 3; dj++) {
                const ii = i + di - 1;
                const jj = j + dj - 1;
                if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
                s += w[((o * C + c) * 3 + di) * 3 + dj]! * x[((n * C + c) * H + ii) * W + jj]!;
              }
          out[((n * O + o) * H + i) * W + j] = s;
        }
  return out;
}

/** Training-mode batch norm by hand: biased batch variance over N, H, W per channel. */
function bnTrain(
  x: Float64Array,
  shape: number[],
  g: Float64Array,
  b: Float64Array,
  eps = 1e-5,
): Float64Array {
  const [N, C, H, W] = shape as [number, number, number, number];
  const out = new Float64Array(x.length);
  const m = N * H * W;
  for (let c = 0; c < C; c++) {
    let mean = 0;
    for (let n = 0; n < N; n++) for (let p = 0; p < H * W; p++) mean += x[(n * C + c) * H * W + p]!;
    mean /= m;
    let v = 0;
    for (let n = 0; n < N; n++)
      for (let p = 0; p < H * W; p++) v += (x[(n * C + c) * H * W + p]! - mean) ** 2;
    v /= m;
    for (let n = 0; n < N; n++)
      for (let p = 0; p < H * W; p++) {
        const i = (n * C + c) * H * W + p;
        out[i] = (g[c]! * (x[i]! - mean)) / Math.sqrt(v + eps) + b[c]!;
      }
  }
  return out;
}

describe('ConvResidualBlock', () => {
  for (const activation of ['relu', 'identity'] as const) {
    it(`forward matches a hand computation (${activation}, batch-norm in training mode, scale 1/4)`, () => {
      const C = 2;
      const shape = [2, C, 3, 4];
      const block = new ConvResidualBlock(C, 0.25, { activation, dtype: 'float64', key: randomKey(3) });
      const w1 = vals(C * C * 9, 1, 0.5);
      const b1 = vals(C, 2, 0.3);
      const w2 = vals(C * C * 9, 3, 0.5);
      const b2 = vals(C, 4, 0.3);
      const g1 = [1.3, 0.7];
      const be1 = [0.2, -0.4];
      const g2 = [0.9, -1.1];
      const be2 = [0.05, 0.3];
      set(block.conv1.weight, w1);
      set(block.conv1.bias!, b1);
      set(block.conv2.weight, w2);
      set(block.conv2.bias!, b2);
      set(block.bn1!.weight!, g1);
      set(block.bn1!.bias!, be1);
      set(block.bn2!.weight!, g2);
      set(block.bn2!.bias!, be2);
      const x = vals(2 * C * 12, 5, 2);
      const got = block.forward(tensor(x, { dtype: 'float64', shape })).dataSync();

      let u = bnTrain(conv3x3(x, shape, w1, b1, C), shape, Float64Array.from(g1), Float64Array.from(be1));
      if (activation === 'relu') u = u.map((v) => Math.max(v, 0));
      const f = bnTrain(conv3x3(u, shape, w2, b2, C), shape, Float64Array.from(g2), Float64Array.from(be2));
      const want = x.map((v, i) => v + 0.25 * f[i]!);
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(Number(got[i])).toBeCloseTo(want[i]!, 10);
    });
  }

  it('starts as the identity (bn₂ scale and shift are 0), with and without batch norm', () => {
    const x = randn([3, 4, 5, 5], { dtype: 'float64', key: randomKey(1) });
    for (const batchNorm of [true, false]) {
      const block = new ConvResidualBlock(4, 1, { batchNorm, dtype: 'float64', key: randomKey(2) });
      expect(Array.from(block.forward(x).dataSync())).toEqual(Array.from(x.dataSync()));
    }
    const noBn = new ConvResidualBlock(4, 1, { batchNorm: false, dtype: 'float64', key: randomKey(2) });
    expect(noBn.bn1).toBeNull();
    // The code's no-BN variant: conv₁ Xavier-uniform with gain 1e-4, so tiny.
    const w = noBn.conv1.weight.dataSync();
    expect(Math.max(...Array.from(w, (v) => Math.abs(Number(v))))).toBeLessThan(1e-4);
  });

  it('rejects a wrong input shape with a ShapeError naming the shape', () => {
    const block = new ConvResidualBlock(4, 1);
    expect(() => block.forward(randn([2, 3, 5, 5]))).toThrow(ShapeError);
    expect(() => block.forward(randn([2, 3, 5, 5]))).toThrow(/^ConvResidualBlock: .*\[2,3,5,5\]/);
  });
});

describe('ConvResNet', () => {
  it('has the code geometry: 28×28 → 9×9 after the stem, logits [N, 10]', () => {
    const net = new ConvResNet({ depth: 3, channels: 4, key: randomKey(0) });
    const x = randn([2, 1, 28, 28], { key: randomKey(1) });
    expect(net.features(x).shape).toEqual([2, 4, 9, 9]);
    expect(net.forward(x).shape).toEqual([2, 10]);
    expect(net.blocks).toHaveLength(3);
    // Parameters are discovered through the blocks array.
    expect(net.namedParameters().some(([n]) => n === 'blocks.2.conv2.weight')).toBe(true);
  });

  it('uses the residual scaling 1/L (default), 1/√L or 1', () => {
    expect(new ConvResNet({ depth: 8 }).blocks[5]!.scale).toBe(1 / 8);
    expect(new ConvResNet({ depth: 4, scaling: '1/sqrt(L)' }).blocks[0]!.scale).toBe(0.5);
    expect(new ConvResNet({ depth: 4, scaling: '1' }).blocks[3]!.scale).toBe(1);
    expect(convResidualScale(16, '1/sqrt(L)')).toBe(0.25);
    expect(() => convResidualScale(0, '1/L')).toThrow(ArgumentError);
  });

  it('is the stem alone at initialisation (every residual branch is 0)', () => {
    const net = new ConvResNet({ depth: 4, channels: 3, init: 'iid', dtype: 'float64', key: randomKey(5) });
    const x = randn([2, 1, 12, 12], { dtype: 'float64', key: randomKey(6) });
    const h = net.features(x).dataSync();
    const stem = noGrad(() => net.stemBn.forward(net.stemConv.forward(x)).relu().dataSync());
    expect(Array.from(h)).toEqual(Array.from(stem));
  });

  it('tied init: every block is a copy of block 0 (independent parameters); iid: blocks differ', () => {
    const tied = new ConvResNet({ depth: 5, channels: 4, init: 'tied', key: randomKey(11) });
    const iid = new ConvResNet({ depth: 5, channels: 4, init: 'iid', key: randomKey(11) });
    const p0 = tied.blocks[0]!.namedParameters();
    for (const b of tied.blocks.slice(1)) {
      const pk = b.namedParameters();
      expect(pk.map(([n]) => n)).toEqual(p0.map(([n]) => n));
      pk.forEach(([, p], i) => {
        expect(p).not.toBe(p0[i]![1]);
        expect(Array.from(p.dataSync())).toEqual(Array.from(p0[i]![1].dataSync()));
      });
    }
    expect(convSmoothness(tied)).toBe(0);
    // Untied after initialisation: changing one block leaves the others alone.
    set(tied.blocks[2]!.conv1.weight, vals(4 * 4 * 9, 7));
    expect(convLayerDistances(tied, { slot: 'conv1' })[0]).toBe(0);
    expect(convLayerDistances(tied, { slot: 'conv1' })[1]).toBeGreaterThan(0);
    // Same key → i.i.d. and tied nets share block 0; the i.i.d. blocks are all different.
    expect(Array.from(iid.blocks[0]!.conv1.weight.dataSync())).toEqual(
      Array.from(
        new ConvResNet({
          depth: 5,
          channels: 4,
          init: 'tied',
          key: randomKey(11),
        }).blocks[0]!.conv1.weight.dataSync(),
      ),
    );
    for (const slot of ['conv1', 'conv2'] as const) {
      for (const d of convLayerDistances(iid, { slot })) expect(d).toBeGreaterThan(1);
    }
  });

  it('draws conv weights from U(±1/√fanIn) (code) or N(0, 1/(3·fanIn)) (gaussian)', () => {
    const C = 16;
    const fanIn = C * 9;
    for (const weightDist of ['uniform', 'gaussian'] as const) {
      const net = new ConvResNet({ depth: 2, channels: C, init: 'iid', weightDist, key: randomKey(21) });
      const w = Array.from(net.blocks[1]!.conv2.weight.dataSync(), Number);
      const sd = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
      expect(sd * Math.sqrt(3 * fanIn)).toBeGreaterThan(0.95);
      expect(sd * Math.sqrt(3 * fanIn)).toBeLessThan(1.05);
      const max = Math.max(...w.map(Math.abs));
      if (weightDist === 'uniform') expect(max).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
      else expect(max).toBeGreaterThan(1 / Math.sqrt(fanIn)); // Gaussian tails pass the uniform bound
    }
  });

  it('validates its options and its input', () => {
    expect(() => new ConvResNet({ depth: 0 })).toThrow(/^ConvResNet: depth/);
    expect(() => new ConvResNet({ depth: 2, activation: 'tanh' as never })).toThrow(ArgumentError);
    expect(() => new ConvResNet({ depth: 2, init: 'smooth' as never })).toThrow(ArgumentError);
    expect(() => new ConvResNet({ depth: 2, stem: { stride: 0 } })).toThrow(ArgumentError);
    const net = new ConvResNet({ depth: 2, channels: 2 });
    expect(() => net.forward(randn([2, 3, 28, 28]))).toThrow(ShapeError);
    expect(() => net.forward(randn([2, 3, 28, 28]))).toThrow(/^ConvResNet: .*\[2,3,28,28\]/);
    expect(() => net.convWeights('conv3' as never)).toThrow(ArgumentError);
  });

  it('gradcheck (float64, channels 2, L 2, 5×5 input) w.r.t. the input and a conv weight', () => {
    for (const activation of ['gelu', 'identity'] as const) {
      const net = new ConvResNet({
        depth: 2,
        channels: 2,
        activation,
        init: 'iid',
        stem: { kernel: 3, stride: 1, padding: 1 },
        dtype: 'float64',
        key: randomKey(31),
      });
      // Non-zero bn₂ scales and shifts, so the residual branches (and their gradients) are non-zero.
      net.blocks.forEach((b, k) => {
        set(b.bn2!.weight!, [0.8 + 0.1 * k, -0.6]);
        set(b.bn2!.bias!, [0.1, -0.2 * k]);
      });
      const x = randn([2, 1, 5, 5], { dtype: 'float64', key: randomKey(32) });
      expect(gradcheck((xi) => net.forward(xi), [x], { name: `ConvResNet input (${activation})` })).toBe(
        true,
      );
      const conv = net.blocks[1]!.conv1 as unknown as { weight: Tensor };
      const w = conv.weight;
      try {
        const ok = gradcheck(
          (wi) => {
            conv.weight = wi;
            return net.forward(x);
          },
          [w.detach()],
          { name: `ConvResNet blocks.1.conv1.weight (${activation})` },
        );
        expect(ok).toBe(true);
      } finally {
        conv.weight = w;
      }
    }
  });
});

describe('conv smoothness diagnostics', () => {
  /** A depth-3, 1-channel net whose conv weights are constant kernels c·1 (‖c·1‖_F = 3|c|). */
  function constructed(c1: number[], c2: number[]): ConvResNet {
    const net = new ConvResNet({ depth: 3, channels: 1, dtype: 'float64', key: randomKey(0) });
    net.blocks.forEach((b, k) => {
      set(b.conv1.weight, new Array(9).fill(c1[k]));
      set(b.conv2.weight, new Array(9).fill(c2[k]));
    });
    return net;
  }

  it('measures mean_k ‖conv_{k+1} − conv_k‖_F per slot and summed over both slots', () => {
    const net = constructed([0, 1, 3], [0, 0, -2]);
    expect(convLayerDistances(net, { slot: 'conv1' })).toEqual([3, 6]);
    expect(convLayerDistances(net, { slot: 'conv2' })).toEqual([0, 6]);
    expect(convLayerDistances(net)).toEqual([3, 12]);
    expect(convSmoothness(net, { slot: 'conv1' })).toBe(4.5);
    expect(convSmoothness(net, { slot: 'conv2' })).toBe(3);
    expect(convSmoothness(net)).toBe(7.5);
    expect(successiveFrobeniusDistances([tensor([3, 4]), tensor([0, 0]), tensor([0, 1])])).toEqual([5, 1]);
  });

  it('reads one conv entry across layers (flat or [out, in, row, col] index)', () => {
    const net = new ConvResNet({ depth: 3, channels: 2, dtype: 'float64', key: randomKey(0) });
    net.blocks.forEach((b, k) => {
      set(
        b.conv2.weight,
        Array.from({ length: 36 }, (_, i) => 100 * k + i),
      );
    });
    // [1, 0, 2, 1] → ((1·2 + 0)·3 + 2)·3 + 1 = 25
    expect(convEntryProfile(net, 'conv2', [1, 0, 2, 1])).toEqual([25, 125, 225]);
    expect(convEntryProfile(net, 'conv2', 7)).toEqual([7, 107, 207]);
    expect(() => convEntryProfile(net, 'conv2', 36)).toThrow(ArgumentError);
    expect(() => convEntryProfile(net, 'conv2', [2, 0, 0, 0])).toThrow(ArgumentError);
  });

  it('rejects depth 1, mismatched shapes and unknown slots', () => {
    expect(() => convSmoothness(new ConvResNet({ depth: 1 }))).toThrow(/^convLayerDistances: .*depth >= 2/);
    expect(() => successiveFrobeniusDistances([tensor([1, 2])])).toThrow(ArgumentError);
    expect(() => successiveFrobeniusDistances([tensor([1, 2]), tensor([1, 2, 3])])).toThrow(ShapeError);
    expect(() => convSmoothness(new ConvResNet({ depth: 2 }), { slot: 'bias' as never })).toThrow(
      ArgumentError,
    );
  });
});

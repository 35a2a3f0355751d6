import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import type { Tensor } from '../../src/core/tensor.js';
import { MultiheadAttention } from '../../src/nn/index.js';
import { functionalCall } from '../../src/nn/module.js';
import { add, div, sub } from '../../src/ops/binary.js';
import { tensor, zeros } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { max, sum } from '../../src/ops/reduce.js';
import { exp } from '../../src/ops/unary.js';
import { narrow, transpose } from '../../src/ops/view.js';
import { randn } from '../../src/random/index.js';
import { randomKey } from '../../src/random/key.js';

let seed = 0;
const rn = (shape: number[]) => randn(shape, { dtype: 'float64', key: randomKey(500 + seed++) });

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a._contiguousData();
  const y = b._contiguousData();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Reference multi-head attention from plain ops; `mask` is added to the scores ([N|1, L, S]). */
function manual(mha: MultiheadAttention, q: Tensor, k: Tensor, v: Tensor, mask?: Tensor): [Tensor, Tensor] {
  const E = mha.embedDim;
  const H = mha.numHeads;
  const D = E / H;
  const W = mha.inProjWeight!;
  const B = mha.inProjBias!;
  const proj = (x: Tensor, i: number) => add(matmul(x, narrow(W, 0, i * E, E).T), narrow(B, 0, i * E, E));
  const [Q, K, V] = [proj(q, 0), proj(k, 1), proj(v, 2)];
  const Wo = mha.outProj.weight;
  let y: Tensor = mha.outProj.bias!;
  let wsum: Tensor | null = null;
  for (let h = 0; h < H; h++) {
    const sl = (t: Tensor) => narrow(t, 2, h * D, D);
    let s = div(matmul(sl(Q), transpose(sl(K), 1, 2)), Math.sqrt(D));
    if (mask) s = add(s, mask);
    const e = exp(sub(s, max(s, -1, true)));
    const a = div(e, sum(e, -1, true));
    y = add(y, matmul(matmul(a, sl(V)), narrow(Wo, 1, h * D, D).T));
    wsum = wsum ? add(wsum, a) : a;
  }
  return [y, div(wsum!, H)];
}

describe('MultiheadAttention', () => {
  const make = (opts = {}) =>
    new MultiheadAttention(8, 2, { dtype: 'float64', key: randomKey(seed++), ...opts });

  it('has PyTorch parameterisation and initialisation', () => {
    const mha = make();
    expect(mha.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['inProjWeight', [24, 8]],
      ['inProjBias', [24]],
      ['outProj.weight', [8, 8]],
      ['outProj.bias', [8]],
    ]);
    expect(mha.inProjBias!.toArray()).toEqual(zeros([24]).toArray());
    expect(mha.outProj.bias!.toArray()).toEqual(zeros([8]).toArray());
    const bound = Math.sqrt(6 / (8 + 24));
    for (const v of mha.inProjWeight!._contiguousData()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(() => new MultiheadAttention(8, 3)).toThrow(/divisible/);
    expect(mha.toString()).toContain('(outProj): Linear(inFeatures=8, outFeatures=8, bias=true)');
  });

  it('matches a manual computation (output and head-averaged weights)', () => {
    const mha = make();
    // Non-zero biases so that they are exercised.
    mha.inProjBias!._storage.data.set(rn([24])._contiguousData());
    mha.outProj.bias!._storage.data.set(rn([8])._contiguousData());
    const [q, k, v] = [rn([2, 3, 8]), rn([2, 4, 8]), rn([2, 4, 8])];
    const [y, w] = mha.forward(q, k, v);
    const [ry, rw] = manual(mha, q, k, v);
    expect(y.shape).toEqual([2, 3, 8]);
    expect(w!.shape).toEqual([2, 3, 4]);
    expect(maxAbsDiff(y, ry)).toBeLessThan(1e-12);
    expect(maxAbsDiff(w!, rw)).toBeLessThan(1e-12);
    // The scaledDotProductAttention path (no weights) agrees.
    const [y2, w2] = mha.forward(q, k, v, { needWeights: false });
    expect(w2).toBeNull();
    expect(maxAbsDiff(y2, ry)).toBeLessThan(1e-12);
    // Per-head weights average to the reported weights.
    const [, wh] = mha.forward(q, k, v, { averageAttnWeights: false });
    expect(wh!.shape).toEqual([2, 2, 3, 4]);
    expect(maxAbsDiff(div(sum(wh!, 1), 2), w!)).toBeLessThan(1e-12);
  });

  it('supports sequence-first and unbatched inputs', () => {
    const mha = make();
    const [q, k] = [rn([2, 3, 8]), rn([2, 5, 8])];
    const [y] = mha.forward(q, k, k);
    const sf = make({ batchFirst: false });
    sf.loadStateDict(mha.stateDict());
    const [ys, ws] = sf.forward(transpose(q, 0, 1), transpose(k, 0, 1), transpose(k, 0, 1));
    expect(ws!.shape).toEqual([2, 3, 5]);
    expect(maxAbsDiff(ys, transpose(y, 0, 1))).toBeLessThan(1e-12);
    const q0 = narrow(q, 0, 0, 1).reshape(3, 8);
    const k0 = narrow(k, 0, 0, 1).reshape(5, 8);
    const [yu, wu] = mha.forward(q0, k0, k0);
    expect(yu.shape).toEqual([3, 8]);
    expect(wu!.shape).toEqual([3, 5]);
    expect(maxAbsDiff(yu, narrow(y, 0, 0, 1).reshape(3, 8))).toBeLessThan(1e-12);
  });

  it('key padding masks ignore keys; attention masks and isCausal', () => {
    const mha = make();
    const [q, k, v] = [rn([2, 3, 8]), rn([2, 4, 8]), rn([2, 4, 8])];
    const pad = tensor(
      [
        [false, false, false, true],
        [false, false, false, true],
      ],
      { dtype: 'bool' },
    );
    const [y, w] = mha.forward(q, k, v, { keyPaddingMask: pad });
    for (const row of w!.toArray() as number[][][]) for (const r of row) expect(r[3]).toBe(0);
    const [yTrim] = mha.forward(q, narrow(k, 1, 0, 3), narrow(v, 1, 0, 3));
    expect(maxAbsDiff(y, yTrim)).toBeLessThan(1e-12);
    const [yNo] = mha.forward(q, k, v, { keyPaddingMask: pad, needWeights: false });
    expect(maxAbsDiff(yNo, yTrim)).toBeLessThan(1e-12);

    // Causal self-attention: bool mask (true = blocked), float mask, isCausal all agree with the reference.
    const x = rn([2, 4, 8]);
    const blocked = tensor(
      Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => j > i)),
      { dtype: 'bool' },
    );
    const floatMask = tensor(
      Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => (j > i ? -Infinity : 0))),
      { dtype: 'float64' },
    );
    const [ref, refW] = manual(mha, x, x, x, floatMask);
    const [a, aw] = mha.forward(x, x, x, { attnMask: blocked });
    const [b] = mha.forward(x, x, x, { attnMask: floatMask, needWeights: false });
    const [c, cw] = mha.forward(x, x, x, { isCausal: true });
    const [d] = mha.forward(x, x, x, { isCausal: true, needWeights: false });
    for (const t of [a, b, c, d]) expect(maxAbsDiff(t, ref)).toBeLessThan(1e-12);
    expect(maxAbsDiff(aw!, refW)).toBeLessThan(1e-12);
    expect(maxAbsDiff(cw!, refW)).toBeLessThan(1e-12);
    // A per-head [N·H, L, S] mask.
    const [e] = mha.forward(x, x, x, { attnMask: floatMask.reshape(1, 4, 4).expand(4, 4, 4) });
    expect(maxAbsDiff(e, ref)).toBeLessThan(1e-12);
    expect(() => mha.forward(x, x, x, { attnMask: floatMask.reshape(1, 4, 4) })).toThrow(/attnMask/);
  });

  it('separate projections when kdim/vdim differ', () => {
    const mha = make({ kdim: 5, vdim: 3 });
    expect(mha.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['qProjWeight', [8, 8]],
      ['kProjWeight', [8, 5]],
      ['vProjWeight', [8, 3]],
      ['inProjBias', [24]],
      ['outProj.weight', [8, 8]],
      ['outProj.bias', [8]],
    ]);
    const [y, w] = mha.forward(rn([2, 3, 8]), rn([2, 6, 5]), rn([2, 6, 3]));
    expect(y.shape).toEqual([2, 3, 8]);
    expect(w!.shape).toEqual([2, 3, 6]);
    expect(() => mha.forward(rn([2, 3, 8]), rn([2, 6, 8]), rn([2, 6, 3]))).toThrow(/feature sizes/);
  });

  it('attention dropout is active in training only', () => {
    const mha = make({ dropout: 0.5 });
    const x = rn([1, 6, 8]);
    const [, w1] = mha.forward(x, x, x, { averageAttnWeights: false });
    const dropped = [...w1!._contiguousData()].filter((e) => e === 0).length;
    expect(dropped).toBeGreaterThan(10);
    expect(dropped).toBeLessThan(62);
    mha.eval();
    const [ya] = mha.forward(x, x, x);
    const [yb] = mha.forward(x, x, x);
    expect(maxAbsDiff(ya, yb)).toBe(0);
    const [, wh] = mha.forward(x, x, x, { averageAttnWeights: false });
    for (const e of sum(wh!, -1)._contiguousData()) expect(e).toBeCloseTo(1, 12);
  });

  it('gradcheck with respect to the inputs and the parameters', () => {
    const mha = new MultiheadAttention(4, 2, { dtype: 'float64', key: randomKey(77) });
    const names = mha.namedParameters().map(([n]) => n);
    const [q, k] = [rn([1, 2, 4]), rn([1, 3, 4])];
    gradcheck((a, b) => mha.forward(a, b, b)[0], [q, k]);
    gradcheck(
      (...ps) => functionalCall(mha, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), q, k, k)[0],
      mha.parameters(),
    );
  });
});

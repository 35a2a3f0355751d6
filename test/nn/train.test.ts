import { describe, expect, it } from 'vitest';
import { noGrad } from '../../src/autograd/mode.js';
import { Linear, MSELoss, Sequential, Tanh } from '../../src/nn/index.js';
import { copy_ } from '../../src/ops/assign.js';
import { mul, sub } from '../../src/ops/binary.js';
import { sin } from '../../src/ops/unary.js';
import { randn } from '../../src/random/index.js';
import { manualSeed, randomKey } from '../../src/random/key.js';

describe('training a tiny MLP with plain gradient descent', () => {
  it('reduces the loss on a fixed synthetic regression problem', () => {
    manualSeed(0);
    const x = randn([64, 2], { key: randomKey(1) });
    // y = sin(2·x0) + 0.5·x1
    const y = sin(x.select(1, 0).mul(2)).add(x.select(1, 1).mul(0.5)).reshape(64, 1);
    const net = new Sequential(new Linear(2, 16), new Tanh(), new Linear(16, 1));
    const lossFn = new MSELoss();
    const lr = 0.3;
    const losses: number[] = [];
    for (let step = 0; step < 150; step++) {
      net.zeroGrad();
      const loss = lossFn.forward(net.forward(x), y);
      loss.backward();
      losses.push(loss.item());
      noGrad(() => {
        for (const p of net.parameters()) copy_(p, sub(p, mul(p.grad!, lr)));
      });
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(0.1 * losses[0]!);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[50]!);
  });
});

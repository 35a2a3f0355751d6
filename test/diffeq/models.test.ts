import { describe, expect, it } from 'vitest';
import {
  BacksolveAdjoint,
  CNF,
  ConstantStepSize,
  NeuralODE,
  RecursiveCheckpointAdjoint,
  RK4,
} from '../../src/diffeq/index.js';
import { noGrad, randn, sum, type Tensor, tensor } from '../../src/index.js';
import { Linear, Module, Sequential, Tanh } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { randomKey } from '../../src/random/index.js';

describe('NeuralODE', () => {
  it('solves with the module as vector field; time as input; trains', () => {
    const net = new Sequential(
      new Linear(3, 16, { dtype: 'float64', key: randomKey(1) }),
      new Tanh(),
      new Linear(16, 2, { dtype: 'float64', key: randomKey(2) }),
    );
    const node = new NeuralODE(net, { time: 'concat', ts: [0.5, 1], rtol: 1e-6, atol: 1e-8 });
    const y0 = randn([8, 2], { dtype: 'float64', key: randomKey(3) });
    const ys = node.forward(y0);
    expect(ys.shape).toEqual([2, 8, 2]);
    expect(node.parameters().length).toBe(4);
    expect(node.lastSolution!.stats.accepted).toBeGreaterThan(0);
    // A few SGD steps through the solver reduce a regression loss.
    const target = randn([8, 2], { dtype: 'float64', key: randomKey(4) }).mul(0.1);
    const fit = new NeuralODE(net, { time: 'concat', rtol: 1e-5, atol: 1e-7 });
    const opt = new SGD(net.parameters(), { lr: 0.05 });
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      opt.zeroGrad();
      const loss = sum(fit.forward(y0).sub(target).square());
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    expect(losses[4]).toBeLessThan(losses[0]!);
  });

  it("time as an argument ('arg') and the adjoints agree", () => {
    class Field extends Module<[Tensor, Tensor], Tensor> {
      lin = new Linear(2, 2, { dtype: 'float64', key: randomKey(5) });
      forward(t: Tensor, y: Tensor): Tensor {
        return this.lin.forward(y).tanh().mul(t.cos());
      }
    }
    const field = new Field();
    const y0 = tensor([[0.3, -0.4]], { dtype: 'float64' });
    const grads = [new RecursiveCheckpointAdjoint({ checkpoints: 2 }), new BacksolveAdjoint()].map(
      (adjoint) => {
        const node = new NeuralODE(field, { time: 'arg', t1: 2, rtol: 1e-9, atol: 1e-11, adjoint });
        field.zeroGrad();
        sum(node.forward(y0)).backward();
        return field.parameters().map((p) => Array.from(p.grad!.dataSync()));
      },
    );
    grads[0]!.forEach((g, i) => {
      g.forEach((v, j) => {
        expect(v).toBeCloseTo(grads[1]![i]![j]!, 6);
      });
    });
  });
});

describe('continuous normalising flows', () => {
  class LinearField extends Module {
    lin = new Linear(2, 2, { dtype: 'float64', bias: false, key: randomKey(6) });
    forward(z: Tensor): Tensor {
      return this.lin.forward(z);
    }
  }

  it('exact trace: log-density of a linear flow matches the closed form', () => {
    const field = new LinearField();
    const A = field.lin.weight.toArray() as number[][];
    const trA = A[0]![0]! + A[1]![1]!;
    const cnf = new CNF(field, { time: 'none', trace: 'exact', rtol: 1e-9, atol: 1e-9 });
    const x = randn([4, 2], { dtype: 'float64', key: randomKey(11) });
    const { logdet } = noGrad(() => cnf.transform(x));
    for (const v of logdet.dataSync()) expect(v).toBeCloseTo(trA, 7);
    // sample() inverts transform().
    const { z } = noGrad(() => cnf.transform(x));
    const back = noGrad(() => cnf.sample(z));
    back.dataSync().forEach((v, i) => {
      expect(v).toBeCloseTo(x.dataSync()[i]!, 6);
    });
  });

  it('Hutchinson estimator is unbiased', () => {
    const field = new LinearField();
    const A = field.lin.weight.toArray() as number[][];
    const trA = A[0]![0]! + A[1]![1]!;
    const cnf = new CNF(field, {
      time: 'none',
      trace: 'hutchinson',
      key: randomKey(12),
      rtol: 1e-7,
      atol: 1e-7,
    });
    const x = randn([4000, 2], { dtype: 'float64', key: randomKey(13) });
    const { logdet } = noGrad(() => cnf.transform(x));
    const mean = logdet.mean().item();
    const sd = Math.sqrt(2 * ((A[0]![1]! + A[1]![0]!) / 2) ** 2 * 2) / Math.sqrt(4000);
    expect(Math.abs(mean - trA)).toBeLessThan(5 * sd + 1e-3);
  });

  it('gradients of log p through the flow match finite differences (exact trace, fixed steps)', () => {
    const field = new Sequential(
      new Linear(2, 4, { dtype: 'float64', key: randomKey(14) }),
      new Tanh(),
      new Linear(4, 2, { dtype: 'float64', key: randomKey(15) }),
    );
    const cnf = new CNF(field, {
      time: 'none',
      trace: 'exact',
      solver: new RK4(),
      stepsizeController: new ConstantStepSize(),
      dt0: 0.25,
    });
    const x = tensor(
      [
        [0.5, -0.2],
        [1.0, 0.3],
      ],
      { dtype: 'float64' },
    );
    field.zeroGrad();
    sum(cnf.logProb(x)).backward();
    const W = field.parameters()[0]!;
    const g = Array.from(W.grad!.dataSync());
    const eps = 1e-6;
    const d = W._storage.data;
    for (let i = 0; i < W.size; i++) {
      const o = d[i]!;
      d[i] = o + eps;
      const p = noGrad(() => sum(cnf.logProb(x)).item());
      d[i] = o - eps;
      const m = noGrad(() => sum(cnf.logProb(x)).item());
      d[i] = o;
      expect(g[i]).toBeCloseTo((p - m) / (2 * eps), 6);
    }
  });
});

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { noGrad } from '../../src/autograd/mode.js';
import type { Tensor } from '../../src/core/tensor.js';
import { DataLoader, TensorDataset } from '../../src/data/index.js';
import { decodeSafetensors } from '../../src/io/formats/safetensors.js';
import {
  loadCheckpoint,
  loadStateDict,
  loadTensors,
  loadTensorsWithMetadata,
  type StatefulModule,
  saveCheckpoint,
  saveStateDict,
  saveTensors,
} from '../../src/io/index.js';
import * as nn from '../../src/nn/index.js';
import { copy_ } from '../../src/ops/assign.js';
import { tensor, zeros } from '../../src/ops/creation.js';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SGD,
  StepLR,
} from '../../src/optim/index.js';
import { getRngState, manualSeed, randn } from '../../src/random/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saveTensors / loadTensors', () => {
  it('round-trips every dtype with metadata', () => {
    const path = join(dir, 't.safetensors');
    const tensors = {
      f32: tensor([
        [1.5, -2],
        [3, 4],
      ]),
      f64: tensor([Math.PI], { dtype: 'float64' }),
      i32: tensor([1, -2, 2147483647], { dtype: 'int32' }),
      b: tensor([true, false]),
      scalar: tensor([7]).reshape([]),
      strided: tensor([
        [1, 2],
        [3, 4],
      ]).transpose(0, 1),
    };
    saveTensors(path, tensors, { note: 'hi' });
    const { tensors: back, metadata } = loadTensorsWithMetadata(path);
    expect(metadata).toEqual({ note: 'hi' });
    for (const [k, t] of Object.entries(tensors)) {
      expect(back[k]!.dtype).toBe(t.dtype);
      expect(back[k]!.shape).toEqual(t.shape);
      expect(back[k]!.toArray()).toEqual(t.toArray());
    }
    expect(Object.keys(loadTensors(path)).sort()).toEqual(Object.keys(tensors).sort());
    // The file is standard safetensors.
    const raw = decodeSafetensors(readFileSync(path));
    expect(raw.tensors.f64!.dtype).toBe('float64');
  });
});

/** A minimal stand-in for nn.Module: a linear model y = x·w + b. */
class Linear implements StatefulModule {
  w: Tensor;
  b: Tensor;
  constructor(seed: number) {
    manualSeed(seed);
    this.w = randn([3, 1], { requiresGrad: true });
    this.b = zeros([1], { requiresGrad: true });
  }
  parameters(): Tensor[] {
    return [this.w, this.b];
  }
  forward(x: Tensor): Tensor {
    return x.matmul(this.w).add(this.b);
  }
  stateDict(): Record<string, Tensor> {
    return { weight: this.w, bias: this.b };
  }
  loadStateDict(sd: Record<string, Tensor>, options: { strict?: boolean } = {}): void {
    const keys = Object.keys(sd).sort();
    if ((options.strict ?? true) && keys.join() !== 'bias,weight') throw new Error(`unexpected keys ${keys}`);
    noGrad(() => {
      copy_(this.w, sd.weight!);
      copy_(this.b, sd.bias!);
    });
  }
}

describe('saveStateDict / loadStateDict', () => {
  it('round-trips a module', () => {
    const path = join(dir, 'm.safetensors');
    const a = new Linear(1);
    saveStateDict(path, a);
    const b = new Linear(2);
    expect(b.w.toArray()).not.toEqual(a.w.toArray());
    loadStateDict(path, b);
    expect(b.w.toArray()).toEqual(a.w.toArray());
  });
});

describe('checkpoints', () => {
  const trueW = tensor([[2], [-1], [0.5]]);

  /** One SGD-style step on a fresh random batch drawn from the global generator. */
  function trainStep(model: Linear, opt: Adam, sched: OneCycleLR): number {
    const x = randn([8, 3]);
    const y = x.matmul(trueW).add(randn([8, 1]).mul(0.1));
    opt.zeroGrad();
    const loss = model.forward(x).sub(y).square().mean();
    loss.backward();
    opt.step();
    sched.step();
    return loss.item();
  }

  function setup(initSeed: number) {
    const model = new Linear(initSeed);
    const opt = new Adam(model.parameters(), { lr: 0.05, amsgrad: true });
    const sched = new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10 });
    return { model, opt, sched };
  }

  it('resuming gives exactly the same run as an uninterrupted one', () => {
    const path = join(dir, 'ckpt.safetensors');
    // Uninterrupted: 10 steps.
    const a = setup(0);
    manualSeed(123);
    const lossesA = Array.from({ length: 10 }, () => trainStep(a.model, a.opt, a.sched));
    const rngA = getRngState();

    // Interrupted: 5 steps, checkpoint, then fresh objects (different init, different RNG).
    const b = setup(0);
    manualSeed(123);
    const lossesB = Array.from({ length: 5 }, () => trainStep(b.model, b.opt, b.sched));
    saveCheckpoint(path, {
      model: b.model,
      optimizer: b.opt,
      scheduler: b.sched,
      epoch: 0,
      step: 5,
      extra: { best: 0.5 },
    });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const c = setup(99);
    manualSeed(999);
    const info = loadCheckpoint(path, { model: c.model, optimizer: c.opt, scheduler: c.sched });
    expect(info.step).toBe(5);
    expect(info.epoch).toBe(0);
    expect(info.extra).toEqual({ best: 0.5 });
    for (let i = 0; i < 5; i++) lossesB.push(trainStep(c.model, c.opt, c.sched));

    expect(lossesB).toEqual(lossesA);
    expect(c.model.w.toArray()).toEqual(a.model.w.toArray());
    expect(c.model.b.toArray()).toEqual(a.model.b.toArray());
    expect(c.sched.getLastLr()).toEqual(a.sched.getLastLr());
    expect(getRngState()).toEqual(rngA);
  });

  it('resumes a DataLoader-driven run (unkeyed shuffle uses the restored RNG)', () => {
    const path = join(dir, 'ckpt-dl.safetensors');
    manualSeed(5);
    const X = randn([20, 3]);
    const Y = X.matmul(trueW);
    const ds = new TensorDataset(X, Y);
    const run = (model: Linear, opt: SGD, sched: StepLR, epochs: number[]) => {
      const losses: number[] = [];
      for (const _ of epochs) {
        for (const [x, y] of new DataLoader(ds, { batchSize: 8, shuffle: true })) {
          opt.zeroGrad();
          const loss = model.forward(x!).sub(y!).square().mean();
          loss.backward();
          opt.step();
          losses.push(loss.item());
        }
        sched.step();
      }
      return losses;
    };
    const make = (seed: number) => {
      const model = new Linear(seed);
      const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
      return { model, opt, sched: new StepLR(opt, { stepSize: 1, gamma: 0.7 }) };
    };
    const a = make(1);
    manualSeed(77);
    const full = run(a.model, a.opt, a.sched, [0, 1, 2, 3]);

    const b = make(1);
    manualSeed(77);
    const part = run(b.model, b.opt, b.sched, [0, 1]);
    saveCheckpoint(path, { model: b.model, optimizer: b.opt, scheduler: b.sched, epoch: 2 });
    const c = make(2);
    manualSeed(0);
    loadCheckpoint(path, { model: c.model, optimizer: c.opt, scheduler: c.sched });
    part.push(...run(c.model, c.opt, c.sched, [2, 3]));
    expect(part).toEqual(full);
    expect(c.model.w.toArray()).toEqual(a.model.w.toArray());
  });

  it('stores non-finite scheduler state and restores it', () => {
    const path = join(dir, 'plateau.safetensors');
    const model = new Linear(0);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const s = new ReduceLROnPlateau(opt, { mode: 'max' }); // best = -Infinity
    saveCheckpoint(path, { model, optimizer: opt, scheduler: s, rng: null, extra: { ema: tensor([1, 2]) } });
    const s2 = new ReduceLROnPlateau(opt, { mode: 'max' });
    s2.best = 5;
    const info = loadCheckpoint(path, { scheduler: s2 });
    expect(s2.best).toBe(Number.NEGATIVE_INFINITY);
    expect(info.rng).toBeUndefined();
    expect(((info.extra as Record<string, unknown>).ema as Tensor).toArray()).toEqual([1, 2]);
  });

  it('a failed save leaves the previous checkpoint intact', () => {
    const path = join(dir, 'atomic.safetensors');
    const model = new Linear(3);
    saveCheckpoint(path, { model, step: 1 });
    const before = readFileSync(path);
    const broken: StatefulModule = {
      stateDict: () => ({ weight: 'not a tensor' as unknown as Tensor }),
      loadStateDict: () => undefined,
    };
    expect(() => saveCheckpoint(path, { model: broken, step: 2 })).toThrow();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(loadCheckpoint(path).step).toBe(1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports missing parts and non-checkpoints', () => {
    const path = join(dir, 'model-only.safetensors');
    const model = new Linear(0);
    saveCheckpoint(path, { model });
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    expect(() => loadCheckpoint(path, { optimizer: opt })).toThrow(/no optimizer state/);
    const plain = join(dir, 'plain.safetensors');
    saveTensors(plain, { a: tensor([1]) });
    expect(() => loadCheckpoint(plain)).toThrow(/not a nabla checkpoint/);
    expect(existsSync(path)).toBe(true);
  });
});

describe('checkpoints with nn.Module', () => {
  it('resumes a Sequential with dropout (global RNG) exactly', () => {
    const path = join(dir, 'nn.safetensors');
    const make = (seed: number) => {
      manualSeed(seed);
      const model = new nn.Sequential(
        new nn.Linear(3, 8),
        new nn.ReLU(),
        new nn.Dropout(0.2),
        new nn.Linear(8, 1),
      );
      const opt = new AdamW(model.parameters(), { lr: 0.01 });
      const sched = new CosineAnnealingLR(opt, { tMax: 10 });
      return { model, opt, sched };
    };
    const trainW = tensor([[1], [-2], [0.5]]);
    const step = (s: ReturnType<typeof make>) => {
      const x = randn([16, 3]);
      s.opt.zeroGrad();
      const loss = s.model.forward(x).sub(x.matmul(trainW)).square().mean();
      loss.backward();
      s.opt.step();
      s.sched.step();
      return loss.item();
    };
    const a = make(0);
    const lossesA = Array.from({ length: 10 }, () => step(a));
    const b = make(0);
    const lossesB = Array.from({ length: 5 }, () => step(b));
    saveCheckpoint(path, { model: b.model, optimizer: b.opt, scheduler: b.sched, step: 5 });
    const c = make(42);
    loadCheckpoint(path, { model: c.model, optimizer: c.opt, scheduler: c.sched });
    for (let i = 0; i < 5; i++) lossesB.push(step(c));
    expect(lossesB).toEqual(lossesA);
    const sa = a.model.stateDict();
    const sc = c.model.stateDict();
    for (const k of Object.keys(sa)) expect(sc[k]!.toArray()).toEqual(sa[k]!.toArray());
  });
});

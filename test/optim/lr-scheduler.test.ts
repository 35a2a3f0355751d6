import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zeros } from '../../src/ops/creation.js';
import {
  Adam,
  ConstantLR,
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  type LRScheduler,
  MultiplicativeLR,
  MultiStepLR,
  OneCycleLR,
  type Optimizer,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  SequentialLR,
  SGD,
  StepLR,
} from '../../src/optim/index.js';

interface Run {
  lrs: number[][];
  momenta: number[][];
}
const ref: {
  schedulers: Record<string, Run>;
  plateau: { metrics: number[]; cases: Record<string, Run> };
} = JSON.parse(readFileSync(new URL('./fixtures/optim-reference.json', import.meta.url), 'utf8'));

/** Same optimiser as the Python reference: two groups with lr 0.1 and 0.15. */
function makeOpt(kind: 'SGD' | 'Adam' = 'SGD', opts: Record<string, unknown> = { momentum: 0.9 }): Optimizer {
  const groups = [0, 1].map((i) => ({
    params: [zeros([1], { requiresGrad: true })],
    lr: (0.1 * (i + 1)) / 2 + 0.05,
  }));
  return kind === 'SGD' ? new SGD(groups, opts) : new Adam(groups, opts);
}

function momenta(opt: Optimizer): number[] {
  return opt.paramGroups.map((g) => (g.betas ? (g.betas as number[])[0]! : (g.momentum as number)));
}

function run(opt: Optimizer, sched: LRScheduler, steps: number): Run {
  const out: Run = { lrs: [sched.getLastLr()], momenta: [momenta(opt)] };
  for (let i = 0; i < steps; i++) {
    opt.step();
    sched.step();
    out.lrs.push(sched.getLastLr());
    out.momenta.push(momenta(opt));
  }
  return out;
}

function expectRun(actual: Run, expected: Run, checkMomenta = false): void {
  expect(actual.lrs.length).toBe(expected.lrs.length);
  for (const [i, row] of actual.lrs.entries()) {
    for (const [j, v] of row.entries()) {
      const e = expected.lrs[i]![j]!;
      if (Math.abs(v - e) > 1e-13 + 1e-12 * Math.abs(e))
        throw new Error(`epoch ${i} group ${j}: lr ${v} != ${e}`);
    }
  }
  if (checkMomenta) {
    for (const [i, row] of actual.momenta.entries()) {
      for (const [j, v] of row.entries()) {
        const e = expected.momenta[i]![j]!;
        if (Math.abs(v - e) > 1e-12) throw new Error(`epoch ${i} group ${j}: momentum ${v} != ${e}`);
      }
    }
  }
}

type Maker = (o: Optimizer) => LRScheduler;
const CASES: Record<string, { make: Maker; steps: number; kind?: 'SGD' | 'Adam'; momenta?: boolean }> = {
  StepLR: { make: (o) => new StepLR(o, { stepSize: 3, gamma: 0.5 }), steps: 10 },
  MultiStepLR: { make: (o) => new MultiStepLR(o, { milestones: [2, 5, 5, 8], gamma: 0.3 }), steps: 10 },
  ExponentialLR: { make: (o) => new ExponentialLR(o, { gamma: 0.9 }), steps: 10 },
  CosineAnnealingLR: { make: (o) => new CosineAnnealingLR(o, { tMax: 10, etaMin: 0.001 }), steps: 25 },
  LinearLR: { make: (o) => new LinearLR(o, { startFactor: 0.25, endFactor: 1, totalIters: 4 }), steps: 8 },
  LinearLRDecay: {
    make: (o) => new LinearLR(o, { startFactor: 1, endFactor: 0.1, totalIters: 6 }),
    steps: 9,
  },
  LinearLRDefault: { make: (o) => new LinearLR(o), steps: 7 },
  ConstantLR: { make: (o) => new ConstantLR(o, { factor: 0.5, totalIters: 3 }), steps: 6 },
  LambdaLR: { make: (o) => new LambdaLR(o, (e) => 1 / (e + 1)), steps: 6 },
  MultiplicativeLR: { make: (o) => new MultiplicativeLR(o, () => 0.9), steps: 6 },
  OneCycleLR: {
    make: (o) => new OneCycleLR(o, { maxLr: [0.1, 0.2], totalSteps: 20 }),
    steps: 20,
    momenta: true,
  },
  OneCycleLRAdam: {
    make: (o) =>
      new OneCycleLR(o, { maxLr: 0.05, totalSteps: 15, pctStart: 0.25, divFactor: 10, finalDivFactor: 100 }),
    steps: 15,
    kind: 'Adam',
    momenta: true,
  },
  OneCycleLRThreePhase: {
    make: (o) => new OneCycleLR(o, { maxLr: 0.1, epochs: 4, stepsPerEpoch: 5, threePhase: true }),
    steps: 20,
    momenta: true,
  },
  OneCycleLRLinear: {
    make: (o) =>
      new OneCycleLR(o, { maxLr: 0.1, totalSteps: 12, annealStrategy: 'linear', cycleMomentum: false }),
    steps: 12,
    momenta: true,
  },
  SequentialLR: {
    make: (o) =>
      new SequentialLR(
        o,
        [new LinearLR(o, { startFactor: 0.1, totalIters: 3 }), new CosineAnnealingLR(o, { tMax: 7 })],
        [3],
      ),
    steps: 12,
  },
  SequentialLR3: {
    make: (o) =>
      new SequentialLR(
        o,
        [
          new ConstantLR(o, { factor: 0.5, totalIters: 2 }),
          new ExponentialLR(o, { gamma: 0.8 }),
          new StepLR(o, { stepSize: 2, gamma: 0.5 }),
        ],
        [2, 5],
      ),
    steps: 10,
  },
};

describe('schedulers match PyTorch learning-rate sequences', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const opt = makeOpt(c.kind ?? 'SGD', c.kind === 'Adam' ? {} : { momentum: 0.9 });
      const got = run(opt, c.make(opt), c.steps);
      expectRun(got, ref.schedulers[name]!, c.momenta);
    });
  }

  const plateau: Record<string, ReduceLROnPlateauOptions> = {
    minRel: { mode: 'min', patience: 2 },
    minAbsCooldown: {
      mode: 'min',
      patience: 1,
      threshold: 0.01,
      thresholdMode: 'abs',
      cooldown: 2,
      factor: 0.5,
    },
    maxRel: { mode: 'max', patience: 1, factor: 0.5, minLr: [0.01, 0.03] },
    maxAbs: { mode: 'max', patience: 0, threshold: 0.02, thresholdMode: 'abs', minLr: 0.02 },
  };
  for (const [name, opts] of Object.entries(plateau)) {
    it(`ReduceLROnPlateau ${name}`, () => {
      const opt = makeOpt();
      const s = new ReduceLROnPlateau(opt, opts);
      const got: Run = { lrs: [s.getLastLr()], momenta: [] };
      for (const m of ref.plateau.metrics) {
        opt.step();
        s.step(m);
        got.lrs.push(s.getLastLr());
      }
      expectRun(got, ref.plateau.cases[name]!);
    });
  }
});

describe('scheduler state dicts', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name} resumes identically`, () => {
      const optA = makeOpt(c.kind ?? 'SGD', c.kind === 'Adam' ? {} : { momentum: 0.9 });
      const a = c.make(optA);
      const half = Math.floor(c.steps / 2);
      for (let i = 0; i < half; i++) a.step();
      const sd = JSON.parse(JSON.stringify(a.stateDict()));
      const osd = optA.stateDict();
      const optB = makeOpt(c.kind ?? 'SGD', c.kind === 'Adam' ? {} : { momentum: 0.9 });
      const b = c.make(optB);
      optB.loadStateDict(osd);
      b.loadStateDict(sd);
      expect(b.getLastLr()).toEqual(a.getLastLr());
      for (let i = half; i < c.steps; i++) {
        a.step();
        b.step();
        expect(b.getLastLr()).toEqual(a.getLastLr());
        expect(momenta(optB)).toEqual(momenta(optA));
      }
    });
  }

  it('ReduceLROnPlateau resumes identically', () => {
    const optA = makeOpt();
    const a = new ReduceLROnPlateau(optA, { patience: 1 });
    const ms = ref.plateau.metrics;
    for (let i = 0; i < 6; i++) a.step(ms[i]!);
    const sd = a.stateDict();
    const optB = makeOpt();
    optB.loadStateDict(optA.stateDict());
    const b = new ReduceLROnPlateau(optB, { patience: 1 });
    b.loadStateDict(sd);
    for (let i = 6; i < ms.length; i++) {
      a.step(ms[i]!);
      b.step(ms[i]!);
      expect(b.getLastLr()).toEqual(a.getLastLr());
    }
  });

  it('LambdaLR state dict leaves out the lambdas', () => {
    const s = new LambdaLR(makeOpt(), (e) => e);
    expect(Object.keys(s.stateDict())).not.toContain('lrLambdas');
    expect(s.stateDict()).toMatchObject({ lastEpoch: 0, baseLrs: [0.1, 0.15000000000000002] });
  });
});

describe('scheduler errors', () => {
  it('validates arguments', () => {
    const o = makeOpt();
    expect(() => new OneCycleLR(o, { maxLr: 0.1 })).toThrow(/totalSteps/);
    const s = new OneCycleLR(makeOpt(), { maxLr: 0.1, totalSteps: 2 });
    s.step();
    s.step();
    expect(() => s.step()).toThrow(/total steps/);
    expect(() => new ReduceLROnPlateau(o, { factor: 1 })).toThrow(/factor/);
    expect(() => new SequentialLR(o, [new StepLR(o, { stepSize: 1 })], [1])).toThrow(/milestone/);
    expect(() => new StepLR(makeOpt(), { stepSize: 2, lastEpoch: 3 })).toThrow(/initialLr/);
  });
});

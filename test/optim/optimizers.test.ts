import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { noGrad } from '../../src/autograd/mode.js';
import type { DType } from '../../src/core/dtype.js';
import { Tensor } from '../../src/core/tensor.js';
import { tensor, zeros } from '../../src/ops/creation.js';
import { Adagrad, Adam, AdamW, type Optimizer, RMSprop, SGD } from '../../src/optim/index.js';

interface Ref {
  torch: string;
  steps: number;
  init: Record<'p0' | 'c0' | 'd0' | 'offset0', number[]> & Record<'p1' | 'c1' | 'd1', number[][]>;
  optimizers: {
    optimizer: string;
    options: Record<string, unknown>;
    dtype: DType;
    trajectory: number[][][];
  }[];
  groups: {
    optimizer: string;
    options: Record<string, unknown>;
    groups: Record<string, unknown>[];
    trajectory: number[][][];
  }[];
}

const ref: Ref = JSON.parse(
  readFileSync(new URL('./fixtures/optim-reference.json', import.meta.url), 'utf8'),
);

const CTORS: Record<string, new (params: never, opts: never) => Optimizer> = {
  SGD: SGD as never,
  Adam: Adam as never,
  AdamW: AdamW as never,
  RMSprop: RMSprop as never,
  Adagrad: Adagrad as never,
};

function make(name: string, params: unknown, opts: Record<string, unknown>): Optimizer {
  return new CTORS[name]!(params as never, opts as never);
}

/** g = c·p + d·p³ + offset, evaluated in the same operation order as the Python reference. */
function setGrads(ps: Tensor[], dtype: DType): void {
  const cs = [ref.init.c0, ref.init.c1.flat()];
  const ds = [ref.init.d0, ref.init.d1.flat()];
  const os = [ref.init.offset0, [0, 0, 0, 0, 0, 0]];
  ps.forEach((p, k) => {
    const x = p.dataSync();
    const g = dtype === 'float64' ? new Float64Array(x.length) : new Float32Array(x.length);
    const r = dtype === 'float64' ? (v: number) => v : Math.fround;
    for (let i = 0; i < x.length; i++) {
      const c = r(cs[k]![i]!);
      const d = r(ds[k]![i]!);
      const o = r(os[k]![i]!);
      const xi = x[i]!;
      g[i] = r(r(r(c * xi) + r(r(r(d * xi) * xi) * xi)) + o);
    }
    p.grad = Tensor._fromData(g, p.shape, dtype);
  });
}

function params(dtype: DType): Tensor[] {
  return [
    tensor(ref.init.p0, { dtype, requiresGrad: true }),
    tensor(ref.init.p1, { dtype, requiresGrad: true }),
  ];
}

function expectClose(actual: number[], expected: number[], rtol: number, atol: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i]!;
    const err = Math.abs(actual[i]! - e);
    if (!(err <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, expected ${e} (err ${err})`);
    }
  }
}

describe(`optimisers match PyTorch ${ref.torch} trajectories`, () => {
  for (const c of ref.optimizers) {
    const tol = c.dtype === 'float64' ? { rtol: 1e-12, atol: 1e-14 } : { rtol: 2e-5, atol: 2e-6 };
    it(`${c.optimizer} ${JSON.stringify(c.options)} ${c.dtype}`, () => {
      const ps = params(c.dtype);
      const opt = make(c.optimizer, ps, c.options);
      for (let s = 0; s < ref.steps; s++) {
        setGrads(ps, c.dtype);
        opt.step();
        const [e0, e1] = c.trajectory[s]!;
        expectClose([...ps[0]!.dataSync()], e0 as unknown as number[], tol.rtol, tol.atol, `step ${s} p0`);
        expectClose(
          [...ps[1]!.dataSync()],
          (e1 as unknown as number[][]).flat(),
          tol.rtol,
          tol.atol,
          `step ${s} p1`,
        );
      }
    });
  }

  for (const c of ref.groups) {
    it(`${c.optimizer} with param groups ${JSON.stringify(c.groups)}`, () => {
      const ps = params('float64');
      const opt = make(
        c.optimizer,
        [
          { params: [ps[0]], ...c.groups[0] },
          { params: [ps[1]], ...c.groups[1] },
        ],
        c.options,
      );
      for (let s = 0; s < ref.steps; s++) {
        setGrads(ps, 'float64');
        opt.step();
        const [e0, e1] = c.trajectory[s]!;
        expectClose([...ps[0]!.dataSync()], e0 as unknown as number[], 1e-12, 1e-14, `step ${s} p0`);
        expectClose(
          [...ps[1]!.dataSync()],
          (e1 as unknown as number[][]).flat(),
          1e-12,
          1e-14,
          `step ${s} p1`,
        );
      }
    });
  }
});

describe('state dict round trip continues identically', () => {
  const cases = ref.optimizers.filter((c) => c.dtype === 'float64');
  for (const c of cases) {
    it(`${c.optimizer} ${JSON.stringify(c.options)}`, () => {
      const a = params('float64');
      const optA = make(c.optimizer, a, c.options);
      for (let s = 0; s < 3; s++) {
        setGrads(a, 'float64');
        optA.step();
      }
      const sd = optA.stateDict();
      // JSON part is serialisable.
      JSON.stringify({ ...sd, state: {} });
      const b = a.map((p) => tensor(p.dataSync(), { dtype: 'float64', shape: p.shape, requiresGrad: true }));
      const optB = make(c.optimizer, b, {});
      optB.loadStateDict(sd);
      for (let s = 0; s < 4; s++) {
        setGrads(a, 'float64');
        optA.step();
        setGrads(b, 'float64');
        optB.step();
      }
      for (let k = 0; k < 2; k++) expect([...b[k]!.dataSync()]).toEqual([...a[k]!.dataSync()]);
    });
  }

  it('stateDict snapshots tensors and uses indices', () => {
    const a = params('float64');
    const opt = new Adam(a, { lr: 0.1 });
    setGrads(a, 'float64');
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(sd.paramGroups[0]!.params).toEqual([0, 1]);
    expect(sd.paramGroups[0]!.lr).toBe(0.1);
    expect(sd.state['0']!.step).toBe(1);
    const before = (sd.state['0']!.expAvg as Tensor).dataSync();
    setGrads(a, 'float64');
    opt.step();
    expect((sd.state['0']!.expAvg as Tensor).dataSync()).toEqual(before);
  });

  it('loadStateDict restores group hyper-parameters and checks sizes', () => {
    const a = params('float64');
    const opt = new SGD(a, { lr: 0.5, momentum: 0.9 });
    const sd = opt.stateDict();
    const other = new SGD(params('float64'), { lr: 0.1 });
    other.loadStateDict(sd);
    expect(other.paramGroups[0]!.lr).toBe(0.5);
    expect(other.paramGroups[0]!.momentum).toBe(0.9);
    const wrong = new SGD([params('float64')[0]!], { lr: 0.1 });
    expect(() => wrong.loadStateDict(sd)).toThrow(/parameters/);
  });
});

describe('optimiser behaviour', () => {
  const quadratic = (name: string, opts: Record<string, unknown>, steps: number) => {
    // f(x) = Σ a_i (x_i − t_i)², minimum at t.
    const t = [1, -2, 0.5, 3];
    const a = [1, 2, 0.5, 1.5];
    const x = zeros([4], { requiresGrad: true });
    const opt = make(name, [x], opts);
    for (let s = 0; s < steps; s++) {
      opt.zeroGrad();
      const loss = x.sub(tensor(t)).square().mul(tensor(a)).sum();
      loss.backward();
      opt.step();
    }
    const v = x.dataSync();
    for (let i = 0; i < 4; i++) expect(Math.abs(v[i]! - t[i]!)).toBeLessThan(1e-2);
  };
  it('SGD minimises a quadratic', () => quadratic('SGD', { lr: 0.1, momentum: 0.9, nesterov: true }, 200));
  it('Adam minimises a quadratic', () => quadratic('Adam', { lr: 0.05 }, 600));
  it('AdamW minimises a quadratic', () => quadratic('AdamW', { lr: 0.05, weightDecay: 0 }, 600));
  it('RMSprop minimises a quadratic', () => quadratic('RMSprop', { lr: 0.01, centered: true }, 800));
  it('Adagrad minimises a quadratic', () => quadratic('Adagrad', { lr: 0.5 }, 600));

  it('has PyTorch defaults', () => {
    const p = [zeros([1], { requiresGrad: true })];
    expect(new SGD(p).defaults).toEqual({
      lr: 1e-3,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
    });
    expect(new Adam(p).defaults).toEqual({
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
    });
    expect(new AdamW(p).defaults.weightDecay).toBe(0.01);
    expect(new RMSprop(p).defaults).toMatchObject({ lr: 1e-2, alpha: 0.99, eps: 1e-8 });
    expect(new Adagrad(p).defaults).toMatchObject({ lr: 1e-2, eps: 1e-10, initialAccumulatorValue: 0 });
  });

  it('skips parameters without gradients and validates arguments', () => {
    const a = zeros([2], { requiresGrad: true });
    const b = tensor([1, 2], { requiresGrad: true });
    const opt = new SGD([a, b], { lr: 0.1 });
    a.grad = tensor([1, 1]);
    opt.step();
    expect([...a.dataSync()]).toEqual([-0.1, -0.1].map(Math.fround));
    expect([...b.dataSync()]).toEqual([1, 2]);
    expect(() => new SGD([], {})).toThrow(/empty/);
    expect(() => new SGD([a], { lr: -1 })).toThrow(/learning rate/);
    expect(() => new SGD([a], { nesterov: true })).toThrow(/Nesterov/);
    expect(() => new Adam([a], { betas: [1, 0.9] })).toThrow(/beta/);
    expect(() => new SGD([{ params: [a] }, { params: [a] }])).toThrow(/more than one/);
    expect(() => new SGD([a.mul(2)])).toThrow(/non-leaf/);
  });

  it('zeroGrad sets to null or fills zeros', () => {
    const a = zeros([3], { requiresGrad: true });
    const opt = new SGD([a], { lr: 0.1 });
    a.grad = tensor([1, 2, 3]);
    const g = a.grad;
    opt.zeroGrad({ setToNone: false });
    expect(a.grad).toBe(g);
    expect([...a.grad!.dataSync()]).toEqual([0, 0, 0]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('bumps the storage version and updates strided parameters', () => {
    const base = zeros([2, 3], { requiresGrad: false });
    const view = noGrad(() => base.transpose(0, 1)); // [3,2], non-contiguous
    view.requiresGrad_(true);
    const opt = new SGD([view], { lr: 1 });
    view.grad = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const v0 = view.version;
    opt.step();
    expect(view.version).toBe(v0 + 1);
    expect(view.toArray()).toEqual([
      [-1, -2],
      [-3, -4],
      [-5, -6],
    ]);
    expect(base.toArray()).toEqual([
      [-1, -3, -5],
      [-2, -4, -6],
    ]);
  });

  it('addParamGroup and closures', () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    const opt = new SGD([a], { lr: 0.1 });
    opt.addParamGroup({ params: [b], lr: 1 });
    expect(opt.paramGroups.length).toBe(2);
    expect(opt.paramGroups[1]!.lr).toBe(1);
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = a.add(b).sum();
      l.backward();
      return l;
    });
    expect(loss).toBe(2);
    expect(a.item()).toBeCloseTo(0.9, 6);
    expect(b.item()).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { noGrad } from '../../src/autograd/mode.js';
import type { Tensor } from '../../src/core/tensor.js';
import { functionalCall, Module, StateDictError } from '../../src/nn/module.js';
import { Parameter } from '../../src/nn/parameter.js';
import { add, mul } from '../../src/ops/binary.js';
import { arange, ones, scalar, tensor, zeros } from '../../src/ops/creation.js';
import { matmul } from '../../src/ops/matmul.js';
import { sum } from '../../src/ops/reduce.js';
import { randn } from '../../src/random/index.js';
import { randomKey } from '../../src/random/key.js';

/** A layer written with plain ops (no functional dependency). */
class Affine extends Module {
  weight: Parameter;
  bias: Parameter | null;
  declare runningCount: Tensor | null;
  declare scratch: Tensor | null;
  constructor(
    readonly inF: number,
    readonly outF: number,
    bias = true,
  ) {
    super();
    this.weight = new Parameter(randn([outF, inF], { key: randomKey(inF * 100 + outF) }));
    this.bias = bias ? new Parameter(zeros([outF])) : null;
    this.registerBuffer('runningCount', scalar(0, { dtype: 'int32' }));
    this.registerBuffer('scratch', zeros([outF]), { persistent: false });
  }
  forward(x: Tensor): Tensor {
    const y = matmul(x, this.weight.T);
    return this.bias ? add(y, this.bias) : y;
  }
  override extraRepr(): string {
    return `${this.inF}, ${this.outF}`;
  }
}

class Net extends Module {
  fc1 = new Affine(3, 4);
  fc2 = new Affine(4, 2, false);
  blocks = [new Affine(2, 2), new Affine(2, 2)];
  scale = new Parameter(ones([1]));
  forward(x: Tensor): Tensor {
    let y = this.fc2.forward(this.fc1.forward(x));
    for (const b of this.blocks) y = b.forward(y);
    return mul(y, this.scale);
  }
}

describe('Parameter', () => {
  it('is a leaf requiring grad that shares storage with a dense tensor', () => {
    const t = zeros([2, 3]);
    const p = new Parameter(t);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(p._storage).toBe(t._storage);
    expect(new Parameter(t, false).requiresGrad).toBe(false);
    expect(p.toString()).toMatch(/^Parameter containing:\ntensor/);
  });

  it('copies a strided view', () => {
    const t = arange(6, undefined, 1, { dtype: 'float32' }).reshape(2, 3).T;
    const p = new Parameter(t);
    expect(p._storage).not.toBe(t._storage);
    expect(p.isContiguous).toBe(true);
    expect(p.toArray()).toEqual(t.toArray());
  });

  it('refuses requiresGrad on integer tensors', () => {
    expect(() => new Parameter(zeros([2], { dtype: 'int32' }))).toThrow(/floating/);
    expect(new Parameter(zeros([2], { dtype: 'int32' }), false).requiresGrad).toBe(false);
  });
});

describe('Module discovery', () => {
  it('finds parameters with dotted names in definition order', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'scale',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'blocks.0.weight',
      'blocks.0.bias',
      'blocks.1.weight',
      'blocks.1.bias',
    ]);
    expect(net.parameters({ recurse: false })).toEqual([net.scale]);
    expect(net.numParameters()).toBe(1 + 12 + 4 + 8 + 2 * (4 + 2));
  });

  it('numParameters counts elements, shared parameters once', () => {
    const a = new Affine(3, 4);
    expect(a.numParameters()).toBe(16);
    a.bias!.requiresGrad_(false);
    expect(a.numParameters({ onlyTrainable: true })).toBe(12);
    class Tied extends Module {
      a = new Affine(2, 2);
      b = new Affine(2, 2);
      constructor() {
        super();
        this.b.weight = this.a.weight;
      }
      forward(x: Tensor) {
        return this.b.forward(this.a.forward(x));
      }
    }
    const t = new Tied();
    expect(t.parameters().length).toBe(3);
    expect(t.namedParameters({ removeDuplicate: false }).length).toBe(4);
    expect(Object.keys(t.stateDict())).toEqual([
      'a.weight',
      'a.bias',
      'a.runningCount',
      'b.weight',
      'b.bias',
      'b.runningCount',
    ]);
  });

  it('lists children, modules and buffers', () => {
    const net = new Net();
    expect(net.namedChildren().map(([n]) => n)).toEqual(['fc1', 'fc2', 'blocks.0', 'blocks.1']);
    expect(net.children()[0]).toBe(net.fc1);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'fc1', 'fc2', 'blocks.0', 'blocks.1']);
    expect(net.modules()[0]).toBe(net);
    expect(net.namedBuffers().map(([n]) => n)).toEqual([
      'fc1.runningCount',
      'fc1.scratch',
      'fc2.runningCount',
      'fc2.scratch',
      'blocks.0.runningCount',
      'blocks.0.scratch',
      'blocks.1.runningCount',
      'blocks.1.scratch',
    ]);
    expect(net.fc1.buffers({ recurse: false }).length).toBe(2);
    expect(net.getSubmodule('blocks.1')).toBe(net.blocks[1]);
    expect(net.getParameter('fc1.weight')).toBe(net.fc1.weight);
    expect(net.getParameter('blocks.1.bias')).toBe(net.blocks[1]!.bias);
    expect(() => net.getSubmodule('nope')).toThrow(/no submodule 'nope'/);
  });

  it('buffers are properties; assigning replaces them, null slots are skipped', () => {
    const a = new Affine(2, 2);
    const t = scalar(5, { dtype: 'int32' });
    a.runningCount = t;
    expect(a.stateDict()['runningCount']).toBeDefined();
    expect(a.stateDict()['runningCount']!.item()).toBe(5);
    a.runningCount = null;
    expect(a.buffers().length).toBe(1);
    expect('runningCount' in a.stateDict()).toBe(false);
  });

  it('validates registrations', () => {
    const a = new Affine(2, 2);
    expect(() => a.registerBuffer('a.b', zeros([1]))).toThrow(/without '\.'/);
    expect(() => a.registerBuffer('weight', zeros([1]))).toThrow(/already exists/);
    expect(() => a.registerBuffer('p', new Parameter(zeros([1])))).toThrow(/Parameter/);
    a.registerParameter('extra', new Parameter(zeros([1])));
    expect(a.namedParameters().map(([n]) => n)).toContain('extra');
    expect(() => a.registerParameter('runningCount', new Parameter(zeros([1])))).toThrow(/buffer/);
  });
});

describe('train / eval / apply', () => {
  it('propagates the mode to every submodule', () => {
    const net = new Net();
    expect(net.training).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.fc1.train(false);
    expect([net.training, net.fc1.training, net.fc2.training]).toEqual([true, false, true]);
  });

  it('apply visits children first, then the module', () => {
    const net = new Net();
    const order: string[] = [];
    net.apply((m) => order.push(m.constructor.name));
    expect(order).toEqual(['Affine', 'Affine', 'Affine', 'Affine', 'Net']);
  });
});

describe('stateDict / loadStateDict', () => {
  it('holds parameters and persistent buffers, detached, in registration order', () => {
    const net = new Net();
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual([
      'scale',
      'fc1.weight',
      'fc1.bias',
      'fc1.runningCount',
      'fc2.weight',
      'fc2.runningCount',
      'blocks.0.weight',
      'blocks.0.bias',
      'blocks.0.runningCount',
      'blocks.1.weight',
      'blocks.1.bias',
      'blocks.1.runningCount',
    ]);
    expect(sd['fc1.weight']!.requiresGrad).toBe(false);
    expect(sd['fc1.weight']).not.toBe(net.fc1.weight);
    expect(sd['fc1.weight']!._storage).toBe(net.fc1.weight._storage);
  });

  it('round-trips into another instance, in place', () => {
    const a = new Net();
    const b = new Net();
    noGrad(() => {
      for (const p of b.parameters()) p._storage.data.fill(0.5);
    });
    const w = b.fc1.weight;
    const snapshot = Object.fromEntries(Object.entries(a.stateDict()).map(([k, v]) => [k, v.clone()]));
    const res = b.loadStateDict(snapshot);
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.fc1.weight).toBe(w);
    for (const [k, v] of Object.entries(a.stateDict()))
      expect(b.stateDict()[k]!.toArray()).toEqual(v.toArray());
    const x = randn([5, 3]);
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
  });

  it('converts dtypes when loading', () => {
    const a = new Affine(2, 3);
    const sd = Object.fromEntries(
      Object.entries(a.stateDict()).map(([k, v]) => [k, v.to(v.dtype === 'int32' ? 'int32' : 'float64')]),
    );
    const b = new Affine(2, 3);
    b.loadStateDict(sd);
    expect(b.weight.dtype).toBe('float32');
    expect(b.weight.toArray()).toEqual(a.weight.toArray());
  });

  it('strict mode reports missing and unexpected keys in one error, copying nothing', () => {
    const a = new Affine(2, 3);
    const before = a.weight.toArray();
    const sd = a.stateDict();
    const bad: Record<string, Tensor> = { weight: zeros([3, 2]), extra: zeros([1]), other: zeros([1]) };
    let err: unknown;
    try {
      a.loadStateDict(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    const e = err as StateDictError;
    expect(e.missingKeys).toEqual(['bias', 'runningCount']);
    expect(e.unexpectedKeys).toEqual(['extra', 'other']);
    expect(e.message).toMatch(/missing keys: 'bias', 'runningCount'/);
    expect(e.message).toMatch(/unexpected keys: 'extra', 'other'/);
    expect(a.weight.toArray()).toEqual(before);
    expect(Object.keys(sd).length).toBe(3);
  });

  it('non-strict mode returns the mismatched keys and loads the rest', () => {
    const a = new Affine(2, 3);
    const res = a.loadStateDict({ weight: ones([3, 2]), extra: zeros([1]) }, { strict: false });
    expect(res).toEqual({ missingKeys: ['bias', 'runningCount'], unexpectedKeys: ['extra'] });
    expect(a.weight.toArray()).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
  });

  it('shape mismatches are errors naming the key and both shapes, even when not strict', () => {
    const a = new Affine(2, 3);
    const sd = { ...a.stateDict(), weight: zeros([2, 3]) };
    expect(() => a.loadStateDict(sd, { strict: false })).toThrow(
      /size mismatch for 'weight': shape \[2,3\] in the state dict, \[3,2\] in the model/,
    );
  });
});

describe('to / zeroGrad / toString / functionalCall', () => {
  it('to(dtype) casts floating tensors in place, keeping identity', () => {
    const net = new Net();
    const w = net.fc1.weight;
    const vals = w.toArray();
    sum(net.forward(randn([2, 3]))).backward();
    net.to('float64');
    expect(net.fc1.weight).toBe(w);
    expect(w.dtype).toBe('float64');
    expect(w._storage.data).toBeInstanceOf(Float64Array);
    expect(w.grad!.dtype).toBe('float64');
    expect(w.toArray()).toEqual(vals);
    expect(net.fc1.runningCount!.dtype).toBe('int32');
    expect(net.fc1.scratch!.dtype).toBe('float64');
    expect(net.forward(randn([2, 3], { dtype: 'float64' })).dtype).toBe('float64');
    expect(() => net.to('int32')).toThrow(/floating/);
    net.float();
    expect(w.dtype).toBe('float32');
  });

  it('zeroGrad sets grads to null or zeros', () => {
    const net = new Net();
    sum(net.forward(randn([2, 3]))).backward();
    expect(net.fc1.weight.grad).not.toBeNull();
    net.zeroGrad({ setToNone: false });
    expect(net.fc1.weight.grad!.toArray()).toEqual(zeros([4, 3]).toArray());
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('requiresGrad_ freezes parameters', () => {
    const net = new Net();
    net.fc1.requiresGrad_(false);
    expect(net.fc1.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(net.numParameters({ onlyTrainable: true })).toBe(net.numParameters() - 16);
  });

  it('prints the tree like PyTorch', () => {
    const net = new Net();
    expect(net.toString()).toBe(
      [
        'Net(',
        '  (fc1): Affine(3, 4)',
        '  (fc2): Affine(4, 2)',
        '  (blocks.0): Affine(2, 2)',
        '  (blocks.1): Affine(2, 2)',
        ')',
      ].join('\n'),
    );
    class Outer extends Module {
      inner = new Net();
      forward(x: Tensor) {
        return this.inner.forward(x);
      }
    }
    expect(new Outer().toString()).toBe(
      [
        'Outer(',
        '  (inner): Net(',
        '    (fc1): Affine(3, 4)',
        '    (fc2): Affine(4, 2)',
        '    (blocks.0): Affine(2, 2)',
        '    (blocks.1): Affine(2, 2)',
        '  )',
        ')',
      ].join('\n'),
    );
  });

  it('functionalCall substitutes tensors and restores the module', () => {
    const a = new Affine(2, 2);
    const w = a.weight;
    const x = tensor([[1, 2]]);
    const y = functionalCall(a, { weight: ones([2, 2]), bias: tensor([10, 20]) }, x);
    expect(y.toArray()).toEqual([[13, 23]]);
    expect(a.weight).toBe(w);
    expect(() => functionalCall(a, { nope: ones([1]) }, x)).toThrow(/not a parameter or buffer/);
    expect(a.weight).toBe(w);
  });
});

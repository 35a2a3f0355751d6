import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/tensor.js';
import { Linear, ModuleDict, ModuleList, ReLU, Sequential, Tanh } from '../../src/nn/index.js';
import { type AnyModule, Module } from '../../src/nn/module.js';
import { randn } from '../../src/random/index.js';

describe('Sequential', () => {
  it('chains modules and names them by position', () => {
    const a = new Linear(3, 4);
    const r = new ReLU();
    const b = new Linear(4, 2);
    const seq = new Sequential(a, r, b);
    const x = randn([5, 3]);
    expect(seq.forward(x).toArray()).toEqual(b.forward(r.forward(a.forward(x))).toArray());
    expect(seq.length).toBe(3);
    expect(seq.get(0)).toBe(a);
    expect(seq.get(-1)).toBe(b);
    expect(() => seq.get(3)).toThrow(/out of range/);
    expect([...seq]).toEqual([a, r, b]);
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(seq.toString()).toBe(
      [
        'Sequential(',
        '  (0): Linear(inFeatures=3, outFeatures=4, bias=true)',
        '  (1): ReLU()',
        '  (2): Linear(inFeatures=4, outFeatures=2, bias=true)',
        ')',
      ].join('\n'),
    );
    const head = seq.slice(0, 2);
    expect(head.length).toBe(2);
    expect(head.get(1)).toBe(r);
    seq.append(new Tanh());
    expect(seq.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2', '3']);
    seq.eval();
    expect(a.training).toBe(false);
  });

  it('accepts named modules', () => {
    const seq = new Sequential(
      new Map<string, Module>([
        ['fc', new Linear(2, 2)],
        ['act', new ReLU()],
      ]),
    );
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['fc.weight', 'fc.bias']);
    expect(seq.forward(randn([1, 2])).shape).toEqual([1, 2]);
    expect(seq.getSubmodule('fc')).toBe(seq.get(0));
    expect(() => seq.add('fc', new ReLU())).toThrow(/duplicate/);
  });
});

describe('ModuleList', () => {
  it('registers its modules and supports list operations', () => {
    const list = new ModuleList([new Linear(2, 2), new Linear(2, 3)]);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    list.append(new Linear(3, 1));
    list.insert(0, new Linear(2, 2, { bias: false }));
    expect(list.length).toBe(4);
    expect(list.namedParameters().map(([n]) => n)[0]).toBe('0.weight');
    expect(list.namedParameters().length).toBe(7);
    const popped = list.pop();
    expect(popped).toBeInstanceOf(Linear);
    expect(list.length).toBe(3);
    expect(() => list.forward()).toThrow(/no forward/);
    expect(() => list.append({} as Linear)).toThrow(/expected a Module/);

    class Stack extends Module {
      layers = new ModuleList<Linear>([new Linear(4, 4), new Linear(4, 4)]);
      forward(x: Tensor): Tensor {
        for (const l of this.layers) x = l.forward(x);
        return x;
      }
    }
    const s = new Stack();
    expect(s.namedParameters().map(([n]) => n)).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
    ]);
    expect(s.forward(randn([2, 4])).shape).toEqual([2, 4]);
    expect(s.getParameter('layers.1.bias')).toBe(s.layers.get(1).bias);
    expect(s.toString()).toContain('  (layers): ModuleList(\n    (0): Linear');
  });
});

describe('ModuleDict', () => {
  it('registers modules by key in insertion order', () => {
    const d = new ModuleDict<AnyModule>({ enc: new Linear(2, 3), dec: new Linear(3, 2) });
    expect(d.keys()).toEqual(['enc', 'dec']);
    expect(d.namedParameters().map(([n]) => n)).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    d.set('act', new ReLU());
    expect(d.size).toBe(3);
    expect(d.has('act')).toBe(true);
    expect(d.get('enc')).toBeInstanceOf(Linear);
    expect(d.delete('enc')).toBe(true);
    expect(d.keys()).toEqual(['dec', 'act']);
    expect(() => d.get('enc')).toThrow(/no module 'enc'/);
    expect(() => d.set('a.b', new ReLU())).toThrow(/without '\.'/);
    expect([...d].map(([k]) => k)).toEqual(['dec', 'act']);
    const fromPairs = new ModuleDict([
      ['b', new ReLU()],
      ['a', new ReLU()],
    ]);
    expect(fromPairs.keys()).toEqual(['b', 'a']);
  });
});

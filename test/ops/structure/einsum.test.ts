import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck } from '../../../src/autograd/gradcheck.js';
import { ArgumentError, ShapeError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/core/tensor.js';
import { tensor } from '../../../src/ops/creation.js';
import { einsum } from '../../../src/ops/structure.js';

function data(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);
  return tensor(v, { dtype: 'float64', shape });
}

/** Reads element `idx` of a tensor (row-major). */
function at(t: Tensor, idx: number[]): number {
  const d = t._contiguousData();
  let off = 0;
  for (let k = 0; k < idx.length; k++) off = off * t.shape[k]! + idx[k]!;
  return d[off]!;
}

/**
 * Brute-force einsum over letter-only subscripts with explicit output: loops over
 * every assignment of every label.
 */
function reference(eq: string, ...ops: Tensor[]): { shape: number[]; values: number[] } {
  const [lhs, out] = eq.split('->') as [string, string];
  const terms = lhs.split(',');
  const size = new Map<string, number>();
  terms.forEach((t, i) => {
    [...t].forEach((c, d) => {
      size.set(c, ops[i]!.shape[d]!);
    });
  });
  const labels = [...size.keys()];
  const outShape = [...out].map((c) => size.get(c)!);
  const values = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(0);
  const assign = new Map<string, number>();
  const rec = (k: number) => {
    if (k === labels.length) {
      let p = 1;
      terms.forEach((t, i) => {
        p *= at(
          ops[i]!,
          [...t].map((c) => assign.get(c)!),
        );
      });
      let off = 0;
      for (const c of out) off = off * size.get(c)! + assign.get(c)!;
      values[off]! += p;
      return;
    }
    for (let v = 0; v < size.get(labels[k]!)!; v++) {
      assign.set(labels[k]!, v);
      rec(k + 1);
    }
  };
  rec(0);
  return { shape: outShape, values };
}

function expectClose(y: Tensor, ref: { shape: number[]; values: number[] }): void {
  expect(y.shape).toEqual(ref.shape);
  const d = y._contiguousData();
  ref.values.forEach((v, i) => {
    expect(d[i]).toBeCloseTo(v, 10);
  });
}

const cases: [string, number[][]][] = [
  [
    'ij,jk->ik',
    [
      [3, 4],
      [4, 5],
    ],
  ],
  [
    'bij,bjk->bik',
    [
      [2, 3, 4],
      [2, 4, 2],
    ],
  ],
  ['ii->', [[4, 4]]],
  ['ii->i', [[4, 4]]],
  ['ij->ji', [[3, 4]]],
  ['ij->', [[3, 4]]],
  ['ij->j', [[3, 4]]],
  ['i,i->', [[5], [5]]],
  ['i,j->ij', [[3], [4]]],
  [
    'bhqd,bhkd->bhqk',
    [
      [2, 2, 3, 4],
      [2, 2, 5, 4],
    ],
  ],
  [
    'ijk,ikl,ilm->ijm',
    [
      [2, 3, 4],
      [2, 4, 3],
      [2, 3, 2],
    ],
  ],
  [
    'ij,jk,kl->il',
    [
      [2, 3],
      [3, 4],
      [4, 2],
    ],
  ],
  [
    'ij,ij->ij',
    [
      [3, 4],
      [3, 4],
    ],
  ],
  [
    'ij,kj->ik',
    [
      [3, 4],
      [2, 4],
    ],
  ],
  [
    'iij,jk->ik',
    [
      [3, 3, 2],
      [2, 4],
    ],
  ],
  ['ijk->kji', [[2, 3, 4]]],
  [
    'ab,bc->',
    [
      [2, 3],
      [3, 2],
    ],
  ],
  [
    'ab,cd->abcd',
    [
      [2, 2],
      [3, 1],
    ],
  ],
  ['abc,c->ab', [[2, 3, 4], [4]]],
  [
    'bn,anm,bm->ba',
    [
      [2, 3],
      [4, 3, 2],
      [2, 2],
    ],
  ],
];

describe('einsum', () => {
  for (const [eq, shapes] of cases) {
    it(`${eq} matches explicit loops`, () => {
      const ops = shapes.map((s, i) => data(s, i + 1));
      expectClose(einsum(eq, ...ops), reference(eq, ...ops));
    });
  }

  it('implicit output: letters appearing once, sorted', () => {
    const a = data([3, 4]);
    const b = data([4, 5], 2);
    expectClose(einsum('ij,jk', a, b), reference('ij,jk->ik', a, b));
    expectClose(einsum('ji', a), reference('ji->ij', a));
    expectClose(einsum('ii', data([3, 3])), reference('ii->', data([3, 3])));
    expectClose(
      einsum('Ba,aB', data([2, 3]), data([3, 2], 2)),
      reference('Ba,aB->', data([2, 3]), data([3, 2], 2)),
    );
    expect(einsum('bi,ai', data([2, 3]), data([4, 3])).shape).toEqual([4, 2]);
    expect(einsum(' i j , j k ', a, b).shape).toEqual([3, 5]);
  });

  it('ellipsis broadcasting', () => {
    const a = data([2, 1, 3, 4]);
    const b = data([5, 4, 2], 2);
    const y = einsum('...ij,...jk->...ik', a, b);
    expect(y.shape).toEqual([2, 5, 3, 2]);
    for (const [p, q] of [
      [0, 0],
      [1, 3],
      [0, 4],
    ] as const) {
      const sub = reference('ij,jk->ik', a.select(0, p).select(0, 0), b.select(0, q));
      const got = y.select(0, p).select(0, q);
      expectClose(got, sub);
    }
    expect(einsum('...ij->...ji', data([2, 3, 4])).shape).toEqual([2, 4, 3]);
    expect(einsum('i...->...', data([3, 2, 2])).shape).toEqual([2, 2]);
    expect(einsum('...,...', data([2, 3]), data([3], 2)).shape).toEqual([2, 3]);
    // explicit output without '...': covered dims are summed
    expect(einsum('...i->i', data([2, 3])).toArray()).toEqual(data([2, 3]).sum(0).toArray());
  });

  it('size-1 dims broadcast against the same label', () => {
    const a = data([1, 4]);
    const b = data([3, 4], 2);
    expectClose(einsum('ij,ij->ij', a, b), reference('ij,ij->ij', a.expand(3, 4).contiguous(), b));
  });

  it('errors', () => {
    const a = data([3, 4]);
    expect(() => einsum('ij,jk->ik', a)).toThrow(/einsum: 'ij,jk->ik' names 2 operand\(s\) but 1 were given/);
    expect(() => einsum('ijk->i', a)).toThrow(
      /einsum: operand 0 has shape \[3,4\] \(2 dims\) but subscripts 'ijk' name 3/,
    );
    expect(() => einsum('ij,jk->ik', a, data([5, 2]))).toThrow(
      /einsum: subscript 'j' has size 5 in operand 1 \[5,2\] but 4 elsewhere/,
    );
    expect(() => einsum('ij->iz', a)).toThrow(/einsum: output subscript 'z' does not appear in the inputs/);
    expect(() => einsum('ij->ii', a)).toThrow(/einsum: output subscript 'i' appears more than once/);
    expect(() => einsum('i1->i', a)).toThrow(ArgumentError);
    expect(() => einsum('ii->i', a)).toThrow(ShapeError);
  });

  it('gradcheck', () => {
    gradcheck((a, b) => einsum('ij,jk->ik', a!, b!), [data([2, 3]), data([3, 2], 2)]);
    gradcheck((a, b) => einsum('bhqd,bhkd->bhqk', a!, b!), [data([1, 2, 2, 3]), data([1, 2, 3, 3], 2)]);
    gradcheck((a) => einsum('ii->i', a!), [data([3, 3])]);
    gradcheck(
      (a, b, c) => einsum('ijk,ikl,ilm->ijm', a!, b!, c!),
      [data([2, 2, 3]), data([2, 3, 2], 2), data([2, 2, 2], 3)],
    );
    gradcheck((a, b) => einsum('...ij,...jk->...ik', a!, b!), [data([2, 1, 2, 3]), data([2, 3, 2], 2)]);
    gradgradcheck((a, b) => einsum('ij,jk->ik', a!, b!), [data([2, 3]), data([3, 2], 2)]);
  });
});

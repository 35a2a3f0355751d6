import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { evalExprColumns, evalWithJacobian } from '../../src/diffeq/symbolic/expr.js';
import {
  evalExpr,
  exprBinary,
  exprComplexity,
  exprConstant,
  exprConstants,
  exprString,
  exprToPolynomial,
  exprToString,
  exprToTensorFn,
  exprVariable,
  optimiseConstants,
  quantiseExpr,
  simplifyExpr,
  symbolicField,
  symbolicRegression,
  symbolicVectorField,
} from '../../src/diffeq/symbolic/index.js';
import { SearchRng } from '../../src/diffeq/symbolic/rng.js';
import { ArgumentError, ShapeError, tensor } from '../../src/index.js';

const x = exprVariable(0);
const y = exprVariable(1);
const names = ['x', 'y'];

describe('expressions', () => {
  it('evaluate, print, count nodes and divide safely', () => {
    const e = exprBinary('-', exprBinary('*', exprConstant(2), x), exprBinary('/', y, exprBinary('-', x, x)));
    expect(exprComplexity(e)).toBe(9);
    expect(exprToString(e, names)).toBe('2 * x - y / (x - x)');
    // Protected division: y / 0 = 1.
    expect(evalExpr(e, [3, 5])).toBe(6 - 1);
    expect(exprToString(exprBinary('-', x, exprBinary('-', y, exprConstant(-1))), names)).toBe(
      'x - (y - (-1))',
    );
  });

  it('simplify folds constants and identities, and expands polynomials', () => {
    const e = exprBinary('+', exprBinary('*', exprConstant(1), x), exprBinary('*', exprConstant(0), y));
    expect(exprToString(simplifyExpr(e), names)).toBe('x');
    const p = exprBinary('*', exprBinary('+', x, exprConstant(2)), exprBinary('-', y, x)); // (x + 2)(y − x)
    expect(exprString(p, names)).toBe('-x^2 + x*y - 2*x + 2*y');
    expect(exprString(exprBinary('/', exprBinary('+', x, y), exprConstant(4)), names)).toBe(
      '0.25*x + 0.25*y',
    );
    expect(exprToPolynomial(exprBinary('/', exprConstant(1), x))).toBeNull();
    expect(exprString(exprBinary('/', exprConstant(1), x), names)).toBe('1 / x');
    expect(exprString(exprBinary('-', x, x), names)).toBe('0');
    const q = quantiseExpr(
      exprBinary('+', exprBinary('*', exprConstant(-0.9987), x), exprBinary('*', exprConstant(1.0031), y)),
      0.01,
    );
    expect(exprString(q, names)).toBe('-x + y');
  });

  it('constant Jacobians match finite differences', () => {
    const e = exprBinary('/', exprBinary('*', exprConstant(1.3), x), exprBinary('+', y, exprConstant(2.1)));
    const cols = [Float64Array.from([0.5, -1, 2]), Float64Array.from([0.1, 0.7, -0.4])];
    const { value, jac } = evalWithJacobian(e, cols, 3);
    expect(Array.from(value)).toEqual(Array.from(evalExprColumns(e, cols, 3)));
    const cs = exprConstants(e);
    cs.forEach((c, k) => {
      const h = 1e-6;
      c.value += h;
      const up = evalExprColumns(e, cols, 3);
      c.value -= 2 * h;
      const dn = evalExprColumns(e, cols, 3);
      c.value += h;
      for (let i = 0; i < 3; i++) expect(jac[k]![i]).toBeCloseTo((up[i]! - dn[i]!) / (2 * h), 6);
    });
  });

  it('Gauss–Newton refinement solves linear least squares in one step and fits nonlinear constants', () => {
    const rng = new SearchRng(5);
    const n = 50;
    const xs = Float64Array.from({ length: n }, () => rng.normal());
    const lin = exprBinary('+', exprBinary('*', exprConstant(0), x), exprConstant(0));
    const t = Float64Array.from(xs, (v) => 2.5 * v - 0.75);
    expect(optimiseConstants(lin, [xs], t, 1)).toBeLessThan(1e-20);
    expect(exprConstants(lin).map((c) => c.value)).toEqual([
      expect.closeTo(2.5, 12),
      expect.closeTo(-0.75, 12),
    ]);
    const pos = Float64Array.from(xs, (v) => Math.abs(v) + 0.5);
    const rat = exprBinary('/', exprConstant(1), exprBinary('+', x, exprConstant(1)));
    const target = Float64Array.from(pos, (v) => 3 / (v + 2));
    expect(optimiseConstants(rat, [pos], target, 30)).toBeLessThan(1e-18);
    expect(exprConstants(rat).map((c) => c.value)).toEqual([expect.closeTo(3, 8), expect.closeTo(2, 8)]);
  });

  it('compiled tensor functions match evaluation and pass gradcheck in constants and inputs', () => {
    const e = exprBinary(
      '+',
      exprBinary('/', exprBinary('*', exprConstant(1.5), x), exprBinary('-', y, exprConstant(3))),
      exprConstant(0.2),
    );
    const params = tensor([1.5, 3, 0.2], { dtype: 'float64' });
    const X = tensor(
      [
        [0.3, 0.7],
        [-1.2, 0.4],
      ],
      { dtype: 'float64' },
    );
    const out = Array.from(exprToTensorFn(e, params)(X).dataSync());
    expect(out[0]).toBeCloseTo(evalExpr(e, [0.3, 0.7]), 14);
    expect(out[1]).toBeCloseTo(evalExpr(e, [-1.2, 0.4]), 14);
    gradcheck((p, xx) => exprToTensorFn(e, p)(xx), [params, X]);
    expect(() => exprToTensorFn(e, tensor([1, 2], { dtype: 'float64' }))).toThrow(ShapeError);
  });
});

describe('symbolicRegression (regularised evolution)', () => {
  // Samples of dx/dt = −x + y, dy/dt = −y at scattered states, with small noise.
  const rng = new SearchRng(11);
  const X: number[][] = [];
  const Y: number[][] = [];
  for (let i = 0; i < 200; i++) {
    const a = 2 * rng.normal();
    const b = 2 * rng.normal();
    X.push([a, b]);
    Y.push([-a + b + 1e-3 * rng.normal(), -b + 1e-3 * rng.normal()]);
  }
  const opts = { names, populations: 4, iterations: 5, cyclesPerIteration: 60, seed: 2 };

  it('recovers dx/dt = −x + y, dy/dt = −y from samples (fixed seed)', () => {
    const r = symbolicVectorField(X, Y, opts);
    const q = r.exprs.map((e) => quantiseExpr(e, 0.01));
    expect(q.map((e) => exprString(e, names))).toEqual(['-x + y', '-y']);
    // Unquantised coefficients are within 0.01 of the truth.
    const truth = [
      new Map([
        ['0^1', -1],
        ['1^1', 1],
      ]),
      new Map([['1^1', -1]]),
    ];
    r.exprs.forEach((e, j) => {
      const p = exprToPolynomial(e)!;
      for (const k of new Set([...p.keys(), ...truth[j]!.keys()]))
        expect(Math.abs((p.get(k) ?? 0) - (truth[j]!.get(k) ?? 0)), `${j}: ${k}`).toBeLessThan(0.01);
    });
    expect(r.fn([0.5, 2])).toEqual([expect.closeTo(1.5, 2), expect.closeTo(-2, 2)]);
    // The callable field, as tensors.
    const { field } = symbolicField(q);
    expect(Array.from(field(tensor([[0.5, 2]], { dtype: 'float64' })).dataSync())).toEqual([1.5, -2]);
  });

  it('returns a Pareto front (complexity up, loss down) and is deterministic for a seed', () => {
    const col = Y.map((r) => r[0]!);
    const a = symbolicRegression(X, col, opts);
    for (let i = 1; i < a.front.length; i++) {
      expect(a.front[i]!.complexity).toBeGreaterThan(a.front[i - 1]!.complexity);
      expect(a.front[i]!.loss).toBeLessThan(a.front[i - 1]!.loss);
    }
    const acc = symbolicRegression(X, col, { ...opts, selection: 'accuracy' });
    expect(acc.best.loss).toBe(Math.min(...acc.front.map((c) => c.loss)));
    const b = symbolicRegression(X, col, opts);
    expect(b.best.string).toBe(a.best.string);
    expect(b.evaluations).toBe(a.evaluations);
  });

  it('rejects bad input', () => {
    expect(() => symbolicRegression(X, [1, 2, 3])).toThrow(
      /^symbolicRegression: y has 3 values but X has 200 samples/,
    );
    expect(() =>
      symbolicRegression(
        X,
        Y.map(() => Number.NaN),
      ),
    ).toThrow(ArgumentError);
    expect(() =>
      symbolicRegression(
        X,
        Y.map((r) => r[0]!),
        { populationSize: 1 },
      ),
    ).toThrow(/populationSize/);
    expect(() => symbolicVectorField(X, Y.slice(0, 10))).toThrow(ShapeError);
  });
});

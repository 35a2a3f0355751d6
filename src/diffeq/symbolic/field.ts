/**
 * Symbolic regression of a whole vector field (one expression per component of dx/dt), as in
 * Kidger's thesis §6.1 / Diffrax's `symbolic_regression` example: sample a fitted model's
 * vector field at visited states, regress each component, and turn the result back into a
 * (differentiable) vector field.
 */
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { stack } from '../../ops/join.js';
import {
  type SymbolicRegressionOptions,
  type SymbolicRegressionResult,
  symbolicRegression,
  toColumns,
} from './evolve.js';
import { type Expr, evalExpr, exprConstantsTensor, exprToTensorFn } from './expr.js';
import { expressionString, exprToPolynomial, polynomialToExpr, quantisePolynomial } from './simplify.js';

/** Result of `symbolicVectorField`. */
export interface SymbolicFieldResult {
  /** One regression per output component. */
  components: SymbolicRegressionResult[];
  /** The selected expressions. */
  exprs: Expr[];
  /** Their strings, e.g. `['-x + y', '-y']`. */
  strings: string[];
  /** The field at one point. */
  fn: (x: readonly number[]) => number[];
}

/**
 * Regresses every column of `Y` (`[n, m]`, e.g. a fitted model's dx/dt) on `X` (`[n, d]`,
 * the states) with `symbolicRegression` (component j uses seed `seed + j`).
 *
 * @example
 * const X = states;                                   // [n, 2] visited states
 * const Y = noGrad(() => model.field.forward(X));     // [n, 2] learnt dx/dt
 * const r = symbolicVectorField(X, Y, { names: ['x', 'y'] });
 * r.strings; // ['-x + y', '-y']
 */
export function symbolicVectorField(
  X: readonly (readonly number[])[] | Tensor,
  Y: readonly (readonly number[])[] | Tensor,
  opts: SymbolicRegressionOptions = {},
): SymbolicFieldResult {
  const op = 'symbolicVectorField';
  const { n } = toColumns(op, X);
  const { cols: ycols, n: ny } = toColumns(op, Y);
  if (ny !== n) throw new ShapeError(`${op}: X has ${n} samples but Y has ${ny}`);
  if (ycols.length === 0) throw new ArgumentError(`${op}: Y has no components`);
  const components = ycols.map((y, j) => symbolicRegression(X, y, { ...opts, seed: (opts.seed ?? 0) + j }));
  const exprs = components.map((c) => c.best.expr);
  return {
    components,
    exprs,
    strings: components.map((c) => c.best.string),
    fn: (x) => exprs.map((e) => evalExpr(e, x)),
  };
}

/**
 * Rounds the constants of polynomial expressions to multiples of `quantum` (the thesis
 * example's `quantise_to = 0.01`); non-polynomial expressions are returned unchanged.
 */
export function quantiseExpr(e: Expr, quantum: number): Expr {
  if (!(quantum > 0)) throw new ArgumentError(`quantiseExpr: quantum must be positive (got ${quantum})`);
  const p = exprToPolynomial(e);
  return p ? polynomialToExpr(quantisePolynomial(p, quantum)) : e;
}

/** The canonical string of an expression (see `expressionString`). */
export function exprString(e: Expr, names?: readonly string[], digits = 5): string {
  return expressionString(e, names, digits);
}

/**
 * A differentiable vector field `y ([..., d]) → [..., m]` from expressions, with their
 * constants as tensors (`params`, one per expression; set `requiresGrad` to fine-tune them,
 * e.g. through an ODE solve).
 */
export function symbolicField(
  exprs: readonly Expr[],
  dtype: 'float32' | 'float64' = 'float64',
): { params: Tensor[]; field: (y: Tensor) => Tensor } {
  const params = exprs.map((e) => exprConstantsTensor(e, dtype));
  const fns = exprs.map((e, i) => exprToTensorFn(e, params[i]!));
  return {
    params,
    field: (y: Tensor) => {
      if (!(y instanceof Tensor) || y.ndim < 1)
        throw new ShapeError(
          `symbolicField: y must be a tensor [..., d] (got ${y instanceof Tensor ? fmtShape(y.shape) : typeof y})`,
        );
      const outs = fns.map((f) => f(y));
      const shape = y.shape.slice(0, -1);
      return stack(
        outs.map((o) => (o.ndim === shape.length ? o : o.expand(...shape))),
        -1,
      );
    },
  };
}

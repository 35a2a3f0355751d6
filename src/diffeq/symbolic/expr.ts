/**
 * Expression trees for symbolic regression: constants, variables and the binary operators
 * +, −, × and protected ÷. Vectorised evaluation (with forward-mode derivatives with
 * respect to the constants, for Gauss–Newton refinement), printing, and compilation to a
 * differentiable tensor function.
 */
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add, div, lt, mul, sub, where } from '../../ops/binary.js';
import { tensor } from '../../ops/creation.js';
import { abs } from '../../ops/unary.js';
import { select } from '../../ops/view.js';

/** A binary operator. `/` is protected: `a / b = 1` where `|b| < PROTECTED_DIVISION_EPS`. */
export type BinaryOp = '+' | '-' | '*' | '/';

/** An expression tree. */
export type Expr =
  | { readonly kind: 'const'; value: number }
  | { readonly kind: 'var'; readonly index: number }
  | { readonly kind: 'op'; readonly op: BinaryOp; left: Expr; right: Expr };

/** Divisors smaller than this in magnitude make protected division return 1. */
export const PROTECTED_DIVISION_EPS = 1e-10;

/** A constant node. */
export const exprConstant = (value: number): Expr => ({ kind: 'const', value });
/** A variable node (`index` into the inputs). */
export const exprVariable = (index: number): Expr => ({ kind: 'var', index });
/** An operator node. */
export const exprBinary = (op: BinaryOp, left: Expr, right: Expr): Expr => ({ kind: 'op', op, left, right });

/** Number of nodes (the complexity measure). */
export function exprComplexity(e: Expr): number {
  return e.kind === 'op' ? 1 + exprComplexity(e.left) + exprComplexity(e.right) : 1;
}

/** Depth (a leaf has depth 1). */
export function depth(e: Expr): number {
  return e.kind === 'op' ? 1 + Math.max(depth(e.left), depth(e.right)) : 1;
}

/** A deep copy. */
export function cloneExpr(e: Expr): Expr {
  if (e.kind === 'const') return exprConstant(e.value);
  if (e.kind === 'var') return exprVariable(e.index);
  return exprBinary(e.op, cloneExpr(e.left), cloneExpr(e.right));
}

/** All nodes in pre-order. */
export function nodes(e: Expr, out: Expr[] = []): Expr[] {
  out.push(e);
  if (e.kind === 'op') {
    nodes(e.left, out);
    nodes(e.right, out);
  }
  return out;
}

/** The constant nodes in pre-order (mutable: set `.value` to change the expression). */
export function exprConstants(e: Expr): Extract<Expr, { kind: 'const' }>[] {
  return nodes(e).filter((n): n is Extract<Expr, { kind: 'const' }> => n.kind === 'const');
}

/** Structural equality (constants compared exactly). */
export function exprEqual(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'const') return a.value === (b as typeof a).value;
  if (a.kind === 'var') return a.index === (b as typeof a).index;
  const o = b as typeof a;
  return a.op === o.op && exprEqual(a.left, o.left) && exprEqual(a.right, o.right);
}

/** Scalar protected division. */
export function pdiv(a: number, b: number): number {
  return Math.abs(b) < PROTECTED_DIVISION_EPS ? 1 : a / b;
}

/** Evaluates at one point. */
export function evalExpr(e: Expr, x: readonly number[]): number {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'var':
      return x[e.index]!;
    default: {
      const a = evalExpr(e.left, x);
      const b = evalExpr(e.right, x);
      if (e.op === '+') return a + b;
      if (e.op === '-') return a - b;
      if (e.op === '*') return a * b;
      return pdiv(a, b);
    }
  }
}

/** Evaluates on `n` points given as columns (`cols[j]` holds variable j). */
export function evalExprColumns(e: Expr, cols: readonly Float64Array[], n: number): Float64Array {
  switch (e.kind) {
    case 'const':
      return new Float64Array(n).fill(e.value);
    case 'var': {
      const c = cols[e.index];
      if (!c)
        throw new ArgumentError(
          `evalExprColumns: variable ${e.index} is out of range (${cols.length} inputs)`,
        );
      return c;
    }
    default: {
      const a = evalExprColumns(e.left, cols, n);
      const b = evalExprColumns(e.right, cols, n);
      const out = new Float64Array(n);
      if (e.op === '+') for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
      else if (e.op === '-') for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
      else if (e.op === '*') for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
      else for (let i = 0; i < n; i++) out[i] = pdiv(a[i]!, b[i]!);
      return out;
    }
  }
}

/**
 * Value and Jacobian with respect to the constants (pre-order), by forward mode:
 * `jac[k]` is ∂value/∂constant_k on the `n` points (null where it does not depend on it).
 */
export function evalWithJacobian(
  e: Expr,
  cols: readonly Float64Array[],
  n: number,
): { value: Float64Array; jac: Float64Array[] } {
  const consts = exprConstants(e);
  const index = new Map(consts.map((c, k) => [c as Expr, k]));
  const K = consts.length;
  const rec = (node: Expr): { v: Float64Array; d: (Float64Array | null)[] } => {
    if (node.kind === 'const') {
      const d = new Array<Float64Array | null>(K).fill(null);
      d[index.get(node)!] = new Float64Array(n).fill(1);
      return { v: new Float64Array(n).fill(node.value), d };
    }
    if (node.kind === 'var') return { v: cols[node.index]!, d: new Array<Float64Array | null>(K).fill(null) };
    const A = rec(node.left);
    const B = rec(node.right);
    const v = new Float64Array(n);
    const a = A.v;
    const b = B.v;
    const d: (Float64Array | null)[] = new Array(K).fill(null);
    const op = node.op;
    if (op === '+') for (let i = 0; i < n; i++) v[i] = a[i]! + b[i]!;
    else if (op === '-') for (let i = 0; i < n; i++) v[i] = a[i]! - b[i]!;
    else if (op === '*') for (let i = 0; i < n; i++) v[i] = a[i]! * b[i]!;
    else for (let i = 0; i < n; i++) v[i] = pdiv(a[i]!, b[i]!);
    for (let k = 0; k < K; k++) {
      const da = A.d[k];
      const db = B.d[k];
      if (!da && !db) continue;
      const o = new Float64Array(n);
      if (op === '+' || op === '-') {
        const s = op === '+' ? 1 : -1;
        for (let i = 0; i < n; i++) o[i] = (da ? da[i]! : 0) + s * (db ? db[i]! : 0);
      } else if (op === '*') {
        for (let i = 0; i < n; i++) o[i] = (da ? da[i]! * b[i]! : 0) + (db ? a[i]! * db[i]! : 0);
      } else {
        for (let i = 0; i < n; i++) {
          const bi = b[i]!;
          if (Math.abs(bi) < PROTECTED_DIVISION_EPS) continue;
          o[i] = (da ? da[i]! / bi : 0) - (db ? (a[i]! * db[i]!) / (bi * bi) : 0);
        }
      }
      d[k] = o;
    }
    return { v, d };
  };
  const r = rec(e);
  return { value: r.v, jac: r.d.map((x) => x ?? new Float64Array(n)) };
}

/** Formats a number compactly (up to `digits` significant digits, no trailing zeros). */
export function formatNumber(v: number, digits = 5): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const s = Number(v.toPrecision(digits));
  return String(s);
}

const PREC: Record<BinaryOp, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };

/** Infix string, with parentheses only where needed; variables named by `names` (default x0, x1, …). */
export function exprToString(e: Expr, names?: readonly string[], digits = 5): string {
  const name = (i: number) => names?.[i] ?? `x${i}`;
  const rec = (node: Expr, parentPrec: number): string => {
    if (node.kind === 'const') {
      const s = formatNumber(node.value, digits);
      return node.value < 0 && parentPrec > 0 ? `(${s})` : s;
    }
    if (node.kind === 'var') return name(node.index);
    const p = PREC[node.op];
    const l = rec(node.left, p);
    // Right operands of − and / need parentheses at equal precedence too.
    const r = rec(node.right, p + (node.op === '-' || node.op === '/' ? 1 : 0));
    const s = `${l} ${node.op} ${r}`;
    return p < parentPrec ? `(${s})` : s;
  };
  return rec(e, 0);
}

/**
 * Compiles an expression into a differentiable tensor function of `x` (`[..., nVars]` →
 * `[...]`) whose constants are the entries of `params` (a float tensor `[numConstants]`,
 * pre-order), so that they can be fine-tuned by gradient descent (e.g. through an ODE solve).
 */
export function exprToTensorFn(e: Expr, params: Tensor): (x: Tensor) => Tensor {
  const K = exprConstants(e).length;
  if (params.ndim !== 1 || params.shape[0] !== K)
    throw new ShapeError(
      `exprToTensorFn: params must be [${K}] for this expression (got ${fmtShape(params.shape)})`,
    );
  return (x: Tensor) => {
    let k = 0;
    const rec = (node: Expr): Tensor => {
      if (node.kind === 'const') return select(params, 0, k++);
      if (node.kind === 'var') {
        if (node.index >= x.shape[x.ndim - 1]!)
          throw new ShapeError(
            `exprToTensorFn: the expression uses variable ${node.index} but x has shape ${fmtShape(x.shape)}`,
          );
        return select(x, -1, node.index);
      }
      const a = rec(node.left);
      const b = rec(node.right);
      if (node.op === '+') return add(a, b);
      if (node.op === '-') return sub(a, b);
      if (node.op === '*') return mul(a, b);
      const small = lt(abs(b), PROTECTED_DIVISION_EPS);
      return where(small, 1, div(a, where(small, 1, b)));
    };
    return rec(e);
  };
}

/** The constants of `e` (pre-order) as a float64 tensor, for `exprToTensorFn`. */
export function exprConstantsTensor(e: Expr, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  return tensor(
    exprConstants(e).map((c) => c.value),
    { dtype },
  );
}

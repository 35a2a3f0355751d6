/**
 * Simplification of expression trees: constant folding and algebraic identities, plus a
 * polynomial normal form (sum of monomials) for expressions without division by a
 * non-constant, which gives canonical strings and coefficient-wise comparison.
 */
import {
  type Expr,
  exprBinary,
  exprComplexity,
  exprConstant,
  exprEqual,
  exprToString,
  exprVariable,
  formatNumber,
  PROTECTED_DIVISION_EPS,
  pdiv,
} from './expr.js';

/**
 * A polynomial: monomial key → coefficient. A key lists `var^power` factors sorted by
 * variable, e.g. `"0^1,1^2"` for x0·x1²; the constant term has key `""`.
 */
export type ExprPolynomial = Map<string, number>;

const MAX_TERMS = 64;

function parseKey(key: string): [number, number][] {
  if (key === '') return [];
  return key.split(',').map((f) => {
    const [v, p] = f.split('^');
    return [Number(v), Number(p)];
  });
}

function makeKey(factors: [number, number][]): string {
  return factors
    .filter(([, p]) => p > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([v, p]) => `${v}^${p}`)
    .join(',');
}

function mulKeys(a: string, b: string): string {
  const m = new Map<number, number>();
  for (const [v, p] of [...parseKey(a), ...parseKey(b)]) m.set(v, (m.get(v) ?? 0) + p);
  return makeKey([...m.entries()]);
}

function addInto(out: ExprPolynomial, key: string, c: number): void {
  const v = (out.get(key) ?? 0) + c;
  if (v === 0) out.delete(key);
  else out.set(key, v);
}

/**
 * The expanded polynomial of `e`, or null when `e` divides by a non-constant (or the
 * expansion would exceed 64 terms).
 */
export function exprToPolynomial(e: Expr): ExprPolynomial | null {
  if (e.kind === 'const') return e.value === 0 ? new Map() : new Map([['', e.value]]);
  if (e.kind === 'var') return new Map([[`${e.index}^1`, 1]]);
  const a = exprToPolynomial(e.left);
  if (!a) return null;
  if (e.op === '/') {
    const b = exprToPolynomial(e.right);
    if (!b) return null;
    if (b.size > 1 || (b.size === 1 && !b.has(''))) return null;
    const c = b.get('') ?? 0;
    if (Math.abs(c) < PROTECTED_DIVISION_EPS) return new Map([['', 1]]);
    const out: ExprPolynomial = new Map();
    for (const [k, v] of a) addInto(out, k, v / c);
    return out;
  }
  const b = exprToPolynomial(e.right);
  if (!b) return null;
  const out: ExprPolynomial = new Map();
  if (e.op === '+' || e.op === '-') {
    for (const [k, v] of a) addInto(out, k, v);
    for (const [k, v] of b) addInto(out, k, e.op === '+' ? v : -v);
  } else {
    for (const [ka, va] of a) for (const [kb, vb] of b) addInto(out, mulKeys(ka, kb), va * vb);
  }
  return out.size > MAX_TERMS ? null : out;
}

function degree(key: string): number {
  return parseKey(key).reduce((s, [, p]) => s + p, 0);
}

/** Graded lexicographic comparison: higher powers of earlier variables first. */
function lexCompare(a: string, b: string): number {
  const ea = new Map(parseKey(a));
  const eb = new Map(parseKey(b));
  const vars = [...new Set([...ea.keys(), ...eb.keys()])].sort((u, v) => u - v);
  for (const v of vars) {
    const d = (eb.get(v) ?? 0) - (ea.get(v) ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Monomial keys in display order: by degree (highest first), then graded lexicographic. */
function orderedKeys(p: ExprPolynomial): string[] {
  return [...p.keys()].sort((a, b) => degree(b) - degree(a) || lexCompare(a, b));
}

/** Rounds every coefficient to the nearest multiple of `quantum` (dropping zeros). */
export function quantisePolynomial(p: ExprPolynomial, quantum: number): ExprPolynomial {
  const out: ExprPolynomial = new Map();
  for (const [k, v] of p) {
    const r = Math.round(v / quantum) * quantum;
    const clean = Number(r.toPrecision(12));
    if (clean !== 0) out.set(k, clean);
  }
  return out;
}

/** A polynomial as a string, e.g. `-x + 0.5*y^2 + 3`. */
export function polynomialToString(p: ExprPolynomial, names?: readonly string[], digits = 5): string {
  const name = (i: number) => names?.[i] ?? `x${i}`;
  const keys = orderedKeys(p);
  if (keys.length === 0) return '0';
  let s = '';
  keys.forEach((k, i) => {
    const c = p.get(k)!;
    const mono = parseKey(k)
      .map(([v, pw]) => (pw === 1 ? name(v) : `${name(v)}^${pw}`))
      .join('*');
    const mag = Math.abs(c);
    const sign = c < 0 ? '-' : '+';
    const ms = formatNumber(mag, digits);
    const body = mono === '' ? ms : ms === '1' ? mono : `${ms}*${mono}`;
    s += i === 0 ? (c < 0 ? `-${body}` : body) : ` ${sign} ${body}`;
  });
  return s;
}

/** The polynomial as an expression tree. */
export function polynomialToExpr(p: ExprPolynomial): Expr {
  const keys = orderedKeys(p);
  if (keys.length === 0) return exprConstant(0);
  let acc: Expr | null = null;
  for (const k of keys) {
    const c = p.get(k)!;
    let mono: Expr | null = null;
    for (const [v, pw] of parseKey(k))
      for (let j = 0; j < pw; j++) mono = mono ? exprBinary('*', mono, exprVariable(v)) : exprVariable(v);
    const mag = Math.abs(c);
    const term: Expr =
      mono === null
        ? exprConstant(acc === null ? c : mag)
        : mag === 1
          ? mono
          : exprBinary('*', exprConstant(acc === null ? c : mag), mono);
    if (acc === null) acc = mono !== null && c === -1 ? exprBinary('*', exprConstant(-1), mono) : term;
    else acc = exprBinary(c < 0 ? '-' : '+', acc, term);
  }
  return acc!;
}

/** One bottom-up pass of constant folding and identities. */
function simplifyRules(e: Expr): Expr {
  if (e.kind !== 'op') return e;
  const l = simplifyRules(e.left);
  const r = simplifyRules(e.right);
  const isC = (x: Expr, v?: number) => x.kind === 'const' && (v === undefined || x.value === v);
  const val = (x: Expr) => (x as { value: number }).value;
  if (isC(l) && isC(r)) {
    const a = val(l);
    const b = val(r);
    return exprConstant(e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : pdiv(a, b));
  }
  switch (e.op) {
    case '+':
      if (isC(l, 0)) return r;
      if (isC(r, 0)) return l;
      break;
    case '-':
      if (isC(r, 0)) return l;
      if (exprEqual(l, r)) return exprConstant(0);
      break;
    case '*':
      if (isC(l, 0) || isC(r, 0)) return exprConstant(0);
      if (isC(l, 1)) return r;
      if (isC(r, 1)) return l;
      break;
    case '/':
      if (isC(r, 1)) return l;
      if (exprEqual(l, r)) return exprConstant(1);
      break;
  }
  return exprBinary(e.op, l, r);
}

/**
 * Simplifies: constant folding and identities (x+0, x·1, x·0, x−x, x/x, x/1), then the
 * expanded polynomial when it is no larger.
 */
export function simplifyExpr(e: Expr): Expr {
  const s = simplifyRules(e);
  const p = exprToPolynomial(s);
  if (p) {
    const t = polynomialToExpr(p);
    if (exprComplexity(t) <= exprComplexity(s)) return t;
  }
  return s;
}

/**
 * A readable, canonical string: the expanded polynomial when `e` is one (so equal
 * polynomials print identically), else the simplified tree.
 */
export function expressionString(e: Expr, names?: readonly string[], digits = 5): string {
  const s = simplifyRules(e);
  const p = exprToPolynomial(s);
  return p ? polynomialToString(p, names, digits) : exprToString(s, names, digits);
}

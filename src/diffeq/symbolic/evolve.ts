/**
 * Symbolic regression by regularised (aging) evolution (Real et al. 2019; PySR; Kidger's
 * thesis §6.1): several populations, each a queue ordered by age; every cycle picks a
 * parent by tournament, mutates it (or crosses it with a second tournament winner), refines
 * the child's constants by Gauss–Newton, appends the child and removes the *oldest*
 * individual. A hall of fame keeps the best expression per complexity; the result is chosen
 * from its Pareto front (loss vs complexity).
 */
import { ArgumentError, fmtShape, ShapeError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import { optimiseConstants, sse } from './constants.js';
import {
  type BinaryOp,
  cloneExpr,
  depth,
  type Expr,
  evalExpr,
  evalExprColumns,
  exprComplexity,
} from './expr.js';
import { crossover, defaultGrammar, type Grammar, mutate, randomTree } from './mutate.js';
import { SearchRng } from './rng.js';
import { expressionString, simplifyExpr } from './simplify.js';

/** How the returned expression is chosen from the Pareto front. */
export type SymbolicModelSelection = 'score' | 'best' | 'accuracy';

/** Options of `symbolicRegression`. */
export interface SymbolicRegressionOptions {
  /** Independent populations (islands; default 6). */
  populations?: number;
  /** Individuals per population (default 30). */
  populationSize?: number;
  /** Rounds of evolution, with migration between populations after each (default 8). */
  iterations?: number;
  /** Mutation cycles per population per round (default 120). */
  cyclesPerIteration?: number;
  /** Tournament size (default 6); the winner is the fittest with probability 0.86, else the next, … */
  tournamentSize?: number;
  /** Probability that a child comes from crossover instead of mutation (default 0.1). */
  crossoverProbability?: number;
  /** Complexity penalty: fitness = normalised MSE + parsimony · nodes (default 1e-3). */
  parsimony?: number;
  /** Largest number of nodes (default 25). */
  maxComplexity?: number;
  /** Largest tree depth (default 8). */
  maxDepth?: number;
  /** Gauss–Newton (Levenberg–Marquardt) steps on each child's constants (default 8). */
  constantSteps?: number;
  /** Hall-of-fame members copied into each population after a round (default 2). */
  migrants?: number;
  /** Operators (default + − × ÷). */
  ops?: readonly BinaryOp[];
  /** Model selection from the Pareto front (default 'score', as in the Diffrax example). */
  selection?: SymbolicModelSelection;
  /** Samples used during the search (default 256; the final constants use all). */
  maxSamples?: number;
  /** Stop early once an expression of normalised loss ≤ this is found (default 0: never). */
  stopLoss?: number;
  /** Seed of the search (default 0). */
  seed?: number;
  /** Variable names for the strings (default x0, x1, …). */
  names?: readonly string[];
}

/** A member of the Pareto front. */
export interface ExpressionCandidate {
  /** The (simplified) expression. */
  expr: Expr;
  /** Nodes of `expr`. */
  complexity: number;
  /** Normalised MSE on all samples: MSE / Var(y). */
  loss: number;
  /** PySR's score: −Δ ln(loss) / Δ complexity relative to the previous front member. */
  score: number;
  /** Canonical string (expanded polynomial when possible). */
  string: string;
}

/** Result of `symbolicRegression`. */
export interface SymbolicRegressionResult {
  /** The selected expression. */
  best: ExpressionCandidate;
  /** The Pareto front, by increasing complexity. */
  front: ExpressionCandidate[];
  /** The selected expression as a function of one point. */
  fn: (x: readonly number[]) => number;
  /** Children evaluated. */
  evaluations: number;
}

type Individual = { expr: Expr; loss: number; complexity: number; fitness: number };

type Matrix = readonly (readonly number[])[] | readonly Float64Array[] | Tensor;

/** Columns of an `[n, d]` input. */
export function toColumns(op: string, X: Matrix): { cols: Float64Array[]; n: number; d: number } {
  if (X instanceof Tensor) {
    if (X.ndim !== 2)
      throw new ShapeError(`${op}: X must be [samples, variables] (got ${fmtShape(X.shape)})`);
    const [n, d] = X.shape as [number, number];
    const data = X._contiguousData();
    const cols = Array.from({ length: d }, (_, j) => {
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) c[i] = data[i * d + j]!;
      return c;
    });
    return { cols, n, d };
  }
  const n = X.length;
  if (n === 0) throw new ShapeError(`${op}: X has no samples`);
  const d = X[0]!.length;
  const cols = Array.from({ length: d }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const row = X[i]!;
    if (row.length !== d)
      throw new ShapeError(`${op}: row ${i} of X has ${row.length} values, row 0 has ${d}`);
    for (let j = 0; j < d; j++) cols[j]![i] = row[j]!;
  }
  return { cols, n, d };
}

function toVector(op: string, y: readonly number[] | Float64Array | Tensor, n: number): Float64Array {
  const v = y instanceof Tensor ? Float64Array.from(y._contiguousData()) : Float64Array.from(y);
  if (y instanceof Tensor && y.ndim !== 1)
    throw new ShapeError(`${op}: y must be [samples] (got ${fmtShape(y.shape)})`);
  if (v.length !== n) throw new ShapeError(`${op}: y has ${v.length} values but X has ${n} samples`);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(v[i]!)) throw new ArgumentError(`${op}: y[${i}] = ${v[i]} is not finite`);
  return v;
}

/** Normaliser of the loss: the variance of y (floored so that a constant target works). */
function lossScale(y: Float64Array): number {
  let m = 0;
  let m2 = 0;
  for (const v of y) {
    m += v;
    m2 += v * v;
  }
  m /= y.length;
  m2 /= y.length;
  return Math.max(m2 - m * m, 1e-12 * (1 + m2), 1e-300);
}

const LOSS_FLOOR = 1e-20;

/**
 * The Pareto front of a hall of fame (constants refitted on all samples, expressions
 * simplified), with PySR scores.
 */
function paretoFront(
  hall: Map<number, Individual>,
  refit: (e: Expr) => number,
  names?: readonly string[],
): ExpressionCandidate[] {
  const cands = [...hall.values()]
    .map((ind) => {
      const e = cloneExpr(ind.expr);
      const loss = Math.max(refit(e), LOSS_FLOOR);
      const expr = simplifyExpr(e);
      return { expr, loss, complexity: exprComplexity(expr) };
    })
    .filter((c) => Number.isFinite(c.loss))
    .sort((a, b) => a.complexity - b.complexity || a.loss - b.loss);
  const out: ExpressionCandidate[] = [];
  for (const c of cands) {
    const prev = out[out.length - 1];
    if (prev && !(c.loss < prev.loss)) continue;
    const score = prev ? -Math.log(c.loss / prev.loss) / (c.complexity - prev.complexity) : 0;
    out.push({ ...c, score, string: expressionString(c.expr, names) });
  }
  return out;
}

/** Chooses from the front. */
function select(front: ExpressionCandidate[], how: SymbolicModelSelection): ExpressionCandidate {
  const minLoss = Math.min(...front.map((c) => c.loss));
  if (how === 'accuracy') return front.find((c) => c.loss === minLoss)!;
  const pool = how === 'best' ? front.filter((c) => c.loss <= 1.5 * minLoss) : front;
  return pool.reduce((a, b) => (b.score > a.score ? b : a));
}

/**
 * Finds a closed-form expression `y ≈ e(x)` over +, −, ×, protected ÷, constants and the
 * variables, by regularised evolution with tournament selection, a complexity penalty and
 * Gauss–Newton refinement of constants.
 *
 * @param X samples `[n, d]` (rows, or a tensor)
 * @param y targets `[n]`
 *
 * @example
 * const r = symbolicRegression(points, dxdt, { seed: 1, names: ['x', 'y'] });
 * r.best.string; // "-x + y"
 * r.fn([0.3, 0.5]); // 0.2
 */
export function symbolicRegression(
  X: Matrix,
  y: readonly number[] | Float64Array | Tensor,
  opts: SymbolicRegressionOptions = {},
): SymbolicRegressionResult {
  const op = 'symbolicRegression';
  const { cols, n, d } = toColumns(op, X);
  const target = toVector(op, y, n);
  const P = opts.populations ?? 6;
  const N = opts.populationSize ?? 30;
  const iterations = opts.iterations ?? 8;
  const cycles = opts.cyclesPerIteration ?? 120;
  const tour = opts.tournamentSize ?? 6;
  const pCross = opts.crossoverProbability ?? 0.1;
  const parsimony = opts.parsimony ?? 1e-3;
  const maxC = opts.maxComplexity ?? 25;
  const maxD = opts.maxDepth ?? 8;
  const steps = opts.constantSteps ?? 8;
  const migrants = opts.migrants ?? 2;
  const selection = opts.selection ?? 'score';
  const stopLoss = opts.stopLoss ?? 0;
  for (const [k, v, min] of [
    ['populations', P, 1],
    ['populationSize', N, 2],
    ['iterations', iterations, 1],
    ['cyclesPerIteration', cycles, 1],
    ['tournamentSize', tour, 1],
    ['maxComplexity', maxC, 1],
  ] as const)
    if (!Number.isInteger(v) || v < min)
      throw new ArgumentError(`${op}: ${k} must be an integer >= ${min} (got ${v})`);
  if (!['score', 'best', 'accuracy'].includes(selection))
    throw new ArgumentError(
      `${op}: selection must be 'score', 'best' or 'accuracy' (got ${String(selection)})`,
    );
  const rng = new SearchRng(opts.seed ?? 0);
  const grammar: Grammar = defaultGrammar(d, opts.ops);

  // Search subsample.
  const m = Math.min(n, opts.maxSamples ?? 256);
  let sCols = cols;
  let sY = target;
  if (m < n) {
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < m; i++) {
      const j = i + rng.int(n - i);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    sCols = cols.map((c) => Float64Array.from({ length: m }, (_, i) => c[idx[i]!]!));
    sY = Float64Array.from({ length: m }, (_, i) => target[idx[i]!]!);
  }
  const sScale = lossScale(sY) * m;
  const fullScale = lossScale(target) * n;

  let evaluations = 0;
  const evaluate = (expr: Expr): Individual => {
    evaluations++;
    const s = optimiseConstants(expr, sCols, sY, steps);
    const loss = Number.isFinite(s) ? s / sScale : Number.POSITIVE_INFINITY;
    const c = exprComplexity(expr);
    return { expr, loss, complexity: c, fitness: loss + parsimony * c };
  };
  const hall = new Map<number, Individual>();
  const record = (ind: Individual) => {
    if (!Number.isFinite(ind.loss)) return;
    const cur = hall.get(ind.complexity);
    if (!cur || ind.loss < cur.loss) hall.set(ind.complexity, { ...ind, expr: cloneExpr(ind.expr) });
  };
  const tournament = (pop: Individual[]): Individual => {
    const picks: Individual[] = [];
    for (let i = 0; i < Math.min(tour, pop.length); i++) picks.push(pop[rng.int(pop.length)]!);
    picks.sort((a, b) => a.fitness - b.fitness);
    for (const p of picks) if (rng.next() < 0.86) return p;
    return picks[picks.length - 1]!;
  };

  const pops: Individual[][] = [];
  for (let p = 0; p < P; p++) {
    const pop: Individual[] = [];
    while (pop.length < N) {
      const ind = evaluate(randomTree(grammar, rng, 3));
      pop.push(ind);
      record(ind);
    }
    pops.push(pop);
  }
  const done = () => {
    for (const h of hall.values()) if (h.loss <= stopLoss) return true;
    return false;
  };
  outer: for (let it = 0; it < iterations; it++) {
    for (const pop of pops) {
      for (let c = 0; c < cycles; c++) {
        const parent = tournament(pop);
        const child =
          rng.next() < pCross
            ? crossover(parent.expr, tournament(pop).expr, rng)
            : mutate(parent.expr, grammar, rng).child;
        if (exprComplexity(child) > maxC || depth(child) > maxD) continue;
        const ind = evaluate(child);
        pop.push(ind);
        pop.shift(); // aging: the oldest dies, whatever its fitness
        record(ind);
      }
      if (stopLoss > 0 && done()) break outer;
    }
    // Migration: copies of hall-of-fame members join each population as its youngest.
    const famous = [...hall.values()];
    for (const pop of pops)
      for (let k = 0; k < migrants && famous.length > 0; k++) {
        const f = rng.pick(famous);
        pop.push({ ...f, expr: cloneExpr(f.expr) });
        pop.shift();
      }
  }

  const refit = (e: Expr): number => {
    const s = optimiseConstants(e, cols, target, Math.max(steps, 20));
    return s / fullScale;
  };
  const front = paretoFront(hall, refit, opts.names);
  if (front.length === 0) throw new ArgumentError(`${op}: no finite expression was found`);
  const best = select(front, selection);
  const chosen = best.expr;
  return { best, front, fn: (x) => evalExpr(chosen, x), evaluations };
}

/** Normalised MSE of `e` on `(X, y)`: MSE / Var(y). */
export function exprNormalisedLoss(e: Expr, X: Matrix, y: readonly number[] | Float64Array | Tensor): number {
  const { cols, n } = toColumns('exprNormalisedLoss', X);
  const t = toVector('exprNormalisedLoss', y, n);
  return sse(evalExprColumns(e, cols, n), t) / (lossScale(t) * n);
}

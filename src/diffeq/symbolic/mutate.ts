/** Random expressions, mutations and crossover for the evolutionary search. */
import {
  type BinaryOp,
  cloneExpr,
  type Expr,
  exprBinary,
  exprConstant,
  exprConstants,
  exprVariable,
  nodes,
} from './expr.js';
import type { SearchRng } from './rng.js';
import { simplifyExpr } from './simplify.js';

const OPS: readonly BinaryOp[] = ['+', '-', '*', '/'];

/** What the generators may use. */
export interface Grammar {
  nVars: number;
  ops: readonly BinaryOp[];
}

/** The default grammar over `nVars` variables with +, −, ×, ÷. */
export function defaultGrammar(nVars: number, ops: readonly BinaryOp[] = OPS): Grammar {
  return { nVars, ops };
}

/** A random leaf: a variable (probability 0.6) or a constant ~ N(0, 1). */
export function randomLeaf(g: Grammar, rng: SearchRng): Expr {
  return rng.next() < 0.6 ? exprVariable(rng.int(g.nVars)) : exprConstant(Number(rng.normal().toFixed(3)));
}

/** A random tree of depth ≤ `maxDepth` ("grow" method). */
export function randomTree(g: Grammar, rng: SearchRng, maxDepth: number): Expr {
  if (maxDepth <= 1 || rng.next() < 0.3) return randomLeaf(g, rng);
  return exprBinary(rng.pick(g.ops), randomTree(g, rng, maxDepth - 1), randomTree(g, rng, maxDepth - 1));
}

/** Replaces `target` (by identity) in `root` with `repl`; returns the new root. */
function replaceNode(root: Expr, target: Expr, repl: Expr): Expr {
  if (root === target) return repl;
  if (root.kind === 'op') {
    root.left = replaceNode(root.left, target, repl);
    root.right = replaceNode(root.right, target, repl);
  }
  return root;
}

/** The mutation operators. */
export type MutationKind = 'constant' | 'operator' | 'leaf' | 'insert' | 'delete' | 'subtree' | 'simplify';

const WEIGHTS: [MutationKind, number][] = [
  ['constant', 0.2],
  ['operator', 0.12],
  ['leaf', 0.14],
  ['insert', 0.22],
  ['delete', 0.14],
  ['subtree', 0.12],
  ['simplify', 0.06],
];

/** A mutated copy of `parent` (the parent is not modified). */
export function mutate(parent: Expr, g: Grammar, rng: SearchRng): { child: Expr; kind: MutationKind } {
  let u = rng.next();
  let kind: MutationKind = 'insert';
  for (const [k, w] of WEIGHTS) {
    if (u < w) {
      kind = k;
      break;
    }
    u -= w;
  }
  let e = cloneExpr(parent);
  const all = nodes(e);
  const ops = all.filter((n) => n.kind === 'op');
  switch (kind) {
    case 'constant': {
      const cs = exprConstants(e);
      if (cs.length === 0) return mutate(parent, g, rng);
      const c = rng.pick(cs);
      c.value = rng.next() < 0.1 ? -c.value : c.value * Math.exp(0.5 * rng.normal()) + 0.1 * rng.normal();
      break;
    }
    case 'operator': {
      if (ops.length === 0) return mutate(parent, g, rng);
      const n = rng.pick(ops) as Extract<Expr, { kind: 'op' }>;
      e = replaceNode(e, n, exprBinary(rng.pick(g.ops), n.left, n.right));
      break;
    }
    case 'leaf': {
      const leaves = all.filter((n) => n.kind !== 'op');
      e = replaceNode(e, rng.pick(leaves), randomLeaf(g, rng));
      break;
    }
    case 'insert': {
      const n = rng.pick(all);
      const leaf = randomLeaf(g, rng);
      const op = rng.pick(g.ops);
      e = replaceNode(e, n, rng.next() < 0.5 ? exprBinary(op, n, leaf) : exprBinary(op, leaf, n));
      break;
    }
    case 'delete': {
      if (ops.length === 0) return mutate(parent, g, rng);
      const n = rng.pick(ops) as Extract<Expr, { kind: 'op' }>;
      e = replaceNode(e, n, rng.next() < 0.5 ? n.left : n.right);
      break;
    }
    case 'subtree': {
      e = replaceNode(e, rng.pick(all), randomTree(g, rng, 3));
      break;
    }
    case 'simplify':
      e = simplifyExpr(e);
      break;
  }
  return { child: e, kind };
}

/** Swaps a random subtree of copies of `a` and `b`; returns the first offspring. */
export function crossover(a: Expr, b: Expr, rng: SearchRng): Expr {
  const ca = cloneExpr(a);
  const donor = cloneExpr(rng.pick(nodes(b)));
  return replaceNode(ca, rng.pick(nodes(ca)), donor);
}

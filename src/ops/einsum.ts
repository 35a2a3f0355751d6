/**
 * Einstein summation with `torch.einsum` semantics: explicit (`->`) and implicit
 * outputs, repeated subscripts within an operand (diagonals), `...` broadcasting,
 * and size-1 broadcasting of labelled dims. Operands are contracted pairwise from
 * left to right, each contraction a batched `matmul` over permuted/reshaped views,
 * so it is fast and differentiable by composition.
 */
import { promoteTypes } from '../core/dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../core/errors.js';
import { sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { cast } from './cast.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { diagonal } from './triangular.js';
import { expand, permute, reshape, transpose } from './view.js';

/** Internal label of ellipsis dim j (letters use their char codes < 128). */
const ELL = 1000;

interface Term {
  /** Labels before / after the ellipsis (all of them when there is none). */
  head: number[];
  tail: number[];
  ellipsis: boolean;
}

function labelName(l: number): string {
  return l >= ELL ? `...[${l - ELL}]` : String.fromCharCode(l);
}

function parseTerm(term: string, what: string, eq: string): Term {
  const head: number[] = [];
  const tail: number[] = [];
  let ellipsis = false;
  for (let i = 0; i < term.length; i++) {
    const c = term[i]!;
    if (c === '.') {
      if (term.slice(i, i + 3) !== '...' || ellipsis) {
        throw new ArgumentError(
          `einsum: invalid ellipsis in ${what} of '${eq}' (use '...' at most once per term)`,
        );
      }
      ellipsis = true;
      i += 2;
    } else if (/^[a-zA-Z]$/.test(c)) {
      (ellipsis ? tail : head).push(c.charCodeAt(0));
    } else {
      throw new ArgumentError(
        `einsum: invalid subscript '${c}' in ${what} of '${eq}' (letters a-z, A-Z only)`,
      );
    }
  }
  return { head, tail, ellipsis };
}

/** Moves the groups of axes into `[batch, free, contracted]` and flattens each group (no copy when possible). */
function toBMK(
  t: Tensor,
  labels: readonly number[],
  batch: readonly number[],
  free: readonly number[],
  con: readonly number[],
  size: (l: number) => number,
): Tensor {
  const pos = (ls: readonly number[]) => ls.map((l) => labels.indexOf(l));
  const B = sizeOf(batch.map(size));
  const M = sizeOf(free.map(size));
  const K = sizeOf(con.map(size));
  const p = permute(t, [...pos(batch), ...pos(free), ...pos(con)]);
  if (p.isContiguous) return reshape(p, [B, M, K]);
  const q = permute(t, [...pos(batch), ...pos(con), ...pos(free)]);
  if (q.isContiguous) return transpose(reshape(q, [B, K, M]), -2, -1);
  return reshape(p, [B, M, K]);
}

/**
 * Einstein summation, like `torch.einsum`: `einsum('ij,jk->ik', a, b)` is a matrix
 * product, `'ii->'` a trace, `'bhqd,bhkd->bhqk'` batched attention scores,
 * `'...ij,...jk->...ik'` a broadcast batched matmul. Without `->` the output holds
 * the subscripts that appear exactly once, sorted (uppercase before lowercase),
 * after the ellipsis dims. Dims covered by `...` but absent from an explicit
 * output are summed. Operands are promoted to a common dtype; contractions of
 * several operands go through `matmul` (integers become float32, as there).
 */
export function einsum(subscripts: string, ...operands: Tensor[]): Tensor {
  const op = 'einsum';
  const eq = subscripts.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  if (arrow !== eq.lastIndexOf('->')) throw new ArgumentError(`${op}: more than one '->' in '${subscripts}'`);
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const terms = lhs.split(',').map((s, i) => parseTerm(s, `operand ${i}`, subscripts));
  if (terms.length !== operands.length) {
    throw new ArgumentError(
      `${op}: '${subscripts}' names ${terms.length} operand(s) but ${operands.length} were given`,
    );
  }
  operands.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: operand ${i} is not a tensor`);
  });

  // Resolve each operand's labels, numbering ellipsis dims right-aligned.
  const ellDims = terms.map((t, i) => {
    const nd = operands[i]!.ndim;
    const named = t.head.length + t.tail.length;
    if (t.ellipsis ? nd < named : nd !== named) {
      throw new ShapeError(
        `${op}: operand ${i} has shape ${fmtShape(operands[i]!.shape)} (${nd} dims) but subscripts '${lhs.split(',')[i]}' name ${named}`,
      );
    }
    return t.ellipsis ? nd - named : 0;
  });
  const E = Math.max(0, ...ellDims);
  const ellLabels = (e: number) => Array.from({ length: e }, (_, j) => ELL + E - e + j);
  const labels = terms.map((t, i) => [...t.head, ...ellLabels(ellDims[i]!), ...t.tail]);

  // Sizes, with size-1 broadcasting across operands.
  const sizes = new Map<number, number>();
  labels.forEach((ls, i) => {
    ls.forEach((l, d) => {
      const s = operands[i]!.shape[d]!;
      const prev = sizes.get(l);
      if (prev === undefined || prev === 1) sizes.set(l, s);
      else if (s !== prev && s !== 1) {
        throw new ShapeError(
          `${op}: subscript '${labelName(l)}' has size ${s} in operand ${i} ${fmtShape(operands[i]!.shape)} but ${prev} elsewhere`,
        );
      }
    });
  });
  const size = (l: number) => sizes.get(l)!;

  // Output labels.
  let out: number[];
  if (arrow >= 0) {
    const t = parseTerm(eq.slice(arrow + 2), 'the output', subscripts);
    out = [...t.head, ...(t.ellipsis ? ellLabels(E) : []), ...t.tail];
    const seen = new Set<number>();
    for (const l of out) {
      if (seen.has(l))
        throw new ArgumentError(`${op}: output subscript '${labelName(l)}' appears more than once`);
      seen.add(l);
      if (!sizes.has(l)) {
        throw new ArgumentError(`${op}: output subscript '${labelName(l)}' does not appear in the inputs`);
      }
    }
  } else {
    const count = new Map<number, number>();
    for (const ls of labels) for (const l of ls) if (l < ELL) count.set(l, (count.get(l) ?? 0) + 1);
    const once = [...count].filter(([, c]) => c === 1).map(([l]) => l);
    out = [...ellLabels(E), ...once.sort((p, q) => p - q)];
  }

  // Common dtype.
  const dtype = operands.map((t) => t.dtype).reduce(promoteTypes);
  let ops = operands.map((t) => cast(t, dtype));

  // Repeated labels within an operand: take diagonals.
  const ls = labels.map((l) => [...l]);
  ops = ops.map((t, i) => {
    let cur = t;
    let lab = ls[i]!;
    for (;;) {
      const dup = lab.findIndex((l, d) => lab.indexOf(l) !== d);
      if (dup < 0) break;
      const first = lab.indexOf(lab[dup]!);
      if (cur.shape[first] !== cur.shape[dup]) {
        throw new ShapeError(
          `${op}: subscript '${labelName(lab[dup]!)}' is repeated in operand ${i} but dims ${first} and ${dup} of ${fmtShape(operands[i]!.shape)} differ`,
        );
      }
      const l = lab[dup]!;
      cur = diagonal(cur, 0, first, dup);
      lab = [...lab.filter((_, d) => d !== first && d !== dup), l];
    }
    ls[i] = lab;
    return cur;
  });

  /** Sums the axes of `t` whose labels are not in `keep`. */
  const reduceUnused = (t: Tensor, lab: number[], keep: Set<number>): [Tensor, number[]] => {
    const axes = lab.map((l, d) => (keep.has(l) ? -1 : d)).filter((d) => d >= 0);
    if (axes.length === 0) return [t, lab];
    return [sum(t, axes), lab.filter((l) => keep.has(l))];
  };

  let cur = ops[0]!;
  let curL = ls[0]!;
  for (let k = 1; k < ops.length; k++) {
    const keep = new Set<number>(out);
    for (let j = k + 1; j < ls.length; j++) for (const l of ls[j]!) keep.add(l);
    const other = ops[k]!;
    const otherL = ls[k]!;
    [cur, curL] = reduceUnused(cur, curL, new Set([...keep, ...otherL]));
    const [b, bL] = reduceUnused(other, otherL, new Set([...keep, ...curL]));
    // Broadcast shared labels of size 1 against the other operand.
    const bcast = (t: Tensor, lab: number[]) =>
      lab.some((l, d) => t.shape[d] !== size(l) && curL.includes(l) && bL.includes(l))
        ? expand(
            t,
            lab.map((l, d) => (curL.includes(l) && bL.includes(l) ? size(l) : t.shape[d]!)),
          )
        : t;
    const a = bcast(cur, curL);
    const bb = bcast(b, bL);
    const batch = curL.filter((l) => bL.includes(l) && keep.has(l));
    const con = curL.filter((l) => bL.includes(l) && !keep.has(l));
    const aFree = curL.filter((l) => !bL.includes(l));
    const bFree = bL.filter((l) => !curL.includes(l));
    const shapeOf = (lab: number[], t: Tensor) => (l: number) => t.shape[lab.indexOf(l)]!;
    const a3 = toBMK(a, curL, batch, aFree, con, shapeOf(curL, a));
    const b3 = toBMK(bb, bL, batch, bFree, con, shapeOf(bL, bb));
    const c = matmul(a3, transpose(b3, -2, -1));
    cur = reshape(c, [
      ...batch.map(shapeOf(curL, a)),
      ...aFree.map(shapeOf(curL, a)),
      ...bFree.map(shapeOf(bL, bb)),
    ]);
    curL = [...batch, ...aFree, ...bFree];
  }
  [cur, curL] = reduceUnused(cur, curL, new Set(out));
  // Output labels whose size-1 dims broadcast against a dropped operand.
  const perm = out.map((l) => curL.indexOf(l));
  let y = perm.every((p, i) => p === i) ? cur : permute(cur, perm);
  if (out.some((l, d) => y.shape[d] !== size(l))) y = expand(y, out.map(size));
  return y;
}

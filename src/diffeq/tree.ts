/**
 * States as trees: a tensor, or nested arrays/objects of tensors (like a JAX PyTree).
 * The solvers work on the flat list of leaves; `treeFlatten`/`treeUnflatten` convert.
 */
import { ArgumentError, fmtShape } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

/** A tensor or a nested array/object of tensors. */
export type Tree = Tensor | readonly Tree[] | { readonly [key: string]: Tree };

/** The structure of a tree, without its leaves. */
export type TreeDef =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'array'; readonly children: readonly TreeDef[] }
  | { readonly kind: 'object'; readonly keys: readonly string[]; readonly children: readonly TreeDef[] };

/** A flattened tree: its leaves in depth-first order, the structure and a readable path per leaf. */
export interface FlatTree {
  leaves: Tensor[];
  def: TreeDef;
  paths: string[];
}

/** Flattens a tree into its leaves (depth-first, object keys in insertion order). */
export function treeFlatten(tree: unknown, op = 'tree', root = 'y'): FlatTree {
  const leaves: Tensor[] = [];
  const paths: string[] = [];
  const walk = (node: unknown, path: string): TreeDef => {
    if (node instanceof Tensor) {
      leaves.push(node);
      paths.push(path);
      return { kind: 'leaf' };
    }
    if (Array.isArray(node)) {
      return { kind: 'array', children: node.map((c, i) => walk(c, `${path}[${i}]`)) };
    }
    if (node !== null && typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype) {
      const keys = Object.keys(node);
      const rec = node as Record<string, unknown>;
      return { kind: 'object', keys, children: keys.map((k) => walk(rec[k], `${path}.${k}`)) };
    }
    throw new ArgumentError(
      `${op}: ${path} is ${node === null ? 'null' : typeof node}; a state must be a Tensor or nested arrays/objects of Tensors`,
    );
  };
  const def = walk(tree, root);
  return { leaves, def, paths };
}

/** Rebuilds a tree of the given structure from its leaves. */
export function treeUnflatten<T = Tree>(def: TreeDef, leaves: readonly Tensor[]): T {
  let i = 0;
  const build = (d: TreeDef): unknown => {
    if (d.kind === 'leaf') return leaves[i++]!;
    if (d.kind === 'array') return d.children.map(build);
    const out: Record<string, unknown> = {};
    d.children.forEach((c, k) => {
      out[d.keys[k]!] = build(c);
    });
    return out;
  };
  const out = build(def) as T;
  if (i !== leaves.length) {
    throw new ArgumentError(`treeUnflatten: structure has ${i} leaves, got ${leaves.length}`);
  }
  return out;
}

/** Number of leaves of a structure. */
export function treeLeafCount(def: TreeDef): number {
  if (def.kind === 'leaf') return 1;
  let n = 0;
  for (const c of def.children) n += treeLeafCount(c);
  return n;
}

/** Whether two structures are identical (same nesting, array lengths and object keys). */
export function treeDefEqual(a: TreeDef, b: TreeDef): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'leaf') return true;
  if (a.children.length !== (b as typeof a).children.length) return false;
  if (a.kind === 'object') {
    const bk = (b as typeof a).keys;
    if (a.keys.some((k, i) => k !== bk[i])) return false;
  }
  return a.children.every((c, i) => treeDefEqual(c, (b as typeof a).children[i]!));
}

/** A readable rendering of a structure with leaf shapes: `{x: [2], v: [2]}`. */
export function describeTree(def: TreeDef, leaves: readonly { shape: readonly number[] }[]): string {
  let i = 0;
  const go = (d: TreeDef): string => {
    if (d.kind === 'leaf') return fmtShape(leaves[i++]!.shape);
    if (d.kind === 'array') return `[${d.children.map(go).join(', ')}]`;
    return `{${d.children.map((c, k) => `${d.keys[k]}: ${go(c)}`).join(', ')}}`;
  };
  return go(def);
}

/** Applies `fn` to every leaf, keeping the structure. */
export function treeMap<T = Tree>(tree: Tree, fn: (leaf: Tensor, index: number) => Tensor): T {
  const { leaves, def } = treeFlatten(tree, 'treeMap');
  return treeUnflatten<T>(
    def,
    leaves.map((l, i) => fn(l, i)),
  );
}

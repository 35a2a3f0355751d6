/**
 * `BrownianInterval` (Kidger, Foster, Li & Lyons 2021; torchsde's design): a Brownian
 * motion sampled lazily on a binary tree of intervals that is split at the query points
 * themselves, below a dyadic "background" tree whose leaves have about the length of the
 * solver's steps. Each node stores only a seed; the values (W, H) of recently used
 * nodes are kept in an LRU cache and recomputed from the nearest cached ancestor when
 * evicted. Searches start from the last queried interval, so the sequential queries of
 * a solver cost O(1) amortised.
 *
 * Every split is sampled from the exact conditional law, so the path has the law of
 * Brownian motion (and its space-time Lévy area) at any set of query times. The values
 * are deterministic given the key **and the order of the queries** (the split points
 * depend on it); repeated queries of the same interval always return the same values.
 * For values that depend on the key alone use `VirtualBrownianTree`.
 */
import { ArgumentError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import {
  type AbstractBrownianPath,
  type BrownianIncrement,
  type BrownianOptions,
  type CheckedBrownianOptions,
  checkBrownianOptions,
  checkTime,
  type LevyAreaKind,
} from './base.js';
import { joinLevy, splitCoefs, splitWithLevy } from './bridge.js';
import { childSeeds, DOMAIN_ROOT, DOMAIN_SPLIT, nodeNormals } from './normals.js';

/** Options of `BrownianInterval`. */
export interface BrownianIntervalOptions extends BrownianOptions {
  /**
   * Typical query length (e.g. the step size): the background dyadic tree is refined to
   * about this length, which bounds the work to recompute evicted values to
   * O(log((t1 − t0)/dt)). Default: the length of the first query that splits the tree.
   */
  dt?: number;
  /** Nodes whose values are cached (≥ 4, default 1024; `Infinity` keeps everything). */
  cacheSize?: number;
}

interface Node {
  readonly a: number;
  readonly b: number;
  readonly parent: Node | null;
  left: Node | null;
  right: Node | null;
  readonly s0: number;
  readonly s1: number;
  /** Dyadic depth for background nodes, −1 below them. */
  readonly depth: number;
  W: Float64Array | null;
  H: Float64Array | null;
}

/** Statistics of a `BrownianInterval` (for benchmarks and tests). */
export interface BrownianIntervalStats {
  /** Nodes created so far. */
  nodes: number;
  /** Nodes whose values are cached now. */
  cached: number;
  /** Node pairs whose values were (re)computed from their parent. */
  splits: number;
}

/**
 * A Brownian motion with a lazily built, cached interval tree: fast sequential queries,
 * the exact law of Brownian motion, values fixed by the key and the query order.
 *
 * @example
 * const bm = new BrownianInterval({ t0: 0, t1: 1, shape: [256, 4], key: randomKey(1), dt: 0.01 });
 * const dW = bm.evaluate(0.1, 0.11);
 */
export class BrownianInterval implements AbstractBrownianPath {
  readonly t0: number;
  readonly t1: number;
  readonly shape: readonly number[];
  readonly dtype: CheckedBrownianOptions['dtype'];
  readonly levyArea: LevyAreaKind;
  readonly size: number;
  /** Nodes whose values are cached. */
  readonly cacheSize: number;
  private backgroundDepth: number | null;
  private readonly root: Node;
  private last: Node;
  private readonly lru = new Map<Node, true>();
  private readonly seeds = new Uint32Array(4);
  private readonly quad = new Float64Array(4);
  private z: Float64Array;
  private nodeCount = 1;
  private splitCount = 0;

  constructor(opts: BrownianIntervalOptions) {
    const op = 'BrownianInterval';
    const o = checkBrownianOptions(op, opts);
    this.t0 = o.t0;
    this.t1 = o.t1;
    this.shape = o.shape;
    this.dtype = o.dtype;
    this.levyArea = o.levyArea;
    this.size = o.size;
    const cs = opts.cacheSize ?? 1024;
    if (!(cs >= 4)) throw new ArgumentError(`${op}: cacheSize must be ≥ 4 (got ${cs})`);
    this.cacheSize = cs;
    this.backgroundDepth = null;
    if (opts.dt !== undefined) {
      if (!(opts.dt > 0) || !Number.isFinite(opts.dt))
        throw new ArgumentError(`${op}: dt must be a positive number (got ${opts.dt})`);
      this.backgroundDepth = this.depthFor(opts.dt);
    }
    const n = this.size;
    const levy = this.levyArea === 'space-time';
    this.z = new Float64Array(4 * n);
    const k = o.key;
    const T = o.t1 - o.t0;
    nodeNormals(k.k0, k.k1, 0, 0, DOMAIN_ROOT, levy ? 2 * n : n, this.z);
    const W = new Float64Array(n);
    const sT = Math.sqrt(T);
    for (let i = 0; i < n; i++) W[i] = sT * this.z[i]!;
    let H: Float64Array | null = null;
    if (levy) {
      H = new Float64Array(n);
      const sH = Math.sqrt(T / 12);
      for (let i = 0; i < n; i++) H[i] = sH * this.z[n + i]!;
    }
    this.root = {
      a: o.t0,
      b: o.t1,
      parent: null,
      left: null,
      right: null,
      s0: k.k0,
      s1: k.k1,
      depth: 0,
      W,
      H,
    };
    this.last = this.root;
  }

  private depthFor(dt: number): number {
    return Math.min(40, Math.max(0, Math.ceil(Math.log2((this.t1 - this.t0) / dt))));
  }

  /** Node and cache counts. */
  get stats(): BrownianIntervalStats {
    return { nodes: this.nodeCount, cached: this.lru.size, splits: this.splitCount };
  }

  private touch(nd: Node): void {
    if (nd === this.root) return;
    this.lru.delete(nd);
    this.lru.set(nd, true);
  }

  private store(nd: Node, W: Float64Array, H: Float64Array | null): void {
    nd.W = W;
    nd.H = H;
    this.touch(nd);
    while (this.lru.size > this.cacheSize) {
      const old = this.lru.keys().next().value as Node;
      this.lru.delete(old);
      old.W = null;
      old.H = null;
    }
  }

  /** Creates the children of `nd`, split at `m`. */
  private split(nd: Node, m: number): void {
    childSeeds(nd.s0, nd.s1, this.seeds);
    const dyadic = nd.depth >= 0 && m === (nd.a + nd.b) / 2;
    const depth = dyadic ? nd.depth + 1 : -1;
    const s = this.seeds;
    nd.left = {
      a: nd.a,
      b: m,
      parent: nd,
      left: null,
      right: null,
      s0: s[0]!,
      s1: s[1]!,
      depth,
      W: null,
      H: null,
    };
    nd.right = {
      a: m,
      b: nd.b,
      parent: nd,
      left: null,
      right: null,
      s0: s[2]!,
      s1: s[3]!,
      depth,
      W: null,
      H: null,
    };
    this.nodeCount += 2;
  }

  /** Samples the values of both children of `p` (whose values are known). */
  private childValues(p: Node): void {
    const n = this.size;
    const L = p.left!;
    const R = p.right!;
    const L1 = L.b - L.a;
    const L2 = R.b - R.a;
    const h = L1 + L2;
    const W = p.W!;
    const W1 = new Float64Array(n);
    const W2 = new Float64Array(n);
    const z = this.z;
    this.splitCount++;
    if (!p.H) {
      nodeNormals(p.s0, p.s1, 0, 0, DOMAIN_SPLIT, n, z);
      const a = L1 / h;
      const c = Math.sqrt((L1 * L2) / h);
      for (let i = 0; i < n; i++) {
        W1[i] = a * W[i]! + c * z[i]!;
        W2[i] = W[i]! - W1[i]!;
      }
      this.store(L, W1, null);
      this.store(R, W2, null);
      return;
    }
    const H = p.H;
    const H1 = new Float64Array(n);
    const H2 = new Float64Array(n);
    const coefs = splitCoefs(L1, L2);
    const q = this.quad;
    nodeNormals(p.s0, p.s1, 0, 0, DOMAIN_SPLIT, 4 * n, z);
    for (let i = 0; i < n; i++) {
      splitWithLevy(coefs, W[i]!, H[i]!, z[4 * i]!, z[4 * i + 1]!, z[4 * i + 2]!, z[4 * i + 3]!, q);
      W1[i] = q[0]!;
      H1[i] = q[1]!;
      W2[i] = q[2]!;
      H2[i] = q[3]!;
    }
    this.store(L, W1, H1);
    this.store(R, W2, H2);
  }

  /** Makes sure `nd` has values, recomputing from its nearest cached ancestor. */
  private ensure(nd: Node): void {
    if (nd.W) {
      this.touch(nd);
      return;
    }
    const chain: Node[] = [];
    let cur: Node = nd;
    while (!cur.W) {
      chain.push(cur);
      cur = cur.parent!;
    }
    for (let i = chain.length - 1; i >= 0; i--) this.childValues(chain[i]!.parent!);
  }

  /** The nodes exactly covering [ta, tb] (ta < tb), in order, splitting as needed. */
  private cover(ta: number, tb: number): Node[] {
    let start = this.last;
    while (!(start.a <= ta && tb <= start.b)) start = start.parent!;
    const out: Node[] = [];
    const stack: Node[] = [start];
    while (stack.length) {
      const nd = stack.pop()!;
      if (nd.b <= ta || nd.a >= tb) continue;
      if (ta <= nd.a && nd.b <= tb) {
        out.push(nd);
        continue;
      }
      if (!nd.left) {
        // The background depth comes from the first query that needs a split (a query of
        // the whole interval, like a solver's initial slope estimate, does not).
        this.backgroundDepth ??= this.depthFor(tb - ta);
        let m: number;
        if (nd.depth >= 0 && nd.depth < this.backgroundDepth) m = (nd.a + nd.b) / 2;
        else m = nd.a < ta && ta < nd.b ? ta : tb;
        this.split(nd, m);
      }
      stack.push(nd.right!, nd.left!);
    }
    this.last = out[out.length - 1]!;
    return out;
  }

  private sample(ta: number, tb: number): { W: Float64Array; H: Float64Array | null } {
    const n = this.size;
    const levy = this.levyArea === 'space-time';
    if (ta === tb) return { W: new Float64Array(n), H: levy ? new Float64Array(n) : null };
    const nodes = this.cover(ta, tb);
    const W = new Float64Array(n);
    const H = levy ? new Float64Array(n) : null;
    let len = 0;
    // Read each node right after ensuring it (a later recomputation may evict it).
    for (const nd of nodes) {
      this.ensure(nd);
      const L2 = nd.b - nd.a;
      const w = nd.W!;
      if (!levy) {
        for (let i = 0; i < n; i++) W[i]! += w[i]!;
        continue;
      }
      const hh = nd.H!;
      if (len === 0) {
        W.set(w);
        H!.set(hh);
      } else {
        for (let i = 0; i < n; i++) {
          const [wj, hj] = joinLevy(W[i]!, H![i]!, len, w[i]!, hh[i]!, L2);
          W[i] = wj;
          H![i] = hj;
        }
      }
      len += L2;
    }
    return { W, H };
  }

  private tensor(d: Float64Array): Tensor {
    return Tensor._fromData(this.dtype === 'float64' ? d : Float32Array.from(d), this.shape, this.dtype);
  }

  /** W(tb) − W(ta), or W(ta) − W(t0) when tb is omitted. */
  evaluate(ta: number, tb?: number): Tensor {
    const op = 'BrownianInterval.evaluate';
    let a = checkTime(op, ta, this.t0, this.t1);
    let b: number;
    if (tb === undefined) {
      b = a;
      a = this.t0;
    } else b = checkTime(op, tb, this.t0, this.t1);
    if (b >= a) return this.tensor(this.sample(a, b).W);
    const W = this.sample(b, a).W;
    for (let i = 0; i < W.length; i++) W[i] = -W[i]!;
    return this.tensor(W);
  }

  /** The increment over [ta, tb] (ta ≤ tb) with its space-time Lévy area when enabled. */
  increment(ta: number, tb: number): BrownianIncrement {
    const op = 'BrownianInterval.increment';
    const a = checkTime(op, ta, this.t0, this.t1);
    const b = checkTime(op, tb, this.t0, this.t1);
    if (b < a) throw new ArgumentError(`${op}: need ta ≤ tb (got ta = ${ta}, tb = ${tb})`);
    const { W, H } = this.sample(a, b);
    return H ? { dt: b - a, W: this.tensor(W), H: this.tensor(H) } : { dt: b - a, W: this.tensor(W) };
  }
}

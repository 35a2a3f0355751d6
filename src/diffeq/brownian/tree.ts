/**
 * `VirtualBrownianTree` (Li, Wong, Chen & Duvenaud 2020; Diffrax's design, with the exact
 * space-time Lévy area of Jelinčič, Foster & Kidger 2024): a Brownian motion that is a
 * pure function of its key. A query descends a dyadic tree over [t0, t1], sampling each
 * midpoint from the Brownian-bridge conditional law with normals addressed by
 * (key, node) in the counter-based Philox generator, and finally samples the query
 * point inside its leaf (length ≤ tol) from the exact conditional law given the leaf's
 * endpoints. Nothing is stored: any time can be queried in any order, repeatedly,
 * with bit-identical results.
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
import { splitCoefs, splitWithLevy } from './bridge.js';
import { DOMAIN_LEAF, DOMAIN_MID, DOMAIN_ROOT, nodeNormals } from './normals.js';

/** Options of `VirtualBrownianTree`. */
export interface VirtualBrownianTreeOptions extends BrownianOptions {
  /**
   * Leaf length: the tree is refined until its intervals are ≤ tol (choose tol below the
   * step size, e.g. dt0/2). Values at query points closer than tol are correlated only
   * approximately (as in Diffrax). Default `(t1 − t0)·2⁻¹⁶`.
   */
  tol?: number;
  /** Alternatively the depth of the dyadic tree directly (leaf length (t1 − t0)/2^depth). */
  depth?: number;
}

const SQRT3 = Math.sqrt(3);

/**
 * A stateless Brownian motion on [t0, t1] of a given shape (leading batch dims allowed),
 * optionally with its space-time Lévy area. `evaluate(ta, tb)` = W(tb) − W(ta),
 * `evaluate(t)` = W(t) − W(t0), `increment(ta, tb)` = {W, H}.
 *
 * @example
 * const bm = new VirtualBrownianTree({ t0: 0, t1: 1, shape: [64, 3], key: randomKey(0), tol: 1e-3 });
 * const dW = bm.evaluate(0.25, 0.5); // [64, 3], N(0, 0.25) entries
 */
export class VirtualBrownianTree implements AbstractBrownianPath {
  readonly t0: number;
  readonly t1: number;
  readonly shape: readonly number[];
  readonly dtype: CheckedBrownianOptions['dtype'];
  readonly levyArea: LevyAreaKind;
  /** Depth of the dyadic tree (leaves of length (t1 − t0)/2^depth). */
  readonly depth: number;
  /** Number of elements of one value. */
  readonly size: number;
  private readonly k0: number;
  private readonly k1: number;
  private readonly rootW: Float64Array;
  private readonly rootH: Float64Array | null;
  // Scratch buffers (queries are synchronous).
  private readonly z: Float64Array;
  private readonly ws: Float64Array;
  private readonly wsu: Float64Array;
  private readonly hsu: Float64Array;
  private readonly ks: Float64Array;
  private readonly quad = new Float64Array(4);

  constructor(opts: VirtualBrownianTreeOptions) {
    const op = 'VirtualBrownianTree';
    const o = checkBrownianOptions(op, opts);
    this.t0 = o.t0;
    this.t1 = o.t1;
    this.shape = o.shape;
    this.dtype = o.dtype;
    this.levyArea = o.levyArea;
    this.size = o.size;
    this.k0 = o.key.k0;
    this.k1 = o.key.k1;
    const T = o.t1 - o.t0;
    if (opts.depth !== undefined && opts.tol !== undefined)
      throw new ArgumentError(`${op}: give tol or depth, not both`);
    let depth: number;
    if (opts.depth !== undefined) {
      if (!Number.isInteger(opts.depth) || opts.depth < 0 || opts.depth > 50)
        throw new ArgumentError(`${op}: depth must be an integer in [0, 50] (got ${opts.depth})`);
      depth = opts.depth;
    } else if (opts.tol !== undefined) {
      if (!(opts.tol > 0) || !Number.isFinite(opts.tol))
        throw new ArgumentError(`${op}: tol must be a positive number (got ${opts.tol})`);
      depth = Math.max(0, Math.ceil(Math.log2(T / opts.tol) - 1e-12));
      if (depth > 50)
        throw new ArgumentError(`${op}: tol = ${opts.tol} needs depth ${depth} > 50 for [${o.t0}, ${o.t1}]`);
    } else depth = 16;
    this.depth = depth;
    const n = this.size;
    const levy = this.levyArea === 'space-time';
    this.z = new Float64Array(4 * n);
    this.ws = new Float64Array(n);
    this.wsu = new Float64Array(n);
    this.hsu = new Float64Array(n);
    this.ks = new Float64Array(n);
    this.rootW = new Float64Array(n);
    nodeNormals(this.k0, this.k1, 0, 0, DOMAIN_ROOT, levy ? 2 * n : n, this.z);
    const sT = Math.sqrt(T);
    for (let i = 0; i < n; i++) this.rootW[i] = sT * this.z[i]!;
    if (levy) {
      this.rootH = new Float64Array(n);
      const sH = Math.sqrt(T / 12);
      for (let i = 0; i < n; i++) this.rootH[i] = sH * this.z[n + i]!;
    } else this.rootH = null;
  }

  /**
   * Samples W(r) − W(t0) into `w` and, with Lévy area, K(r) = ∫_t0^r (W_x − W_t0) dx into `k`.
   */
  private point(r: number, w: Float64Array, k: Float64Array | null): void {
    const n = this.size;
    const { t0, t1, depth, z, ws, wsu, hsu, ks } = this;
    const T = t1 - t0;
    const levy = this.rootH !== null;
    const u = (r - t0) / T;
    ws.fill(0);
    wsu.set(this.rootW);
    if (levy) {
      hsu.set(this.rootH!);
      ks.fill(0);
    }
    let idx = 0;
    let h = T;
    for (let d = 0; d < depth; d++) {
      const mid = (2 * idx + 1) / 2 ** (d + 1);
      const right = u >= mid;
      const L = h / 2;
      if (!levy) {
        nodeNormals(this.k0, this.k1, idx, d, DOMAIN_MID, n, z);
        const c = Math.sqrt(h) / 2;
        for (let i = 0; i < n; i++) {
          const w1 = 0.5 * wsu[i]! + c * z[i]!;
          if (right) {
            ws[i]! += w1;
            wsu[i] = wsu[i]! - w1;
          } else wsu[i] = w1;
        }
      } else {
        nodeNormals(this.k0, this.k1, idx, d, DOMAIN_MID, 2 * n, z);
        const sh = Math.sqrt(h);
        const cw = sh / 4;
        const c1 = sh / 8;
        const c2 = sh / (4 * SQRT3);
        for (let i = 0; i < n; i++) {
          const W = wsu[i]!;
          const H = hsu[i]!;
          const z1 = z[2 * i]!;
          const z2 = z[2 * i + 1]!;
          const w1 = 0.5 * W + 1.5 * H - cw * z1;
          if (right) {
            const h1 = 0.25 * H + c1 * z1 + c2 * z2;
            ks[i]! += L * (ws[i]! + 0.5 * w1 + h1);
            ws[i]! += w1;
            wsu[i] = W - w1;
            hsu[i] = 0.25 * H + c1 * z1 - c2 * z2;
          } else {
            wsu[i] = w1;
            hsu[i] = 0.25 * H + c1 * z1 + c2 * z2;
          }
        }
      }
      idx = right ? 2 * idx + 1 : 2 * idx;
      h = L;
    }
    // Inside the leaf [s, s + h]: exact conditional sample at r.
    const s = t0 + (T * idx) / 2 ** depth;
    const L1 = Math.min(h, Math.max(0, r - s));
    const L2 = h - L1;
    if (!levy) {
      if (L1 === 0) w.set(ws);
      else if (L2 === 0) for (let i = 0; i < n; i++) w[i] = ws[i]! + wsu[i]!;
      else {
        nodeNormals(this.k0, this.k1, idx, depth, DOMAIN_LEAF, n, z);
        const a = L1 / h;
        const c = Math.sqrt((L1 * L2) / h);
        for (let i = 0; i < n; i++) w[i] = ws[i]! + a * wsu[i]! + c * z[i]!;
      }
      return;
    }
    if (L1 === 0) {
      w.set(ws);
      k!.set(ks);
      return;
    }
    const q = this.quad;
    if (L2 === 0) {
      for (let i = 0; i < n; i++) {
        w[i] = ws[i]! + wsu[i]!;
        k![i] = ks[i]! + L1 * (ws[i]! + 0.5 * wsu[i]! + hsu[i]!);
      }
      return;
    }
    const coefs = splitCoefs(L1, L2);
    nodeNormals(this.k0, this.k1, idx, depth, DOMAIN_LEAF, 4 * n, z);
    for (let i = 0; i < n; i++) {
      splitWithLevy(coefs, wsu[i]!, hsu[i]!, z[4 * i]!, z[4 * i + 1]!, z[4 * i + 2]!, z[4 * i + 3]!, q);
      w[i] = ws[i]! + q[0]!;
      k![i] = ks[i]! + L1 * (ws[i]! + 0.5 * q[0]! + q[1]!);
    }
  }

  private tensor(d: Float64Array): Tensor {
    return Tensor._fromData(this.dtype === 'float64' ? d : Float32Array.from(d), this.shape, this.dtype);
  }

  /** W(tb) − W(ta), or W(ta) − W(t0) when tb is omitted. */
  evaluate(ta: number, tb?: number): Tensor {
    const op = 'VirtualBrownianTree.evaluate';
    const a = checkTime(op, ta, this.t0, this.t1);
    const n = this.size;
    const wa = new Float64Array(n);
    if (a !== this.t0) this.point(a, wa, this.rootH ? new Float64Array(n) : null);
    if (tb === undefined) return this.tensor(wa);
    const b = checkTime(op, tb, this.t0, this.t1);
    if (b === a) return this.tensor(new Float64Array(n));
    const wb = new Float64Array(n);
    if (b !== this.t0) this.point(b, wb, this.rootH ? new Float64Array(n) : null);
    for (let i = 0; i < n; i++) wb[i] = wb[i]! - wa[i]!;
    return this.tensor(wb);
  }

  /** The increment over [ta, tb] (ta ≤ tb) with its space-time Lévy area when enabled. */
  increment(ta: number, tb: number): BrownianIncrement {
    const op = 'VirtualBrownianTree.increment';
    const a = checkTime(op, ta, this.t0, this.t1);
    const b = checkTime(op, tb, this.t0, this.t1);
    if (b < a) throw new ArgumentError(`${op}: need ta ≤ tb (got ta = ${ta}, tb = ${tb})`);
    if (!this.rootH) return { dt: b - a, W: this.evaluate(a, b) };
    const n = this.size;
    if (b === a) return { dt: 0, W: this.tensor(new Float64Array(n)), H: this.tensor(new Float64Array(n)) };
    const wa = new Float64Array(n);
    const ka = new Float64Array(n);
    const wb = new Float64Array(n);
    const kb = new Float64Array(n);
    if (a !== this.t0) this.point(a, wa, ka);
    this.point(b, wb, kb);
    const h = b - a;
    const H = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const W = wb[i]! - wa[i]!;
      H[i] = (kb[i]! - ka[i]!) / h - wa[i]! - 0.5 * W;
      wb[i] = W;
    }
    return { dt: h, W: this.tensor(wb), H: this.tensor(H) };
  }
}

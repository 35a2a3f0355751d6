/**
 * Standard normals addressed by a counter (Philox4x32-10): the draws for one node of a
 * Brownian tree are a pure function of (key, node index, depth, purpose), so any node
 * can be re-sampled at any time without storing it.
 */
import { philoxBlock } from '../../random/philox.js';

const TWO_PI = 2 * Math.PI;
const INV32 = 2 ** -32;
const block = new Uint32Array(4);

/** Purposes (the fourth counter word), so different uses of one node never share draws. */
export const DOMAIN_ROOT = 0xb7000001;
export const DOMAIN_MID = 0xb7000002;
export const DOMAIN_LEAF = 0xb7000003;
export const DOMAIN_SPLIT = 0xb7000004;
export const DOMAIN_SEED = 0xb7000005;

/**
 * Writes `n` standard normals into `out` (from `at`): Box–Muller on pairs of 32-bit
 * uniforms `(w + ½)/2³²` (tails to 6.6σ), four normals per Philox block. The block
 * counter is `(index mod 2³², ⌊index / 2³²⌋, depth + 64·j, domain)` for the j-th block.
 */
export function nodeNormals(
  k0: number,
  k1: number,
  index: number,
  depth: number,
  domain: number,
  n: number,
  out: Float64Array,
  at = 0,
): void {
  const lo = index >>> 0;
  const hi = Math.floor(index / 0x100000000) >>> 0;
  const blocks = (n + 3) >> 2;
  for (let j = 0; j < blocks; j++) {
    philoxBlock(k0, k1, lo, hi, (depth + 64 * j) >>> 0, domain, block, 0);
    const o = at + 4 * j;
    const r1 = Math.sqrt(-2 * Math.log((block[0]! + 0.5) * INV32));
    const th1 = TWO_PI * block[1]! * INV32;
    out[o] = r1 * Math.cos(th1);
    if (4 * j + 1 < n) out[o + 1] = r1 * Math.sin(th1);
    if (4 * j + 2 < n) {
      const r2 = Math.sqrt(-2 * Math.log((block[2]! + 0.5) * INV32));
      const th2 = TWO_PI * block[3]! * INV32;
      out[o + 2] = r2 * Math.cos(th2);
      if (4 * j + 3 < n) out[o + 3] = r2 * Math.sin(th2);
    }
  }
}

/** Two 64-bit child seeds `[l0, l1, r0, r1]` derived from a parent seed. */
export function childSeeds(k0: number, k1: number, out: Uint32Array): void {
  philoxBlock(k0, k1, 0, 0, 0, DOMAIN_SEED, out, 0);
}

/**
 * A numerical property checker for loss functions. A `PropertyProbe` views a loss as a
 * function of its prediction argument x ∈ ℝᵈ (the other inputs fixed); `checkProperties`
 * samples points and pairs with a seeded PRNG over many scales and tests:
 *
 * - **convexity**: the midpoint inequality ℓ((a+b)/2) ≤ (ℓ(a)+ℓ(b))/2 on random pairs, pairs
 *   along coordinate axes, along the all-ones direction and along rays from the probe's
 *   centres (scales 0.01…100);
 * - **strict convexity**: convex, and the midpoint gap stays positive (relative to rounding)
 *   on the same kinds of pairs at moderate scales (0.3…2), where curvature is not lost to rounding;
 * - **Lipschitz continuity**: the largest finite-difference slope |ℓ(a) − ℓ(b)|/‖a − b‖ over
 *   all pairs (scales 10⁻⁴…10⁴) and across the documented kinks stays below a bound (default 100);
 *   quadratic growth or a singularity exceeds it by orders of magnitude;
 * - **continuity**: no jump |ℓ(x + hv) − ℓ(x − hv)| that persists as h shrinks (10⁻⁶ → 10⁻⁸),
 *   at random points and at the candidate kinks;
 * - **differentiability**: one-sided difference quotients agree (or their gap shrinks with h,
 *   10⁻⁵ → 10⁻⁷) at random points and at every candidate kink (where the loss is either truly
 *   non-smooth or has a smooth join);
 * - **non-negativity**: no evaluated value below 0.
 *
 * The result is evidence, not proof: a reported violation is a concrete counterexample; a
 * property reported to hold survived every sample.
 */
import { noGrad } from '../autograd/mode.js';
import { ArgumentError } from '../core/errors.js';
import { randomKey } from '../random/key.js';
import { philoxWords, u32PairToFloat53 } from '../random/philox.js';
import { lossProbe } from './probes.js';
import {
  CHECKED_PROPERTIES,
  type CheckedProperty,
  getLoss,
  LOSS_PROPERTIES,
  type LossInfo,
  type LossProperty,
  lossRegistry,
} from './registry.js';

/** A seeded stream of uniform and normal numbers (Philox4x32-10, as `nabla/random`). */
export class ProbeRng {
  private readonly k0: number;
  private readonly k1: number;
  private block = 0;
  private buf: Uint32Array = new Uint32Array(0);
  private pos = 0;
  private spare: number | null = null;

  constructor(seed: number) {
    const key = randomKey(seed);
    this.k0 = key.k0;
    this.k1 = key.k1;
  }

  private word(): number {
    if (this.pos >= this.buf.length) {
      this.buf = philoxWords(this.k0, this.k1, this.block, 256);
      this.block += 64;
      this.pos = 0;
    }
    return this.buf[this.pos++]!;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return u32PairToFloat53(this.word(), this.word());
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u = 1 - this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(t);
    return r * Math.cos(t);
  }

  /** `n` standard normals times `scale`. */
  normals(n: number, scale = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = scale * this.normal();
    return out;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }
}

/** A point where a loss may be non-smooth, with a direction that crosses it. */
export interface KinkCandidate {
  readonly label: string;
  readonly point: Float64Array;
  readonly direction: Float64Array;
}

/** A loss seen as a function of its prediction argument x ∈ ℝᵈ, other inputs fixed. */
export interface PropertyProbe {
  readonly dim: number;
  /** What x is (e.g. "scores [2], labels [1, −1]"). */
  readonly description: string;
  /**
   * Maps a latent u ∈ ℝᵈ to a point of the domain (default: the identity). Points are drawn
   * as `transform(s·N(0, I))` and axis / all-ones pairs are formed in the latent space, so a
   * transform such as `expm1` (domain x > −1) also yields close pairs near the boundary.
   */
  transform?(u: Float64Array): Float64Array;
  /** The loss at x (float64). */
  value(x: Float64Array): number;
  /** Candidate non-smooth points (documented kinks and smooth joins to confirm). */
  readonly kinks: readonly KinkCandidate[];
  /** Points that rays start from (for pairs on a ray: homogeneity, flat directions). */
  readonly centers: readonly Float64Array[];
  /** Domain test (default: everything). */
  inDomain?(x: Float64Array): boolean;
}

/** The verdict on one property. */
export interface PropertyVerdict {
  readonly holds: boolean;
  /** The counterexample when it fails; the sample size when it holds. */
  readonly evidence: string;
}

/** The checker's findings. */
export interface PropertyReport {
  readonly verdicts: Readonly<Record<CheckedProperty, PropertyVerdict>>;
  /** The largest finite-difference slope seen (a lower bound on the Lipschitz constant). */
  readonly lipschitzEstimate: number;
  /** Number of loss evaluations. */
  readonly evaluations: number;
}

/** Options of `checkProperties`. */
export interface CheckOptions {
  /** PRNG seed (default 0). */
  seed?: number;
  /** Pairs (and points) per scale and kind (default 32). */
  samples?: number;
  /** Slope bound of the Lipschitz test (default 100). */
  lipschitzBound?: number;
}

const CONVEX_SCALES = [0.01, 0.1, 1, 10, 100];
const STRICT_SCALES = [0.3, 1, 2];
/** Scales of the Lipschitz test beyond those of the midpoint tests (together: 1e-4…1e4). */
const LIPSCHITZ_EXTRA_SCALES = [1e-4, 1e-3, 1e3, 1e4];
const SMOOTH_SCALES = [0.3, 1, 3];
const RAY_FACTORS = [0.25, 0.5, 2, 3];

function fmtVec(x: Float64Array): string {
  return `[${Array.from(x, (v) => Number(v.toPrecision(4))).join(', ')}]`;
}

function fmtNum(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v);
}

function dist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

function axpy(x: Float64Array, h: number, v: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + h * v[i]!;
  return out;
}

function midpoint(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = 0.5 * (a[i]! + b[i]!);
  return out;
}

function unit(v: Float64Array): Float64Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** Checks the properties of a loss through its probe (see the module comment). */
export function checkProperties(probe: PropertyProbe, opts: CheckOptions = {}): PropertyReport {
  const rng = new ProbeRng(opts.seed ?? 0);
  const n = opts.samples ?? 32;
  const bound = opts.lipschitzBound ?? 100;
  if (!(Number.isInteger(n) && n > 0))
    throw new ArgumentError(`checkProperties: samples must be a positive integer (got ${n})`);
  let evaluations = 0;
  let minValue = Number.POSITIVE_INFINITY;
  let minAt: Float64Array | null = null;
  const inDomain = (x: Float64Array) => (probe.inDomain ? probe.inDomain(x) : true);
  const map = (u: Float64Array) => (probe.transform ? probe.transform(u) : u);
  const sample = (s: number) => map(rng.normals(probe.dim, s));
  const f = (x: Float64Array): number => {
    evaluations++;
    const v = noGrad(() => probe.value(x));
    if (Number.isFinite(v) && v < minValue) {
      minValue = v;
      minAt = x;
    }
    return v;
  };

  /** Pairs of the four kinds at one scale. */
  const pairs = (s: number): [Float64Array, Float64Array][] => {
    const out: [Float64Array, Float64Array][] = [];
    const kinds = probe.centers.length ? 4 : 3;
    for (let i = 0; i < n * kinds; i++) {
      const ua = rng.normals(probe.dim, s);
      const a = map(ua);
      let b: Float64Array;
      switch (i % kinds) {
        case 0:
          b = sample(s);
          break;
        case 1: {
          const ub = ua.slice();
          ub[rng.int(probe.dim)]! += s * rng.normal();
          b = map(ub);
          break;
        }
        case 2: {
          const t = s * rng.normal();
          b = map(ua.map((v) => v + t));
          break;
        }
        default: {
          const c = probe.centers[rng.int(probe.centers.length)]!;
          const lam = RAY_FACTORS[rng.int(RAY_FACTORS.length)]!;
          b = c.map((cv, j) => cv + lam * (a[j]! - cv));
        }
      }
      if (a.every((v, j) => v === b[j])) continue;
      if (!inDomain(a) || !inDomain(b)) continue;
      out.push([a, b]);
    }
    return out;
  };

  // Lipschitz: the largest slope over every pair evaluated (midpoint tests included) and across kinks.
  let lip = 0;
  let lipAt = '';
  const slope = (a: Float64Array, b: Float64Array, la: number, lb: number) => {
    const sl =
      Number.isFinite(la) && Number.isFinite(lb) ? Math.abs(la - lb) / dist(a, b) : Number.POSITIVE_INFINITY;
    if (sl > lip || (Number.isNaN(sl) && lip !== Number.POSITIVE_INFINITY)) {
      lip = Number.isNaN(sl) ? Number.POSITIVE_INFINITY : sl;
      lipAt = `|ℓ(a) − ℓ(b)|/‖a − b‖ = ${fmtNum(lip)} at a = ${fmtVec(a)}, b = ${fmtVec(b)}`;
    }
  };
  let lipPairs = 0;

  // Convexity (and, at moderate scales, strict convexity).
  let convexFail: string | null = null;
  let worstViolation = 0;
  let strictFail: string | null = null;
  let convexPairs = 0;
  let strictPairs = 0;
  const midpointTest = (s: number, strict: boolean) => {
    for (const [a, b] of pairs(s)) {
      const m = midpoint(a, b);
      if (!inDomain(m)) continue;
      const la = f(a);
      const lb = f(b);
      lipPairs++;
      slope(a, b, la, lb);
      const lm = f(m);
      if (![la, lb, lm].every(Number.isFinite)) continue;
      const gap = 0.5 * (la + lb) - lm;
      const scale = 1 + Math.abs(la) + Math.abs(lb);
      // Strict convexity needs pairs far enough apart for the curvature to beat rounding.
      if (strict && dist(a, b) >= 0.1 * s) {
        strictPairs++;
        if (!strictFail && gap <= 1e-12 * scale) {
          strictFail = `flat midpoint: ℓ(a) = ${fmtNum(la)}, ℓ(b) = ${fmtNum(lb)}, ℓ((a+b)/2) = ${fmtNum(lm)} (gap ${fmtNum(gap)}) at a = ${fmtVec(a)}, b = ${fmtVec(b)}`;
        }
      } else if (!strict) {
        convexPairs++;
      }
      // Keep the largest violation (relative to the values) as the counterexample.
      if (gap < -1e-9 * scale && -gap / scale > worstViolation) {
        worstViolation = -gap / scale;
        convexFail = `midpoint violation: ℓ((a+b)/2) = ${fmtNum(lm)} > (ℓ(a)+ℓ(b))/2 = ${fmtNum(0.5 * (la + lb))} (by ${fmtNum(-gap)}) at a = ${fmtVec(a)}, b = ${fmtVec(b)}`;
      }
    }
  };
  for (const s of CONVEX_SCALES) midpointTest(s, false);
  for (const s of STRICT_SCALES) midpointTest(s, true);

  for (const s of LIPSCHITZ_EXTRA_SCALES) {
    for (const [a, b] of pairs(s)) {
      lipPairs++;
      slope(a, b, f(a), f(b));
    }
  }
  for (const k of probe.kinks) {
    const v = unit(k.direction);
    for (const h of [1e-7, 1e-4]) {
      const a = axpy(k.point, -h, v);
      const b = axpy(k.point, h, v);
      lipPairs++;
      slope(a, b, f(a), f(b));
    }
  }

  // Continuity and differentiability at random points and at the candidate kinks.
  let contFail: string | null = null;
  let diffFail: string | null = null;
  let smoothPoints = 0;
  // A jump or a slope mismatch counts only if it does not shrink with the step (×100 smaller):
  // at a smooth but steep point both shrink in proportion to h, at a discontinuity or kink not.
  const smoothTest = (x: Float64Array, dir: Float64Array, label: string) => {
    const v = unit(dir);
    const l0 = f(x);
    if (!Number.isFinite(l0)) return;
    const jump = (h: number) => Math.abs(f(axpy(x, h, v)) - f(axpy(x, -h, v)));
    const mismatch = (h: number) => {
      const fwd = (f(axpy(x, h, v)) - l0) / h;
      const bwd = (l0 - f(axpy(x, -h, v))) / h;
      return { fwd, bwd, d: Math.abs(fwd - bwd), tol: 1e-3 * (1 + Math.abs(fwd) + Math.abs(bwd)) };
    };
    const [j1, j2] = [jump(1e-6), jump(1e-8)];
    const [m1, m2] = [mismatch(1e-5), mismatch(1e-7)];
    if (![j1, j2, m1.d, m2.d].every(Number.isFinite)) return; // at the edge of the domain
    smoothPoints++;
    if (!contFail && j2 > 1e-6 * (1 + Math.abs(l0)) && j2 > 0.5 * j1) {
      contFail = `jump ${fmtNum(j2)} across ${label} x = ${fmtVec(x)} (h = 1e-8; ${fmtNum(j1)} at h = 1e-6)`;
    }
    if (!diffFail && m2.d > m2.tol && m2.d > 0.5 * m1.d) {
      diffFail = `one-sided derivatives ${fmtNum(m2.bwd)} (left) and ${fmtNum(m2.fwd)} (right) differ at ${label} x = ${fmtVec(x)}`;
    }
  };
  for (const k of probe.kinks) smoothTest(k.point, k.direction, `kink candidate "${k.label}",`);
  for (const s of SMOOTH_SCALES) {
    for (let i = 0; i < n; i++) {
      const x = sample(s);
      if (inDomain(x)) smoothTest(x, rng.normals(probe.dim), 'random point');
    }
  }

  const ok = (count: number, what: string): PropertyVerdict => ({
    holds: true,
    evidence: `no violation in ${count} ${what}`,
  });
  const bad = (evidence: string): PropertyVerdict => ({ holds: false, evidence });
  const convex = convexFail ? bad(convexFail) : ok(convexPairs + strictPairs, 'midpoint tests');
  const verdicts: Record<CheckedProperty, PropertyVerdict> = {
    continuous: contFail ? bad(contFail) : ok(smoothPoints, 'points (incl. kinks)'),
    differentiable: diffFail ? bad(diffFail) : ok(smoothPoints, 'points (incl. kinks)'),
    lipschitz:
      lip <= bound
        ? {
            holds: true,
            evidence: `largest slope ${fmtNum(lip)} ≤ ${bound} over ${lipPairs} pairs (scales 1e-4…1e4)`,
          }
        : bad(`slope ${lipAt} exceeds ${bound}`),
    convex,
    strictlyConvex: !convex.holds
      ? bad('not convex')
      : strictFail
        ? bad(strictFail)
        : ok(strictPairs, 'midpoint tests at scales 0.3…2'),
    nonNegative:
      minValue >= -1e-12
        ? { holds: true, evidence: `smallest value ${fmtNum(minValue)} over ${evaluations} evaluations` }
        : bad(`ℓ = ${fmtNum(minValue)} < 0 at x = ${fmtVec(minAt!)}`),
  };
  return { verdicts, lipschitzEstimate: lip, evaluations };
}

/** The checker's verdicts on one registry entry, compared with the registry and the survey. */
export interface LossPropertyCheck {
  readonly id: LossInfo['id'];
  /** Null for entries without a probe (the generalized margin family). */
  readonly report: PropertyReport | null;
  /** Properties where the checker disagrees with the registry's `verified` record. */
  readonly registryMismatches: readonly CheckedProperty[];
  /** Survey tags the checker refutes. */
  readonly contradicted: readonly LossProperty[];
  /** Properties the checker confirms that the survey does not tag (L-CONT implies CONT). */
  readonly unlisted: readonly LossProperty[];
}

/** Runs the checker on one loss of the registry (by id or entry). */
export function checkLossProperties(loss: string | LossInfo, opts: CheckOptions = {}): LossPropertyCheck {
  const info = typeof loss === 'string' ? getLoss(loss) : loss;
  const probe = lossProbe(info.id);
  if (!probe) return { id: info.id, report: null, registryMismatches: [], contradicted: [], unlisted: [] };
  const report = checkProperties(probe, opts);
  const v = report.verdicts;
  const tags = new Set<LossProperty>(info.surveyTags);
  if (tags.has('lipschitz')) tags.add('continuous');
  if (tags.has('strictlyConvex')) tags.add('convex');
  return {
    id: info.id,
    report,
    registryMismatches: info.verified
      ? CHECKED_PROPERTIES.filter((p) => v[p].holds !== info.verified![p])
      : [],
    contradicted: info.surveyTags.filter((t) => !v[t].holds),
    unlisted: LOSS_PROPERTIES.filter((p) => v[p].holds && !tags.has(p)),
  };
}

/** Runs the checker on every loss of the registry. */
export function checkRegistry(opts: CheckOptions = {}): LossPropertyCheck[] {
  return lossRegistry.map((info) => checkLossProperties(info, opts));
}

/**
 * A tiny seeded generator (sfc32 seeded through splitmix32) behind the {@link Rng} interface.
 *
 * TODO(engine): the engine's counter-based PRNG lands in `src/random`; once it does, make
 * {@link makeRng} delegate to it. Experiments only see the interface, and the runner accepts a
 * `makeRng` option, so the swap does not touch experiment code.
 */

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform float in [lo, hi). */
  uniform(lo?: number, hi?: number): number;
  /** Gaussian sample (Box–Muller). */
  normal(mean?: number, std?: number): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
  /** A new generator whose stream is independent of this one (advances this one once). */
  split(): Rng;
  /** Serializable state, for checkpoints. */
  getState(): number[];
  /** Restores a state returned by {@link Rng.getState}. */
  setState(state: readonly number[]): void;
}

export type MakeRng = (seed: number) => Rng;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Sfc32 implements Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm() | 1;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  private nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }

  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  normal(mean = 0, std = 1): number {
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`rng.int(n): n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  split(): Rng {
    return new Sfc32(this.nextU32() ^ 0x5bd1e995);
  }

  getState(): number[] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((x) => !Number.isInteger(x))) {
      throw new Error('rng.setState: expected 4 integers from rng.getState()');
    }
    this.a = state[0]! | 0;
    this.b = state[1]! | 0;
    this.c = state[2]! | 0;
    this.d = state[3]! | 0;
  }
}

/** The default seeded generator (local stand-in for the engine PRNG). */
export const makeRng: MakeRng = (seed: number) => new Sfc32(seed);

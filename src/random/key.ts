/**
 * PRNG keys and the global generator. A `PRNGKey` is an immutable 64-bit key
 * (JAX-style): functions given a key are pure; `splitKey` derives independent
 * keys. Functions called without a key draw from the global generator,
 * which `manualSeed` resets (PyTorch-style).
 */
import { ArgumentError } from '../core/errors.js';
import { philoxWords } from './philox.js';

/** An immutable Philox key. */
export class PRNGKey {
  constructor(
    readonly k0: number,
    readonly k1: number,
  ) {}

  /** `[k0, k1]` for serialisation. */
  toJSON(): [number, number] {
    return [this.k0, this.k1];
  }
}

/** A key from an integer seed (any safe integer; the high bits go into the second word). */
export function randomKey(seed: number): PRNGKey {
  if (!Number.isSafeInteger(seed))
    throw new ArgumentError(`randomKey: seed must be a safe integer (got ${seed})`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  // Scramble so nearby seeds give unrelated keys.
  const w = philoxWords(lo, hi ^ 0x5eed, 0, 2, 0xffffffff);
  return new PRNGKey(w[0]!, w[1]!);
}

/** Derives `n` independent keys from `key`. */
export function splitKey(key: PRNGKey, n = 2): PRNGKey[] {
  if (!Number.isInteger(n) || n < 1)
    throw new ArgumentError(`splitKey: n must be a positive integer (got ${n})`);
  const w = philoxWords(key.k0, key.k1, 0, 2 * n, 1);
  return Array.from({ length: n }, (_, i) => new PRNGKey(w[2 * i]!, w[2 * i + 1]!));
}

/** A key folded with an integer (e.g. a step or worker index), like `jax.random.fold_in`. */
export function foldIn(key: PRNGKey, data: number): PRNGKey {
  const w = philoxWords(key.k0, key.k1, data >>> 0, 2, 2);
  return new PRNGKey(w[0]!, w[1]!);
}

/** Default seed of the global generator (fixed, so runs are reproducible unless reseeded). */
export const DEFAULT_SEED = 0;

/** The global generator: a key plus a block counter that advances with every draw. */
class GlobalGenerator {
  key = randomKey(DEFAULT_SEED);
  offset = 0;
  seed = DEFAULT_SEED;

  /** Reserves `blocks` Philox blocks and returns (key, first block). */
  take(blocks: number): { key: PRNGKey; offset: number } {
    const r = { key: this.key, offset: this.offset };
    this.offset += blocks;
    return r;
  }
}

/** @internal */
export const globalGenerator = new GlobalGenerator();

/** Reseeds the global generator (like `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  globalGenerator.key = randomKey(seed);
  globalGenerator.offset = 0;
  globalGenerator.seed = seed;
}

/** The state of the global generator, for checkpoints. */
export interface GeneratorState {
  seed: number;
  key: [number, number];
  offset: number;
}

/** Snapshot of the global generator. */
export function getRngState(): GeneratorState {
  return { seed: globalGenerator.seed, key: globalGenerator.key.toJSON(), offset: globalGenerator.offset };
}

/** Restores the global generator from `getRngState()`. */
export function setRngState(state: GeneratorState): void {
  globalGenerator.seed = state.seed;
  globalGenerator.key = new PRNGKey(state.key[0], state.key[1]);
  globalGenerator.offset = state.offset;
}

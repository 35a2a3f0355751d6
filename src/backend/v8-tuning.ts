/**
 * V8 settings that change the cost of nabla's allocations, applied once at import.
 *
 * Every op allocates its output as a typed array, and arrays over 64 bytes get an off-heap
 * backing store from `malloc`. By default V8 frees dead backing stores on a background thread,
 * and that thread's `free` contends with the main thread's `malloc` for the allocator's lock:
 * on the 2-core development machine a `new Float32Array(128)` took 2.8 µs with concurrent
 * array-buffer sweeping and 0.29 µs without (docs/backend.md). Sweeping on the main thread is
 * what V8 does anyway when the flag is off; nothing else changes. `NABLA_V8_TUNING=0` leaves
 * V8's flags untouched.
 */
import { setFlagsFromString } from 'node:v8';

/** The flags nabla sets, in V8's syntax. */
export const V8_TUNING_FLAGS: readonly string[] = ['--no-concurrent-array-buffer-sweeping'];

let applied: readonly string[] = [];

/** Applies {@link V8_TUNING_FLAGS} unless `NABLA_V8_TUNING=0`; returns the flags now in effect. */
export function applyV8Tuning(): readonly string[] {
  if (process.env.NABLA_V8_TUNING === '0') return applied;
  for (const flag of V8_TUNING_FLAGS) setFlagsFromString(flag);
  applied = V8_TUNING_FLAGS;
  return applied;
}

/** The V8 flags nabla applied at import (empty when disabled by `NABLA_V8_TUNING=0`). */
export function appliedV8Flags(): readonly string[] {
  return applied;
}

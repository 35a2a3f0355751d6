/** Chaining transforms. */
import { foldIn, type PRNGKey } from '../../random/key.js';
import type { Transform } from './types.js';

/**
 * Applies transforms left to right. A per-call key is passed on as `foldIn(key, i)` to the
 * `i`-th transform.
 */
export function compose<A, B>(t1: Transform<A, B>): Transform<A, B>;
export function compose<A, B, C>(t1: Transform<A, B>, t2: Transform<B, C>): Transform<A, C>;
export function compose<A, B, C, D>(
  t1: Transform<A, B>,
  t2: Transform<B, C>,
  t3: Transform<C, D>,
): Transform<A, D>;
export function compose<A, B, C, D, E>(
  t1: Transform<A, B>,
  t2: Transform<B, C>,
  t3: Transform<C, D>,
  t4: Transform<D, E>,
): Transform<A, E>;
export function compose<A, B, C, D, E, F>(
  t1: Transform<A, B>,
  t2: Transform<B, C>,
  t3: Transform<C, D>,
  t4: Transform<D, E>,
  t5: Transform<E, F>,
): Transform<A, F>;
/** Any number of transforms (types unchecked between steps: give the input and output types). */
export function compose<I, O>(...transforms: Transform<never, unknown>[]): Transform<I, O>;
export function compose(...transforms: Transform<never, unknown>[]): Transform<unknown, unknown> {
  const list = transforms as unknown as Transform<unknown, unknown>[];
  return (x: unknown, key?: PRNGKey) => {
    let y = x;
    list.forEach((t, i) => {
      y = key ? t(y, foldIn(key, i)) : t(y);
    });
    return y;
  };
}

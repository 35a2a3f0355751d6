import { expect, test } from 'vitest';
import { getBackend, setBackend } from '../../src/backend/index.js';
import { SGD } from '../../src/optim/index.js';
import { randomKey } from '../../src/random/key.js';
import { randn } from '../../src/random/sample.js';
import { expectClose, flat } from '../helpers.js';

// Large plain-SGD updates take the native axpy path on the native backend: same result as the loop.
for (const dtype of ['float32', 'float64'] as const) {
  test(`plain SGD on 1,000 ${dtype} parameters: θ − lr·g on every backend`, () => {
    const results: number[][] = [];
    const prev = getBackend().name;
    for (const backend of [prev, 'js']) {
      setBackend(backend);
      const p = randn([1000], { dtype, key: randomKey(1) }).requiresGrad_(true);
      const g = randn([1000], { dtype, key: randomKey(2) });
      const expected = flat(p).map((v, i) => v - 0.1 * flat(g)[i]!);
      p.grad = g;
      new SGD([p], { lr: 0.1 }).step();
      expectClose(p, expected, dtype === 'float32' ? 1e-6 : 1e-15, 1e-7);
      results.push(flat(p));
    }
    setBackend(prev);
    expect(results[0]!.length).toBe(1000);
  });
}

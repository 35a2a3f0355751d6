import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, test } from 'vitest';
import { noGrad } from '../../src/autograd/mode.js';
import { copy_ } from '../../src/ops/assign.js';
import { mul, sub } from '../../src/ops/binary.js';
import { matmul } from '../../src/ops/matmul.js';
import { mean } from '../../src/ops/reduce.js';
import { tanh } from '../../src/ops/unary.js';
import { randomKey } from '../../src/random/key.js';
import { randn } from '../../src/random/sample.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

test('a 10,000-step training loop does not grow memory (no dispose needed)', () => {
  const key = randomKey(0);
  const x = randn([32, 8], { key });
  const y = randn([32, 1], { key: randomKey(1) });
  const w1 = mul(randn([8, 16], { key: randomKey(2) }), 0.3).requiresGrad_();
  const w2 = mul(randn([16, 1], { key: randomKey(3) }), 0.3).requiresGrad_();
  const step = () => {
    const pred = matmul(tanh(matmul(x, w1)), w2);
    const loss = mean(mul(sub(pred, y), sub(pred, y)));
    loss.backward();
    noGrad(() => {
      copy_(w1, sub(w1, mul(w1.grad!, 0.05)));
      copy_(w2, sub(w2, mul(w2.grad!, 0.05)));
    });
    w1.grad = null;
    w2.grad = null;
    return loss.item();
  };
  const heap: number[] = [];
  let first = 0;
  let last = 0;
  for (let i = 0; i < 10_000; i++) {
    last = step();
    if (i === 0) first = last;
    if (i % 2000 === 1999) {
      gc();
      heap.push(process.memoryUsage().heapUsed);
    }
  }
  expect(last).toBeLessThan(first);
  // After warm-up, the heap stays flat: growth between the 2nd and last sample under 5 MB.
  expect(heap[heap.length - 1]! - heap[1]!).toBeLessThan(5 * 1024 * 1024);
});

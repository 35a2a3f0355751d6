/**
 * Trains a multilayer perceptron on Fashion-MNIST (Debian's dataset-fashion-mnist).
 * Run: npx tsx examples/fashion-mnist-mlp.ts [--epochs 5]
 */

import { parseArgs } from 'node:util';
import { argmax, eq, manualSeed, noGrad, sum } from 'nabla';
import { DataLoader, FashionMNIST } from 'nabla/data';
import { CrossEntropyLoss, Linear, ReLU, Sequential } from 'nabla/nn';
import { Adam } from 'nabla/optim';
import { backendName } from './backend-name.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '5' } } });
const epochs = Number(values.epochs);
manualSeed(0);

const train = new FashionMNIST({ split: 'train', flatten: true });
const test = new FashionMNIST({ split: 'test', flatten: true });
const model = new Sequential(
  new Linear(784, 256),
  new ReLU(),
  new Linear(256, 128),
  new ReLU(),
  new Linear(128, 10),
);
const lossFn = new CrossEntropyLoss();
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });

const start = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  model.train();
  let total = 0;
  let batches = 0;
  for (const [x, y] of new DataLoader(train, { batchSize: 128, shuffle: true })) {
    const loss = lossFn.forward(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    total += loss.item();
    batches++;
  }
  const accuracy = evaluate();
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(
    `epoch ${epoch}: train loss ${(total / batches).toFixed(4)}, test accuracy ${(100 * accuracy).toFixed(2)}% (${seconds} s)`,
  );
}
console.log(`backend ${backendName()}, total ${((performance.now() - start) / 1000).toFixed(1)} s`);

function evaluate(): number {
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (const [x, y] of new DataLoader(test, { batchSize: 1000 })) {
      correct += sum(eq(argmax(model.forward(x), 1), y)).item();
    }
  });
  return correct / test.length;
}

/**
 * Trains a small convolutional network on Fashion-MNIST (Debian's dataset-fashion-mnist).
 * Run: npx tsx examples/fashion-mnist-cnn.ts [--epochs 3]
 */

import { parseArgs } from 'node:util';
import { argmax, eq, manualSeed, noGrad, sum } from 'nabla';
import { DataLoader, FashionMNIST } from 'nabla/data';
import { Conv2d, CrossEntropyLoss, Flatten, Linear, MaxPool2d, ReLU, Sequential } from 'nabla/nn';
import { Adam } from 'nabla/optim';
import { backendName } from './backend-name.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '3' } } });
const epochs = Number(values.epochs);
manualSeed(0);

const train = new FashionMNIST({ split: 'train' });
const test = new FashionMNIST({ split: 'test' });
const model = new Sequential(
  new Conv2d(1, 32, 3, { padding: 1 }),
  new ReLU(),
  new MaxPool2d(2),
  new Conv2d(32, 64, 3, { padding: 1 }),
  new ReLU(),
  new MaxPool2d(2),
  new Flatten(),
  new Linear(64 * 7 * 7, 128),
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
  for (const [x, y] of new DataLoader(train, { batchSize: 64, shuffle: true })) {
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

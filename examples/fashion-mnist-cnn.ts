/**
 * Trains a small convolutional network on Fashion-MNIST (Debian's dataset-fashion-mnist).
 * Run: npx tsx examples/fashion-mnist-cnn.ts [--epochs 3]
 */
import { parseArgs } from 'node:util';
import { manualSeed } from 'nabla';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from 'nabla/nn';
import { trainFashionMnist } from './train-classifier.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '3' } } });
manualSeed(0);
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
trainFashionMnist(model, { epochs: Number(values.epochs), batchSize: 64, flatten: false });

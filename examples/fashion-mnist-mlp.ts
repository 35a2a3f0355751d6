/**
 * Trains a multilayer perceptron on Fashion-MNIST (Debian's dataset-fashion-mnist).
 * Run: npx tsx examples/fashion-mnist-mlp.ts [--epochs 5]
 */
import { parseArgs } from 'node:util';
import { manualSeed } from 'nabla';
import { Linear, ReLU, Sequential } from 'nabla/nn';
import { trainFashionMnist } from './train-classifier.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '5' } } });
manualSeed(0);
const model = new Sequential(
  new Linear(784, 256),
  new ReLU(),
  new Linear(256, 128),
  new ReLU(),
  new Linear(128, 10),
);
trainFashionMnist(model, { epochs: Number(values.epochs), batchSize: 128, flatten: true });

/** The training loop shared by the Fashion-MNIST examples: Adam, cross-entropy, test accuracy per epoch. */
import { argmax, eq, getBackend, noGrad, sum } from 'nabla';
import { DataLoader, FashionMNIST } from 'nabla/data';
import { CrossEntropyLoss, type Module } from 'nabla/nn';
import { Adam } from 'nabla/optim';

/** Options of {@link trainFashionMnist}. */
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Feed images as [784] vectors (MLP) instead of [1,28,28] (CNN). */
  flatten: boolean;
  lr?: number;
}

/** Trains `model` on Fashion-MNIST, printing the loss, test accuracy and elapsed time after each epoch. */
export function trainFashionMnist(model: Module, opts: TrainOptions): void {
  const train = new FashionMNIST({ split: 'train', flatten: opts.flatten });
  const test = new FashionMNIST({ split: 'test', flatten: opts.flatten });
  const lossFn = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: opts.lr ?? 1e-3 });
  const start = performance.now();
  const seconds = () => ((performance.now() - start) / 1000).toFixed(1);
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    model.train();
    let total = 0;
    let batches = 0;
    for (const [x, y] of new DataLoader(train, { batchSize: opts.batchSize, shuffle: true })) {
      const loss = lossFn.forward(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      total += loss.item();
      batches++;
    }
    model.eval();
    let correct = 0;
    noGrad(() => {
      for (const [x, y] of new DataLoader(test, { batchSize: 1000 })) {
        correct += sum(eq(argmax(model.forward(x), 1), y)).item();
      }
    });
    const accuracy = ((100 * correct) / test.length).toFixed(2);
    console.log(
      `epoch ${epoch}: train loss ${(total / batches).toFixed(4)}, test accuracy ${accuracy}% (${seconds()} s)`,
    );
  }
  console.log(`backend ${getBackend().name}, total ${seconds()} s`);
}

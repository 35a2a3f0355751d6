import { manualSeed, randn, sin } from 'nabla';
import { Linear, Sequential, Tanh } from 'nabla/nn';
import { mseLoss } from 'nabla/nn/functional';
import { Adam } from 'nabla/optim';

manualSeed(0);
const x = randn([256, 1]);
const y = sin(x.mul(3)); // learn y = sin(3x)

const model = new Sequential(new Linear(1, 32), new Tanh(), new Linear(32, 1));
const optimizer = new Adam(model.parameters(), { lr: 0.01 });

for (let step = 0; step <= 500; step++) {
  const loss = mseLoss(model.forward(x), y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  if (step % 100 === 0) console.log(`step ${step}: loss ${loss.item().toFixed(5)}`);
}

// Workload 3: small CNN training step on 28×28 inputs:
// conv 1→16 3×3 + ReLU + maxpool 2, conv 16→32 3×3 + ReLU + maxpool 2, flatten, linear → 10.
// Unpadded convolutions: 28 → 26 → 13 → 11 → 5, so the linear layer is 32·5·5 = 800 → 10.
export async function run(rec, { nb, nn, optim }, cfg) {
  await rec.run('cnn', () => {
    nb.manualSeed(0);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 16, 3),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(16, 32, 3),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(32 * 5 * 5, 10),
    );
    const opt = new optim.SGD(model.parameters(), { lr: cfg.lr });
    const x = nb.randn([cfg.batch, 1, 28, 28]);
    const y = nb.randint(0, 10, [cfg.batch]);
    let last = Number.NaN;
    return {
      fn: () => {
        opt.zeroGrad();
        const loss = nn.F.crossEntropy(model.forward(x), y);
        loss.backward();
        opt.step();
        last = loss.item();
      },
      check: () => last,
    };
  });
}

// Workload 2: MLP 784-256-256-10 training step: zeroGrad, forward, cross-entropy, backward, SGD step,
// and reading the loss (as a training loop that logs it would).
export async function run(rec, { nb, nn, optim }, cfg) {
  await rec.run('mlp', () => {
    nb.manualSeed(0);
    const [d0, d1, d2, d3] = cfg.layers;
    const model = new nn.Sequential(
      new nn.Linear(d0, d1),
      new nn.ReLU(),
      new nn.Linear(d1, d2),
      new nn.ReLU(),
      new nn.Linear(d2, d3),
    );
    const opt = new optim.SGD(model.parameters(), { lr: cfg.lr });
    const x = nb.randn([cfg.batch, d0]);
    const y = nb.randint(0, d3, [cfg.batch]);
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

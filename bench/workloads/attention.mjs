// Workload 6: multi-head self-attention block, forward + backward: nabla's `nn.MultiheadAttention`
// (q/k/v projections, softmax(q·kᵀ/√d)·v per head, output projection), loss = mean(out²), gradients
// of all projection weights and biases (parameter gradients are reset every call).
export async function run(rec, { nb, nn }, cfg) {
  await rec.run('attention', () => {
    nb.manualSeed(0);
    const { batch, seq, width, heads } = cfg;
    const mha = new nn.MultiheadAttention(width, heads, { batchFirst: true });
    const x = nb.randn([batch, seq, width]);
    let last = Number.NaN;
    return {
      fn: () => {
        mha.zeroGrad();
        const [out] = mha.forward(x, x, x, { needWeights: false });
        const loss = nb.mean(nb.square(out));
        loss.backward();
        last = loss.item();
      },
      check: () => last,
    };
  });
}

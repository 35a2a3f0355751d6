// Workload 5: per-op overhead — one elementwise add of 1,000 floats and one 32×32 matmul per call
// (allocation of the result included, no autograd).
export async function run(rec, { nb }, cfg) {
  await rec.run('overhead/add1000', () => {
    const a = nb.randn([cfg.addSize]);
    const b = nb.randn([cfg.addSize]);
    let c = null;
    return {
      fn: () => {
        c = nb.add(a, b);
      },
      check: () => c.dataSync()[0],
    };
  });
  await rec.run('overhead/matmul32', () => {
    const n = cfg.matmulSize;
    const a = nb.randn([n, n]);
    const b = nb.randn([n, n]);
    let c = null;
    return {
      fn: () => {
        c = nb.matmul(a, b);
      },
      check: () => c.dataSync()[0],
    };
  });
}

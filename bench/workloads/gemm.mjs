// Workload 1: square GEMM, float32 and float64, with nabla's `matmul` (output allocation included,
// as in NumPy's `a @ b`).
export async function run(rec, { nb }, cfg) {
  for (const dtype of cfg.dtypes) {
    for (const n of cfg.sizes) {
      await rec.run(`gemm/${dtype}/${n}`, () => {
        const a = nb.randn([n, n], { dtype });
        const b = nb.randn([n, n], { dtype });
        let c = null;
        return {
          fn: () => {
            c = nb.matmul(a, b);
          },
          check: () => c.dataSync()[0],
        };
      });
    }
  }
}

// Workload 4: tiny neural ODE. The RK4 loop is written inline with tensor ops (as in every peer),
// so the comparison is of the engines: 100 fixed steps of a 2→32→32→2 tanh MLP vector field on a
// batch of 64, loss = sum(y_T²), gradients of the six parameters through the whole solver.
export async function run(rec, { nb }, cfg) {
  await rec.run('node', () => {
    const { batch, steps, h, hidden: H } = cfg;
    const key = nb.randomKey(0);
    const [k1, k2, k3, k4] = nb.splitKey(key, 4);
    const param = (t) => t.requiresGrad_(true);
    const w1 = param(nb.randn([2, H], { key: k1 }).mul(0.5));
    const b1 = param(nb.zeros([H]));
    const w2 = param(nb.randn([H, H], { key: k2 }).mul(0.2));
    const b2 = param(nb.zeros([H]));
    const w3 = param(nb.randn([H, 2], { key: k3 }).mul(0.2));
    const b3 = param(nb.zeros([2]));
    const params = [w1, b1, w2, b2, w3, b3];
    const y0 = nb.randn([batch, 2], { key: k4 });
    const f = (y) =>
      nb.add(nb.matmul(nb.tanh(nb.add(nb.matmul(nb.tanh(nb.add(nb.matmul(y, w1), b1)), w2), b2)), w3), b3);
    let last = Number.NaN;
    return {
      fn: () => {
        let y = y0;
        for (let i = 0; i < steps; i++) {
          const q1 = f(y);
          const q2 = f(nb.add(y, nb.mul(q1, h / 2)));
          const q3 = f(nb.add(y, nb.mul(q2, h / 2)));
          const q4 = f(nb.add(y, nb.mul(q3, h)));
          y = nb.add(y, nb.mul(nb.add(nb.add(q1, nb.mul(q2, 2)), nb.add(nb.mul(q3, 2), q4)), h / 6));
        }
        const loss = nb.sum(nb.square(y));
        const grads = nb.autogradGrad(loss, params);
        if (grads.length !== params.length) throw new Error('missing gradients');
        last = loss.item();
      },
      check: () => last,
    };
  });
}

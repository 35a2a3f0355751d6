// jax-js peer (wasm backend): `node bench/peers/jaxjs.mjs --out FILE [--only …] [--budget MS]`.
//
// Every timed function is `jit`-compiled (jax-js's eager mode compiles a kernel per op and is far
// slower) and every call waits for its result (`blockUntilReady` / reading the loss), since jax-js
// dispatches asynchronously. Arrays are reference-counted: every argument is consumed, so values
// that are reused are passed as `.ref`.
//
// Neural ODE: tracing the 100-step solver in one function overflows the JS stack inside jax-js
// (recursive tracer disposal), so the solver is split into 4 jit-ed chunks of 25 RK4 steps; the
// backward pass runs each chunk's jit-ed VJP in reverse order (recomputing the chunk's forward),
// accumulating parameter gradients. Same arithmetic as the other engines, 8 dispatches per call.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { createRecorder, parseChildArgs } from '../lib/child.mjs';
import { WORKLOADS } from '../lib/config.mjs';

const args = parseChildArgs();
const rec = createRecorder('jaxjs-wasm', args);

let jax;
try {
  jax = await import('@jax-js/jax');
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@jax-js/jax').replace(/dist[/\\].*$/, 'package.json');
  rec.doc.info.version = JSON.parse(readFileSync(pkgPath, 'utf8')).version;
  const devices = await jax.init('wasm');
  jax.defaultDevice('wasm');
  rec.doc.info.devices = devices;
} catch (err) {
  rec.unavailable(`jax-js could not be initialised: ${err?.message ?? err}`);
  process.exit(0);
}
const { numpy: np, jit, valueAndGrad, vjp, random, nn, lax } = jax;
rec.doc.info.backend = 'wasm';
rec.flush();

const refs = (arr) => arr.map((a) => a.ref);
const disposeAll = (arr) => {
  for (const a of arr) a.dispose();
};
let seed = 1;
const randn = (shape, scale = 1) => {
  const r = random.normal(random.key(seed++), shape);
  return scale === 1 ? r : r.mul(scale);
};
const randLabels = (n, classes) => {
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) lab[i] = (i * 7 + 3) % classes;
  return nn.oneHot(np.array(lab, { dtype: np.int32 }), classes).astype(np.float32);
};
const crossEntropy = (logits, yOneHot) => np.mean(np.sum(nn.logSoftmax(logits, -1).mul(yOneHot), -1)).mul(-1);

/** A jit-ed SGD step: `(params, x, y) → [loss, ...newParams]`. */
function sgdStep(lossFn, lr) {
  return jit((params, x, y) => {
    const [loss, grads] = valueAndGrad(lossFn)(refs(params), x, y);
    const next = params.map((p, i) => p.sub(grads[i].mul(lr)));
    return [loss, ...next];
  });
}

/** Runs a training step and keeps the updated parameters; resolves once the loss is read. */
function trainer(step, params, x, y) {
  let state = params;
  let last = Number.NaN;
  return {
    async: true,
    fn: async () => {
      const [loss, ...next] = step(state, x.ref, y.ref);
      state = next;
      last = (await loss.data())[0];
    },
    check: () => last,
  };
}

const cfgs = WORKLOADS;

// 1. GEMM
{
  const cfg = cfgs.gemm;
  for (const dtype of cfg.dtypes) {
    for (const n of cfg.sizes) {
      await rec.run(`gemm/${dtype}/${n}`, () => {
        const dt = dtype === 'float64' ? np.float64 : np.float32;
        const a = randn([n, n]).astype(dt);
        const b = randn([n, n]).astype(dt);
        const mm = jit((a, b) => np.matmul(a, b));
        return {
          async: true,
          fn: async () => {
            const c = mm(a.ref, b.ref);
            await c.blockUntilReady();
            c.dispose();
          },
        };
      });
    }
  }
}

// 2. MLP
await rec.run('mlp', () => {
  const cfg = cfgs.mlp;
  const [d0, d1, d2, d3] = cfg.layers;
  const params = [
    randn([d0, d1], Math.sqrt(1 / d0)),
    np.zeros([d1]),
    randn([d1, d2], Math.sqrt(1 / d1)),
    np.zeros([d2]),
    randn([d2, d3], Math.sqrt(1 / d2)),
    np.zeros([d3]),
  ];
  const loss = (p, x, y) => {
    const h1 = nn.relu(np.matmul(x, p[0]).add(p[1]));
    const h2 = nn.relu(np.matmul(h1, p[2]).add(p[3]));
    return crossEntropy(np.matmul(h2, p[4]).add(p[5]), y);
  };
  return trainer(sgdStep(loss, cfg.lr), params, randn([cfg.batch, d0]), randLabels(cfg.batch, d3));
});

// 3. CNN
await rec.run('cnn', () => {
  const cfg = cfgs.cnn;
  const maxPool2 = (x) => lax.reduceWindow(x, (w) => np.max(w), [2, 2], [2, 2]);
  const params = [
    randn([16, 1, 3, 3], Math.sqrt(1 / 9)),
    np.zeros([16]),
    randn([32, 16, 3, 3], Math.sqrt(1 / 144)),
    np.zeros([32]),
    randn([800, 10], Math.sqrt(1 / 800)),
    np.zeros([10]),
  ];
  const loss = (p, x, y) => {
    let h = lax.conv(x, p[0], [1, 1], 'VALID').add(p[1].reshape([1, 16, 1, 1]));
    h = maxPool2(nn.relu(h));
    h = lax.conv(h, p[2], [1, 1], 'VALID').add(p[3].reshape([1, 32, 1, 1]));
    h = maxPool2(nn.relu(h));
    h = h.reshape([cfg.batch, 800]);
    return crossEntropy(np.matmul(h, p[4]).add(p[5]), y);
  };
  return trainer(sgdStep(loss, cfg.lr), params, randn([cfg.batch, 1, 28, 28]), randLabels(cfg.batch, 10));
});

// 4. Neural ODE
await rec.run('node', () => {
  const { batch, steps, h, hidden: H } = cfgs.node;
  const CHUNK = 25;
  const nChunks = steps / CHUNK;
  const params = [
    randn([2, H], 0.5),
    np.zeros([H]),
    randn([H, H], 0.2),
    np.zeros([H]),
    randn([H, 2], 0.2),
    np.zeros([2]),
  ];
  const y0 = randn([batch, 2]);
  const f = (y, w1, b1, w2, b2, w3, b3) =>
    np.matmul(np.tanh(np.matmul(np.tanh(np.matmul(y, w1).add(b1)), w2).add(b2)), w3).add(b3);
  const chunk = (y, w1, b1, w2, b2, w3, b3) => {
    const p = [w1, b1, w2, b2, w3, b3];
    for (let s = 0; s < CHUNK; s++) {
      const k1 = f(y.ref, ...refs(p));
      const k2 = f(y.ref.add(k1.ref.mul(h / 2)), ...refs(p));
      const k3 = f(y.ref.add(k2.ref.mul(h / 2)), ...refs(p));
      const k4 = f(y.ref.add(k3.ref.mul(h)), ...refs(p));
      y = y.add(
        k1
          .add(k2.mul(2))
          .add(k3.mul(2))
          .add(k4)
          .mul(h / 6),
      );
    }
    disposeAll(p);
    return y;
  };
  const fwd = jit(chunk);
  const bwd = jit((y, w1, b1, w2, b2, w3, b3, gy, a1, c1, a2, c2, a3, c3) => {
    const [out, pullback] = vjp(chunk, [y, w1, b1, w2, b2, w3, b3]);
    out.dispose();
    const gs = pullback(gy);
    const acc = [a1, c1, a2, c2, a3, c3];
    return [gs[0], ...gs.slice(1).map((g, i) => g.add(acc[i]))];
  });
  let last = Number.NaN;
  return {
    async: true,
    note: `jit per ${CHUNK}-step chunk + jit-ed chunk VJP (whole-solver trace overflows the stack)`,
    fn: async () => {
      const ys = [y0.ref];
      for (let i = 0; i < nChunks; i++) ys.push(fwd(ys[i].ref, ...refs(params)));
      const yT = ys.pop();
      let gy = yT.ref.mul(2);
      const loss = np.sum(np.square(yT));
      let acc = params.map((p) => np.zerosLike(p.ref));
      for (let i = nChunks - 1; i >= 0; i--) {
        const r = bwd(ys[i], ...refs(params), gy, ...acc);
        gy = r[0];
        acc = r.slice(1);
      }
      gy.dispose();
      last = (await loss.data())[0];
      await jax.blockUntilReady(acc);
      disposeAll(acc);
    },
    check: () => last,
  };
});

// 5. Per-op overhead (each call waits for its result)
{
  const cfg = cfgs.overhead;
  const a = randn([cfg.addSize]);
  const b = randn([cfg.addSize]);
  const ma = randn([cfg.matmulSize, cfg.matmulSize]);
  const mb = randn([cfg.matmulSize, cfg.matmulSize]);
  const jAdd = jit((x, y) => x.add(y));
  const jMm = jit((x, y) => np.matmul(x, y));
  const op = (f, x, y) => ({
    async: true,
    note: 'jit-ed single op, awaited (blockUntilReady) per call',
    fn: async () => {
      const c = f(x.ref, y.ref);
      await c.blockUntilReady();
      c.dispose();
    },
  });
  await rec.run('overhead/add1000', () => op(jAdd, a, b));
  await rec.run('overhead/matmul32', () => op(jMm, ma, mb));
}

// 6. Attention block
await rec.run('attention', () => {
  const { batch: B, seq: L, width: E, heads: Hh } = cfgs.attention;
  const D = E / Hh;
  const s = Math.sqrt(1 / E);
  const params = [
    randn([E, E], s),
    np.zeros([E]),
    randn([E, E], s),
    np.zeros([E]),
    randn([E, E], s),
    np.zeros([E]),
    randn([E, E], s),
    np.zeros([E]),
  ];
  const x = randn([B, L, E]);
  const split = (t) => t.reshape([B, L, Hh, D]).transpose([0, 2, 1, 3]);
  const loss = (p, x) => {
    const q = split(np.matmul(x.ref, p[0]).add(p[1]));
    const k = split(np.matmul(x.ref, p[2]).add(p[3]));
    const v = split(np.matmul(x, p[4]).add(p[5]));
    const att = nn.softmax(np.matmul(q, k.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(D)), -1);
    const o = np.matmul(att, v).transpose([0, 2, 1, 3]).reshape([B, L, E]);
    const out = np.matmul(o, p[6]).add(p[7]);
    return np.mean(np.square(out));
  };
  const step = jit((p, x) => valueAndGrad(loss)(p, x));
  let last = Number.NaN;
  return {
    async: true,
    fn: async () => {
      const [l, grads] = step(refs(params), x.ref);
      last = (await l.data())[0];
      await jax.blockUntilReady(grads);
      disposeAll(grads);
    },
    check: () => last,
  };
});

rec.flush();

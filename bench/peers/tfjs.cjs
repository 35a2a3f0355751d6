// TensorFlow.js peer: `node bench/peers/tfjs.cjs --backend wasm|cpu --out FILE [--only …] [--budget MS]`.
//
// CommonJS on purpose: the full `@tensorflow/tfjs` package (needed for gradients and chained ops)
// resolves under Node 20 only through `require`. Ops of the wasm and cpu backends run synchronously;
// every call reads its result or loss (`dataSync`) and frees its tensors (`tf.tidy` / `dispose`).
// TF.js has no float64, so the float64 GEMM cases are skipped. Convolutions use TF.js's native
// NHWC layout.
const path = require('node:path');
const { pathToFileURL } = require('node:url');

async function main() {
  const lib = (p) => import(pathToFileURL(path.join(__dirname, '..', 'lib', p)).href);
  const { createRecorder, parseChildArgs } = await lib('child.mjs');
  const { WORKLOADS: cfgs } = await lib('config.mjs');
  const argv = process.argv.slice(2);
  const backend = argv.includes('--backend') ? argv[argv.indexOf('--backend') + 1] : 'wasm';
  const args = parseChildArgs(argv);
  const rec = createRecorder(`tfjs-${backend}`, args);

  let tf;
  try {
    // Silence the "Hi there 👋 … install tfjs-node" banner: it goes to stdout.
    const log = console.log;
    console.log = () => {};
    tf = require('@tensorflow/tfjs');
    require('@tensorflow/tfjs-backend-cpu');
    if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
    const ok = await tf.setBackend(backend);
    await tf.ready();
    console.log = log;
    if (!ok || tf.getBackend() !== backend) throw new Error(`setBackend('${backend}') failed`);
  } catch (err) {
    rec.unavailable(`TF.js ${backend} backend could not be initialised: ${err?.message ?? err}`);
    return;
  }
  rec.doc.info.version = tf.version.tfjs;
  rec.doc.info.backend = tf.getBackend();
  if (backend === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    rec.doc.info.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    rec.doc.info.wasmMultithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    rec.doc.info.threads = typeof wasm.getThreadsCount === 'function' ? wasm.getThreadsCount() : null;
  } else {
    rec.doc.info.threads = 1;
  }
  rec.flush();

  let seed = 1;
  const randn = (shape, scale = 1) =>
    tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed++), scale));
  const labels = (n, classes) => {
    const lab = new Int32Array(n);
    for (let i = 0; i < n; i++) lab[i] = (i * 7 + 3) % classes;
    return tf.oneHot(tf.tensor1d(lab, 'int32'), classes).toFloat();
  };

  /** A training step with tf.train.sgd; reads the loss each call. */
  const trainer = (lossFn, vars, lr) => {
    const opt = tf.train.sgd(lr);
    let last = Number.NaN;
    return {
      fn: () => {
        tf.tidy(() => {
          last = opt.minimize(lossFn, true, vars).dataSync()[0];
        });
      },
      check: () => last,
    };
  };

  // 1. GEMM
  for (const dtype of cfgs.gemm.dtypes) {
    for (const n of cfgs.gemm.sizes) {
      const id = `gemm/${dtype}/${n}`;
      if (dtype !== 'float32') {
        rec.skip(id, 'TF.js has no float64');
        continue;
      }
      await rec.run(id, () => {
        const a = randn([n, n]);
        const b = randn([n, n]);
        return {
          fn: () => {
            const c = tf.matMul(a, b);
            c.dataSync();
            c.dispose();
          },
        };
      });
    }
  }

  // 2. MLP
  await rec.run('mlp', () => {
    const cfg = cfgs.mlp;
    const [d0, d1, d2, d3] = cfg.layers;
    const v = (shape, s) => tf.variable(s ? randn(shape, s) : tf.zeros(shape));
    const p = [
      v([d0, d1], Math.sqrt(1 / d0)),
      v([d1]),
      v([d1, d2], Math.sqrt(1 / d1)),
      v([d2]),
      v([d2, d3], Math.sqrt(1 / d2)),
      v([d3]),
    ];
    const x = randn([cfg.batch, d0]);
    const y = labels(cfg.batch, d3);
    const loss = () => {
      const h1 = tf.relu(tf.add(tf.matMul(x, p[0]), p[1]));
      const h2 = tf.relu(tf.add(tf.matMul(h1, p[2]), p[3]));
      return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h2, p[4]), p[5]));
    };
    return trainer(loss, p, cfg.lr);
  });

  // 3. CNN (NHWC)
  await rec.run('cnn', () => {
    const cfg = cfgs.cnn;
    const v = (shape, s) => tf.variable(s ? randn(shape, s) : tf.zeros(shape));
    const p = [
      v([3, 3, 1, 16], Math.sqrt(1 / 9)),
      v([16]),
      v([3, 3, 16, 32], Math.sqrt(1 / 144)),
      v([32]),
      v([800, 10], Math.sqrt(1 / 800)),
      v([10]),
    ];
    const x = randn([cfg.batch, 28, 28, 1]);
    const y = labels(cfg.batch, 10);
    const loss = () => {
      let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, p[0], 1, 'valid'), p[1])), 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, p[2], 1, 'valid'), p[3])), 2, 2, 'valid');
      h = tf.reshape(h, [cfg.batch, 800]);
      return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, p[4]), p[5]));
    };
    return trainer(loss, p, cfg.lr);
  });

  // 4. Neural ODE: RK4 inline, gradients of the six parameters through all steps.
  await rec.run('node', () => {
    const { batch, steps, h, hidden: H } = cfgs.node;
    const params = [
      randn([2, H], 0.5),
      tf.zeros([H]),
      randn([H, H], 0.2),
      tf.zeros([H]),
      randn([H, 2], 0.2),
      tf.zeros([2]),
    ];
    const y0 = randn([batch, 2]);
    const lossFn = (w1, b1, w2, b2, w3, b3) => {
      const f = (y) =>
        tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(y, w1), b1)), w2), b2)), w3), b3);
      let y = y0;
      for (let i = 0; i < steps; i++) {
        const k1 = f(y);
        const k2 = f(tf.add(y, tf.mul(k1, h / 2)));
        const k3 = f(tf.add(y, tf.mul(k2, h / 2)));
        const k4 = f(tf.add(y, tf.mul(k3, h)));
        y = tf.add(y, tf.mul(tf.add(tf.add(k1, tf.mul(k2, 2)), tf.add(tf.mul(k3, 2), k4)), h / 6));
      }
      return tf.sum(tf.square(y));
    };
    const vg = tf.valueAndGrads(lossFn);
    let last = Number.NaN;
    return {
      fn: () => {
        tf.tidy(() => {
          const { value, grads } = vg(params);
          last = value.dataSync()[0];
          grads[0].dataSync();
        });
      },
      check: () => last,
    };
  });

  // 5. Per-op overhead
  {
    const cfg = cfgs.overhead;
    const op = (f, a, b) => ({
      fn: () => {
        f(a, b).dispose();
      },
    });
    await rec.run('overhead/add1000', () => op(tf.add, randn([cfg.addSize]), randn([cfg.addSize])));
    const m = cfg.matmulSize;
    await rec.run('overhead/matmul32', () => op(tf.matMul, randn([m, m]), randn([m, m])));
  }

  // 6. Attention block
  await rec.run('attention', () => {
    const { batch: B, seq: L, width: E, heads: Hh } = cfgs.attention;
    const D = E / Hh;
    const s = Math.sqrt(1 / E);
    const params = [
      randn([E, E], s),
      tf.zeros([E]),
      randn([E, E], s),
      tf.zeros([E]),
      randn([E, E], s),
      tf.zeros([E]),
      randn([E, E], s),
      tf.zeros([E]),
    ];
    const x = randn([B, L, E]);
    const split = (t) => tf.transpose(tf.reshape(t, [B, L, Hh, D]), [0, 2, 1, 3]);
    const lin = (t, w, b) => tf.add(tf.reshape(tf.matMul(tf.reshape(t, [B * L, E]), w), [B, L, E]), b);
    const lossFn = (wq, bq, wk, bk, wv, bv, wo, bo) => {
      const q = split(lin(x, wq, bq));
      const k = split(lin(x, wk, bk));
      const v = split(lin(x, wv, bv));
      const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D)), -1);
      const o = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B, L, E]);
      return tf.mean(tf.square(lin(o, wo, bo)));
    };
    const vg = tf.valueAndGrads(lossFn);
    let last = Number.NaN;
    return {
      fn: () => {
        tf.tidy(() => {
          const { value, grads } = vg(params);
          last = value.dataSync()[0];
          grads[0].dataSync();
        });
      },
      check: () => last,
    };
  });

  rec.doc.info.liveTensorsAtEnd = tf.memory().numTensors;
  rec.flush();
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});

// Workload definitions shared by the orchestrator, every engine and the report.
// The Python peer receives this object as JSON, so every engine runs the same sizes.

export const WORKLOADS = {
  gemm: {
    title: 'GEMM (square matmul)',
    unit: 'GFLOP/s',
    sizes: [64, 256, 512, 1024],
    dtypes: ['float32', 'float64'],
  },
  mlp: {
    title: 'MLP 784-256-256-10 training step (batch 128, SGD, cross-entropy, float32)',
    unit: 'ms/step',
    batch: 128,
    layers: [784, 256, 256, 10],
    lr: 0.01,
  },
  cnn: {
    title: 'Small CNN training step (28×28, batch 64, 2×(conv3×3+ReLU+maxpool2), linear, SGD)',
    unit: 'ms/step',
    batch: 64,
    lr: 0.01,
  },
  node: {
    title: 'Tiny neural ODE: RK4, 100 steps, MLP 2→32→32→2 tanh, batch 64, forward + backward',
    unit: 'ms',
    batch: 64,
    steps: 100,
    h: 0.01,
    hidden: 32,
  },
  overhead: {
    title:
      'Per-op overhead: elementwise add of 1,000 float32 values, and a 32×32 float32 matmul (result allocated, no autograd)',
    unit: 'µs/op',
    addSize: 1000,
    matmulSize: 32,
  },
  attention: {
    title: 'Attention block forward + backward (batch 32, seq 64, width 128, 4 heads)',
    unit: 'ms',
    batch: 32,
    seq: 64,
    width: 128,
    heads: 4,
  },
};

export const WORKLOAD_NAMES = Object.keys(WORKLOADS);

/** Case ids of a workload, in display order. */
export function caseIds(name) {
  const w = WORKLOADS[name];
  if (name === 'gemm') return w.dtypes.flatMap((dt) => w.sizes.map((n) => `gemm/${dt}/${n}`));
  if (name === 'overhead') return ['overhead/add1000', 'overhead/matmul32'];
  return [name];
}

/** Floating-point operations of one call, where the report converts time to throughput. */
export function flopsOf(caseId) {
  const m = /^gemm\/\w+\/(\d+)$/.exec(caseId);
  if (m) {
    const n = Number(m[1]);
    return 2 * n * n * n;
  }
  return null;
}

/** Human label of a case. */
export function caseLabel(caseId) {
  const m = /^gemm\/float(\d+)\/(\d+)$/.exec(caseId);
  if (m) return `GEMM ${m[2]} f${m[1]}`;
  return (
    {
      mlp: 'MLP step',
      cnn: 'CNN step',
      node: 'Neural ODE fwd+bwd',
      attention: 'Attention fwd+bwd',
      'overhead/add1000': 'add, 1,000 floats',
      'overhead/matmul32': 'matmul 32×32',
    }[caseId] ?? caseId
  );
}

/**
 * Issue targets. `ratio` is nabla's speed-up over the peer (peer time ÷ nabla time, which for
 * GEMM equals nabla GFLOP/s ÷ peer GFLOP/s); a target is met when ratio ≥ `min`.
 */
export const TARGETS = [
  {
    id: 'gemm512-numpy',
    text: 'GEMM 512 float32 ≥ 0.85× NumPy throughput',
    cases: ['gemm/float32/512'],
    peers: ['numpy'],
    min: 0.85,
  },
  { id: 'mlp-torch', text: 'MLP step ≤ 1.0× PyTorch time', cases: ['mlp'], peers: ['torch'], min: 1.0 },
  {
    id: 'node-torch',
    text: 'Tiny neural ODE ≤ 0.5× PyTorch time',
    cases: ['node'],
    peers: ['torch'],
    min: 2.0,
  },
  {
    id: 'tfjs-wasm-10x',
    text: '≥ 10× faster than TF.js-wasm on workloads 2–6',
    cases: ['mlp', 'cnn', 'node', 'overhead/add1000', 'overhead/matmul32', 'attention'],
    peers: ['tfjs-wasm'],
    min: 10,
  },
  {
    id: 'jaxjs-10x',
    text: '≥ 10× faster than jax-js on workloads 2–6',
    cases: ['mlp', 'cnn', 'node', 'overhead/add1000', 'overhead/matmul32', 'attention'],
    peers: ['jaxjs-wasm'],
    min: 10,
  },
];

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
  vdp: {
    title:
      "Van der Pol (torchode's setup): μ = 2, batch 256 stepped jointly, Dopri5, rtol = atol = 1e-5, t ∈ [0, 10], 200 saved outputs, float32",
    unit: 'ms/solve',
    diffeq: true,
    mu: 2,
    batch: 256,
    rtol: 1e-5,
    atol: 1e-5,
    t0: 0,
    t1: 10,
    saves: 200,
    dtype: 'float32',
  },
  'node-train': {
    title:
      'Neural-ODE training step: MLP 4→32→4 tanh, batch 64, Dopri5, rtol = atol = 1e-6, t ∈ [0, 10], loss mean(y(10)²), one Adam step, float64',
    unit: 'ms/step',
    diffeq: true,
    batch: 64,
    dim: 4,
    hidden: 32,
    rtol: 1e-6,
    atol: 1e-6,
    t0: 0,
    t1: 10,
    lr: 1e-3,
    dtype: 'float64',
  },
  sde: {
    title:
      'SDE solve: Euler–Maruyama, dX = −tanh(X)dt + (0.5 sin X + 0.2)dW (diagonal noise), batch 256×4, 1000 fixed steps on [0, 1], float32, final state only',
    unit: 'ms/solve',
    diffeq: true,
    // `plain-loop`: a hand-written loop on tensor ops with N(0, dt) increments from randn (both engines);
    // `diffeqsolve-*`: the library solver with a re-queryable Brownian path (PyTorch: torchsde's
    // sdeint + BrownianInterval when torchsde is installed; no counterpart of the virtual tree).
    cases: ['sde/plain-loop', 'sde/diffeqsolve-interval', 'sde/diffeqsolve-vbt'],
    batch: 256,
    dim: 4,
    steps: 1000,
    t0: 0,
    t1: 1,
    dtype: 'float32',
  },
  brownian: {
    title:
      'Brownian path queries: increments W(t_{k+1}) − W(t_k) on a uniform grid of n steps over [0, 1], shape [16], float32, in order (as a solver asks) and shuffled; VirtualBrownianTree (tol 2⁻¹⁴) and BrownianInterval (dt hint 1/n); one call = a fresh path + n queries',
    unit: 'µs/query',
    diffeq: true,
    // No PyTorch counterpart in the baseline (torchsde is optional and not part of it).
    nablaOnly: true,
    shape: [16],
    counts: [100, 1000, 10000],
    tol: 2 ** -14,
    dtype: 'float32',
  },
};
WORKLOADS.brownian.cases = ['vbt', 'interval'].flatMap((k) =>
  ['seq', 'random'].flatMap((o) => WORKLOADS.brownian.counts.map((n) => `brownian/${k}-${o}/${n}`)),
);

/** Workloads that only nabla and PyTorch run (the peers have no ODE solver of the same kind). */
export const DIFFEQ_WORKLOADS = Object.keys(WORKLOADS).filter((w) => WORKLOADS[w].diffeq);

/** Workloads that only nabla runs (no peer has a comparable object). */
export const NABLA_ONLY_WORKLOADS = Object.keys(WORKLOADS).filter((w) => WORKLOADS[w].nablaOnly);

/**
 * Initial states of the SDE workload in [-1, 1), the same in every engine (low-discrepancy sequence;
 * bench/peers/torch_sde.py has the same formula).
 */
export function sdeInitial(batch, dim) {
  const frac = (x) => x - Math.floor(x);
  return Array.from({ length: batch }, (_, i) =>
    Array.from({ length: dim }, (_, j) => 2 * frac(0.5 + i * 0.6180339887 + j * 0.4142135623) - 1),
  );
}

/**
 * Initial Van der Pol states, the same in every engine: x, v ∈ [-2, 2) from two golden-ratio-like
 * low-discrepancy sequences (computed in float64, then cast to the solve's dtype).
 */
export function vdpInitial(batch) {
  const frac = (x) => x - Math.floor(x);
  const out = [];
  for (let i = 0; i < batch; i++) out.push([-2 + 4 * frac(0.5 + i * 0.6180339887), -2 + 4 * frac(0.25 + i * 0.4142135623)]);
  return out;
}

export const WORKLOAD_NAMES = Object.keys(WORKLOADS);

/** Case ids of a workload, in display order. */
export function caseIds(name) {
  const w = WORKLOADS[name];
  if (w.cases) return w.cases;
  if (name === 'gemm') return w.dtypes.flatMap((dt) => w.sizes.map((n) => `gemm/${dt}/${n}`));
  if (name === 'overhead') return ['overhead/add1000', 'overhead/matmul32'];
  if (name === 'node-train') return ['node-train/dto', 'node-train/backsolve'];
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

/**
 * Initial parameters and states of the neural-ODE training step, the same in every engine:
 * uniform in ±1/√fan_in (PyTorch's nn.Linear range) from low-discrepancy sequences, y0 in [-1, 1).
 * Returns nested arrays `{ w1: [dim][hidden], b1: [hidden], w2: [hidden][dim], b2: [dim], y0: [batch][dim] }`.
 */
export function nodeTrainInit({ batch, dim, hidden }) {
  const frac = (x) => x - Math.floor(x);
  const u = (i, a, off) => 2 * frac(off + i * a) - 1;
  const mat = (r, c, a, off, scale) =>
    Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => scale * u(i * c + j, a, off)));
  return {
    w1: mat(dim, hidden, 0.7548776662, 0.1, 1 / Math.sqrt(dim)),
    b1: mat(1, hidden, 0.5698402910, 0.2, 1 / Math.sqrt(dim))[0],
    w2: mat(hidden, dim, 0.6180339887, 0.3, 1 / Math.sqrt(hidden)),
    b2: mat(1, dim, 0.4142135623, 0.4, 1 / Math.sqrt(hidden))[0],
    y0: mat(batch, dim, 0.7320508076, 0.5, 1),
  };
}

/** Human label of a case. */
export function caseLabel(caseId) {
  const m = /^gemm\/float(\d+)\/(\d+)$/.exec(caseId);
  if (m) return `GEMM ${m[2]} f${m[1]}`;
  const b = /^brownian\/(vbt|interval)-(seq|random)\/(\d+)$/.exec(caseId);
  if (b) {
    const kind = b[1] === 'vbt' ? 'VirtualBrownianTree' : 'BrownianInterval';
    return `${kind}, ${b[2] === 'seq' ? 'sequential' : 'shuffled'}, n = ${Number(b[3]).toLocaleString('en-US')}`;
  }
  return (
    {
      mlp: 'MLP step',
      cnn: 'CNN step',
      node: 'Neural ODE fwd+bwd',
      attention: 'Attention fwd+bwd',
      'overhead/add1000': 'add, 1,000 floats',
      'overhead/matmul32': 'matmul 32×32',
      vdp: 'Van der Pol solve (wall)',
      'vdp#loopPerStepMs': 'Van der Pol loop time/step',
      'node-train/dto': 'Neural-ODE train step, DTO',
      'node-train/backsolve': 'Neural-ODE train step, backsolve',
      'sde/plain-loop': 'SDE Euler–Maruyama, plain loop',
      'sde/diffeqsolve-interval': 'SDE diffeqsolve + BrownianInterval',
      'sde/diffeqsolve-vbt': 'SDE diffeqsolve + VirtualBrownianTree',
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
    id: 'vdp-loop-torch',
    text: 'Van der Pol loop time per step ≤ 0.5× the PyTorch Dopri5 loop',
    cases: ['vdp#loopPerStepMs'],
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

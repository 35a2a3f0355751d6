import { defineConfig } from 'vitest/config';

/**
 * The suite runs on the default (native) backend; the op-level suites run a second
 * time on the TypeScript backend, and the GEMM-heavy ones a third time with GEMM routed
 * through the BLAS library, so every kernel path is tested.
 */
// NABLA_POISON_UNINIT: op outputs start as NaN/garbage, so a kernel that skips an element fails.
const poison = { NABLA_POISON_UNINIT: '1' };
const shared = { pool: 'forks' as const, testTimeout: 120_000, hookTimeout: 120_000, env: poison };
const opSuites = [
  'test/core/**/*.test.ts',
  'test/ops/**/*.test.ts',
  'test/autograd/**/*.test.ts',
  'test/nn/**/*.test.ts',
  'test/linalg/**/*.test.ts',
  'test/optim/**/*.test.ts',
];

export default defineConfig({
  test: {
    ...shared,
    projects: [
      { test: { ...shared, name: 'native', include: ['test/**/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'js',
          include: opSuites,
          // Native-vs-TypeScript comparisons need the native backend, which this project disables.
          exclude: ['test/linalg/lapack.test.ts', 'test/nn/functional/pool-native.test.ts'],
          env: { ...poison, NABLA_BACKEND: 'js' },
        },
      },
      {
        test: {
          ...shared,
          name: 'blas',
          include: ['test/ops/matmul.test.ts', 'test/nn/functional/conv.test.ts', 'test/linalg/**/*.test.ts', 'test/backend/**/*.test.ts'],
          env: { ...poison, NABLA_GEMM: 'blas' },
        },
      },
    ],
  },
});

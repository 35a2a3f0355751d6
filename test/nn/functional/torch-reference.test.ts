/**
 * Values and gradients against PyTorch (fixtures/torch-reference.json, written by
 * fixtures/make_torch_reference.py with Debian's python3-torch; no Python needed here).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { grad } from '../../../src/autograd/backward.js';
import type { DType } from '../../../src/core/dtype.js';
import type { Tensor } from '../../../src/core/tensor.js';
import * as F from '../../../src/nn/functional/index.js';
import { mul } from '../../../src/ops/binary.js';
import { clone } from '../../../src/ops/cast.js';
import { tensor } from '../../../src/ops/creation.js';
import { sum } from '../../../src/ops/reduce.js';
import { expectClose } from './helpers.js';

interface Enc {
  shape: number[];
  data: number[];
}
interface Case {
  inputs: Record<string, Enc>;
  out: Enc;
  cot?: Enc;
  grads?: Record<string, Enc>;
  [extra: string]: unknown;
}

const ref = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'torch-reference.json'), 'utf8'),
) as { cases: Record<string, Case> };

function T(e: Enc, dtype: DType = 'float64'): Tensor {
  return tensor(e.data, { shape: e.shape, dtype });
}
function extra(c: Case, name: string, dtype: DType = 'float64'): Tensor {
  return T(c[name] as Enc, dtype);
}

type Fn = (inp: Record<string, Tensor>, c: Case) => Tensor;

const fns: Record<string, Fn> = {
  conv2d_general: ({ x, w, b }) =>
    F.conv2d(x!, w!, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }),
  conv2d_same_even: ({ x, w }) => F.conv2d(x!, w!, null, { padding: 'same' }),
  conv2d_same_dilated: ({ x, w }) => F.conv2d(x!, w!, null, { padding: 'same', dilation: [2, 3] }),
  conv1d: ({ x, w, b }) => F.conv1d(x!, w!, b, { stride: 2, padding: 2, dilation: 2, groups: 2 }),
  conv1d_same: ({ x, w }) => F.conv1d(x!, w!, null, { padding: 'same' }),
  conv_transpose2d: ({ x, w, b }) =>
    F.convTranspose2d(x!, w!, b, { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], groups: 2 }),
  conv_transpose2d_dilated: ({ x, w }) =>
    F.convTranspose2d(x!, w!, null, { stride: 1, padding: 1, outputPadding: 1, dilation: 2 }),
  conv_transpose1d: ({ x, w }) =>
    F.convTranspose1d(x!, w!, null, { stride: 3, padding: 1, outputPadding: 2 }),
  max_pool2d: ({ x }) =>
    F.maxPool2d(x!, [3, 2], { stride: [2, 2], padding: [1, 1], dilation: [1, 2], ceilMode: true }),
  max_pool2d_default: ({ x }) => F.maxPool2d(x!, 2),
  avg_pool2d_ceil_include: ({ x }) => F.avgPool2d(x!, 3, { stride: 2, padding: 1, ceilMode: true }),
  avg_pool2d_ceil_exclude: ({ x }) =>
    F.avgPool2d(x!, [3, 2], { stride: [2, 3], padding: [1, 1], ceilMode: true, countIncludePad: false }),
  adaptive_avg_pool2d: ({ x }) => F.adaptiveAvgPool2d(x!, [3, 4]),
  max_pool1d: ({ x }) => F.maxPool1d(x!, 3, { stride: 2, padding: 1 }),
  avg_pool1d: ({ x }) => F.avgPool1d(x!, 4, { stride: 3, padding: 2, ceilMode: true }),
  adaptive_avg_pool1d: ({ x }) => F.adaptiveAvgPool1d(x!, 4),
  batch_norm_train: ({ x, w, b }, c) => {
    const rm = extra(c, 'rm');
    const rv = extra(c, 'rv');
    const y = F.batchNorm(x!, rm, rv, w, b, { training: true, momentum: 0.2, eps: 1e-3 });
    expectClose(rm, (c.rm_new as Enc).data, 1e-12, 1e-10, 'running mean');
    expectClose(rv, (c.rv_new as Enc).data, 1e-12, 1e-10, 'running var');
    return y;
  },
  batch_norm_eval: ({ x, w, b }, c) => F.batchNorm(x!, extra(c, 'rm'), extra(c, 'rv'), w, b, { eps: 1e-5 }),
  layer_norm: ({ x, w, b }) => F.layerNorm(x!, [4, 5], w, b),
  group_norm: ({ x, w, b }) => F.groupNorm(x!, 3, w, b),
  softmax_axis1: ({ x }) => F.softmax(x!, 1),
  log_softmax_axis1: ({ x }) => F.logSoftmax(x!, 1),
  log_softmax_last: ({ x }) => F.logSoftmax(x!),
  act_relu6: ({ x }) => F.relu6(x!),
  act_hardtanh: ({ x }) => F.hardtanh(x!, -2, 1.5),
  act_hardsigmoid: ({ x }) => F.hardsigmoid(x!),
  act_hardswish: ({ x }) => F.hardswish(x!),
  act_selu: ({ x }) => F.selu(x!),
  act_celu: ({ x }) => F.celu(x!, 0.7),
  act_mish: ({ x }) => F.mish(x!),
  act_logsigmoid: ({ x }) => F.logSigmoid(x!),
  act_softsign: ({ x }) => F.softsign(x!),
  act_glu: ({ x }) => F.glu(x!),
  act_softmin: ({ x }) => F.softmin(x!, 0),
  prelu: ({ x, w }) => F.prelu(x!, w!),
  cross_entropy_weighted_smooth: ({ x }, c) =>
    F.crossEntropy(x!, extra(c, 'target', 'int32'), { weight: extra(c, 'weight'), labelSmoothing: 0.1 }),
  cross_entropy_plain_sum: ({ x }, c) =>
    F.crossEntropy(x!, extra(c, 'target', 'int32'), { reduction: 'sum' }),
  cross_entropy_kdim_none: ({ x }, c) =>
    F.crossEntropy(x!, extra(c, 'target', 'int32'), {
      ignoreIndex: -1,
      reduction: 'none',
      labelSmoothing: 0.2,
    }),
  cross_entropy_probs: ({ x, t }, c) =>
    F.crossEntropy(x!, t!, { weight: extra(c, 'weight'), labelSmoothing: 0.15 }),
  nll_loss: ({ x }, c) => F.nllLoss(x!, extra(c, 'target', 'int32'), { weight: extra(c, 'weight') }),
  bce: ({ x, t }, c) => F.binaryCrossEntropy(x!, t!, { weight: extra(c, 'weight'), reduction: 'sum' }),
  bce_grad: ({ x, t }, c) => F.binaryCrossEntropy(x!, t!, { weight: extra(c, 'weight') }),
  bce_logits: ({ x, t }, c) =>
    F.binaryCrossEntropyWithLogits(x!, t!, { weight: extra(c, 'weight'), posWeight: extra(c, 'pos_weight') }),
  huber: ({ x }, c) => F.huberLoss(x!, extra(c, 'target'), { delta: 0.7, reduction: 'none' }),
  smooth_l1: ({ x }, c) => F.smoothL1Loss(x!, extra(c, 'target'), { beta: 0.5 }),
  mse: ({ x }, c) => F.mseLoss(x!, extra(c, 'target')),
  l1: ({ x }, c) => F.l1Loss(x!, extra(c, 'target'), { reduction: 'sum' }),
  embedding_padding: ({ w }, c) => F.embedding(extra(c, 'indices', 'int32'), w!, { paddingIdx: 1 }),
  linear: ({ x, w, b }) => F.linear(x!, w!, b),
};

/** PyTorch computes these gradients with float32 constants (1/6, 1/alpha) even in float64. */
const looseGrad = new Set(['act_hardsigmoid', 'act_celu']);

describe('functional ops match PyTorch', () => {
  it('covers every fixture case', () => {
    expect(Object.keys(ref.cases).sort()).toEqual(Object.keys(fns).sort());
  });
  for (const [name, c] of Object.entries(ref.cases)) {
    it(name, () => {
      const inputs: Record<string, Tensor> = {};
      for (const [k, e] of Object.entries(c.inputs)) inputs[k] = clone(T(e)).requiresGrad_(true);
      const out = fns[name]!(inputs, c);
      expect(out.shape).toEqual(c.out.shape);
      expectClose(out, c.out.data, 1e-10, 1e-8, `${name} output`);
      if (name === 'max_pool2d') {
        const r = F.maxPool2dWithIndices(inputs.x!, [3, 2], {
          stride: [2, 2],
          padding: [1, 1],
          dilation: [1, 2],
          ceilMode: true,
        });
        expect(Array.from(r.indices.dataSync())).toEqual((c.indices as Enc).data);
      }
      if (!c.grads) return;
      const names = Object.keys(c.grads);
      const gs = grad(
        sum(mul(out, T(c.cot!))),
        names.map((k) => inputs[k]!),
        undefined,
        { allowUnused: true },
      );
      names.forEach((k, i) => {
        const g = gs[i];
        const want = c.grads![k]!.data;
        if (!g)
          expect(
            want.every((v) => v === 0),
            `${name}: grad of ${k} is null`,
          ).toBe(true);
        else expectClose(g, want, 1e-10, looseGrad.has(name) ? 1e-6 : 1e-8, `${name} grad ${k}`);
      });
    });
  }
});

/**
 * Elementwise unary ops and activations. Each backward is written with
 * differentiable ops, so gradients of gradients work (createGraph).
 */
import { record, shouldRecord } from '../autograd/node.js';
import type { UnaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import { allocArray, allocOutput, isFloating } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { add, div, gt, mul, sub, where } from './binary.js';
import { cast } from './cast.js';

/** Runs a unary kernel; `floatOnly` promotes int/bool inputs to float32 first. */
function run(op: UnaryOp, x: Tensor, floatOnly: boolean, param = 0): [Tensor, Tensor] {
  const xin = floatOnly && !isFloating(x.dtype) ? cast(x, 'float32') : x;
  const out = allocOutput(xin.dtype, xin.size);
  getBackend().unary(op, xin._contiguousData(), out, param);
  return [Tensor._wrap(out, xin.shape, xin.dtype), xin];
}

function zeroGrad(op: UnaryOp, x: Tensor): Tensor {
  const [y, xin] = run(op, x, false);
  if (isFloating(xin.dtype)) record(op, y, [xin], ([g]) => [mul(g!, 0)]);
  return y;
}

/** `-x`. */
export function neg(x: Tensor): Tensor {
  const [y, xin] = run('neg', x, false);
  record('neg', y, [xin], ([g]) => [neg(g!)]);
  return y;
}

/** `|x|` (gradient sign(x), 0 at 0). */
export function abs(x: Tensor): Tensor {
  const [y, xin] = run('abs', x, false);
  record('abs', y, [xin], ([g]) => [mul(g!, sign(xin))], [xin]);
  return y;
}

/** Sign of x (−1, 0, 1; NaN stays NaN). Zero gradient. */
export function sign(x: Tensor): Tensor {
  return zeroGrad('sign', x);
}

/** `e^x`. */
export function exp(x: Tensor): Tensor {
  const [y, xin] = run('exp', x, true);
  if (shouldRecord(xin)) record('exp', y, [xin], ([g]) => [mul(g!, y)], [y]);
  return y;
}

/** `e^x − 1`, accurate near 0. */
export function expm1(x: Tensor): Tensor {
  const [y, xin] = run('expm1', x, true);
  record('expm1', y, [xin], ([g]) => [mul(g!, add(y, 1))], [y]);
  return y;
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  const [y, xin] = run('log', x, true);
  if (shouldRecord(xin)) record('log', y, [xin], ([g]) => [div(g!, xin)], [xin]);
  return y;
}

/** `log(1 + x)`, accurate near 0. */
export function log1p(x: Tensor): Tensor {
  const [y, xin] = run('log1p', x, true);
  record('log1p', y, [xin], ([g]) => [div(g!, add(xin, 1))], [xin]);
  return y;
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  const [y, xin] = run('sqrt', x, true);
  if (shouldRecord(xin)) record('sqrt', y, [xin], ([g]) => [div(mul(g!, 0.5), y)], [y]);
  return y;
}

/** `1/√x`. */
export function rsqrt(x: Tensor): Tensor {
  const [y, xin] = run('rsqrt', x, true);
  record('rsqrt', y, [xin], ([g]) => [mul(g!, mul(mul(y, mul(y, y)), -0.5))], [y]);
  return y;
}

/** `x²`. */
export function square(x: Tensor): Tensor {
  const [y, xin] = run('square', x, false);
  if (shouldRecord(xin)) record('square', y, [xin], ([g]) => [mul(g!, mul(xin, 2))], [xin]);
  return y;
}

/** `1/x`. */
export function reciprocal(x: Tensor): Tensor {
  const [y, xin] = run('reciprocal', x, true);
  record('reciprocal', y, [xin], ([g]) => [neg(mul(g!, mul(y, y)))], [y]);
  return y;
}

/** Sine. */
export function sin(x: Tensor): Tensor {
  const [y, xin] = run('sin', x, true);
  record('sin', y, [xin], ([g]) => [mul(g!, cos(xin))], [xin]);
  return y;
}

/** Cosine. */
export function cos(x: Tensor): Tensor {
  const [y, xin] = run('cos', x, true);
  record('cos', y, [xin], ([g]) => [neg(mul(g!, sin(xin)))], [xin]);
  return y;
}

/** Tangent. */
export function tan(x: Tensor): Tensor {
  const [y, xin] = run('tan', x, true);
  record('tan', y, [xin], ([g]) => [mul(g!, add(mul(y, y), 1))], [y]);
  return y;
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  const [y, xin] = run('tanh', x, true);
  if (shouldRecord(xin)) record('tanh', y, [xin], ([g]) => [activationGrad('tanhGrad', g!, y)], [y]);
  return y;
}

/** Logistic sigmoid `1/(1+e^{−x})`, computed stably. */
export function sigmoid(x: Tensor): Tensor {
  const [y, xin] = run('sigmoid', x, true);
  if (shouldRecord(xin)) record('sigmoid', y, [xin], ([g]) => [activationGrad('sigmoidGrad', g!, y)], [y]);
  return y;
}

/** `log(1 + e^{βx})/β`, computed stably (β defaults to 1). */
export function softplus(x: Tensor, beta = 1): Tensor {
  if (beta !== 1) return div(softplus(mul(x, beta)), beta);
  const [y, xin] = run('softplus', x, true);
  record('softplus', y, [xin], ([g]) => [mul(g!, sigmoid(xin))], [xin]);
  return y;
}

type ActivationGradOp = 'tanhGrad' | 'sigmoidGrad' | 'reluGrad';

/**
 * An activation's backward in one fused pass (one output buffer instead of two or three):
 * `g·(1 − v²)` (tanh, v = y), `g·v·(1 − v)` (sigmoid, v = y) or `g·[v > 0]` (relu, v = x).
 * Differentiable itself, so gradients of gradients work.
 */
function activationGrad(op: ActivationGradOp, g: Tensor, v: Tensor): Tensor {
  if (g.dtype !== v.dtype || g.size !== v.size) throw new Error(`${op}: gradient and saved tensor differ`);
  const out = allocOutput(g.dtype, g.size);
  getBackend().binary(op, g._strided(), v._strided(), out);
  const y = Tensor._wrap(out, g.shape, g.dtype);
  if (!shouldRecord(g, v)) return y;
  record(
    op,
    y,
    [g, v],
    ([gy]) => [
      g.requiresGrad ? activationGrad(op, gy!, v) : null,
      !v.requiresGrad || op === 'reluGrad'
        ? null
        : mul(mul(gy!, g), op === 'tanhGrad' ? mul(v, -2) : sub(1, mul(v, 2))),
    ],
    [g, v],
  );
  return y;
}

/** `max(x, 0)` (gradient 0 at 0, like PyTorch). */
export function relu(x: Tensor): Tensor {
  const [y, xin] = run('relu', x, false);
  if (shouldRecord(xin)) record('relu', y, [xin], ([g]) => [activationGrad('reluGrad', g!, xin)], [xin]);
  return y;
}

/** `x` for x > 0, `slope·x` otherwise. */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  const [y, xin] = run('leakyRelu', x, true, slope);
  record('leakyRelu', y, [xin], ([g]) => [mul(g!, where(gt(xin, 0), 1, slope))], [xin]);
  return y;
}

/** `x` for x > 0, `α(e^x − 1)` otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  const [y, xin] = run('elu', x, true, alpha);
  record('elu', y, [xin], ([g]) => [mul(g!, where(gt(xin, 0), 1, add(y, alpha)))], [xin, y]);
  return y;
}

const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU `x·Φ(x)`: `approximate: 'none'` (exact, with erf; default) or `'tanh'`
 * (the tanh approximation), matching PyTorch's `approximate` argument.
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate === 'tanh') {
    const [y, xin] = run('geluTanh', x, true);
    record(
      'geluTanh',
      y,
      [xin],
      ([g]) => {
        const x2 = mul(xin, xin);
        const t = tanh(mul(add(xin, mul(mul(x2, xin), 0.044715)), SQRT_2_OVER_PI));
        const du = mul(add(mul(x2, 3 * 0.044715), 1), SQRT_2_OVER_PI);
        const d = add(mul(add(t, 1), 0.5), mul(mul(mul(xin, 0.5), sub(1, mul(t, t))), du));
        return [mul(g!, d)];
      },
      [xin],
    );
    return y;
  }
  const [y, xin] = run('gelu', x, true);
  record(
    'gelu',
    y,
    [xin],
    ([g]) => {
      const cdf = mul(add(erf(mul(xin, Math.SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(mul(xin, xin), -0.5)), INV_SQRT_2PI);
      return [mul(g!, add(cdf, mul(xin, pdf)))];
    },
    [xin],
  );
  return y;
}

/** SiLU / swish `x·σ(x)`. */
export function silu(x: Tensor): Tensor {
  const [y, xin] = run('silu', x, true);
  record(
    'silu',
    y,
    [xin],
    ([g]) => {
      const s = sigmoid(xin);
      return [mul(g!, mul(s, add(mul(xin, sub(1, s)), 1)))];
    },
    [xin],
  );
  return y;
}

/** The error function. */
export function erf(x: Tensor): Tensor {
  const [y, xin] = run('erf', x, true);
  record('erf', y, [xin], ([g]) => [mul(g!, mul(exp(neg(mul(xin, xin))), 2 / Math.sqrt(Math.PI)))], [xin]);
  return y;
}

/** Largest integer ≤ x (zero gradient). */
export function floor(x: Tensor): Tensor {
  return zeroGrad('floor', x);
}
/** Smallest integer ≥ x (zero gradient). */
export function ceil(x: Tensor): Tensor {
  return zeroGrad('ceil', x);
}
/** Round half to even, like PyTorch (zero gradient). */
export function round(x: Tensor): Tensor {
  return zeroGrad('round', x);
}

/** Elementwise NaN test → bool. */
export function isnan(x: Tensor): Tensor {
  const out = allocArray('bool', x.size);
  getBackend().unary('isnan', x._contiguousData(), out, 0);
  return Tensor._fromData(out, x.shape, 'bool');
}

/** Elementwise finiteness test → bool. */
export function isfinite(x: Tensor): Tensor {
  const out = allocArray('bool', x.size);
  getBackend().unary('isfinite', x._contiguousData(), out, 0);
  return Tensor._fromData(out, x.shape, 'bool');
}

/** Logical not (zero is false) → bool. */
export function logicalNot(x: Tensor): Tensor {
  const out = allocArray('bool', x.size);
  getBackend().unary('logicalNot', x._contiguousData(), out, 0);
  return Tensor._fromData(out, x.shape, 'bool');
}

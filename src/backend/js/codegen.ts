/**
 * Generated elementwise kernels. Writing one hand-specialised loop per op would
 * duplicate hundreds of lines; a shared loop calling a closure per element is
 * slow (megamorphic call site). So each op's scalar expression is compiled once
 * into its own monomorphic loop with `new Function` and cached.
 */
import type { DataArray } from '../../core/dtype.js';
import type { BinaryOp, UnaryOp } from '../backend.js';
import { erf, roundHalfEven } from './math.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Scalar expression of each unary op in terms of `x` (and the parameter `p`); `t` is a scratch variable. */
export const UNARY_EXPR: Record<UnaryOp, string> = {
  neg: '-x',
  abs: 'Math.abs(x)',
  sign: '(x > 0 ? 1 : x < 0 ? -1 : x)',
  exp: 'Math.exp(x)',
  expm1: 'Math.expm1(x)',
  log: 'Math.log(x)',
  log1p: 'Math.log1p(x)',
  sqrt: 'Math.sqrt(x)',
  rsqrt: '1 / Math.sqrt(x)',
  square: 'x * x',
  reciprocal: '1 / x',
  sin: 'Math.sin(x)',
  cos: 'Math.cos(x)',
  tan: 'Math.tan(x)',
  tanh: 'Math.tanh(x)',
  sigmoid: '(x >= 0 ? 1 / (1 + Math.exp(-x)) : (t = Math.exp(x), t / (1 + t)))',
  softplus: '(x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)))',
  relu: '(x > 0 ? x : x !== x ? x : 0)',
  leakyRelu: '(x > 0 ? x : x * p)',
  elu: '(x > 0 ? x : p * Math.expm1(x))',
  gelu: '0.5 * x * (1 + erf(x * 0.7071067811865476))',
  geluTanh: `0.5 * x * (1 + Math.tanh(${SQRT_2_OVER_PI} * (x + 0.044715 * x * x * x)))`,
  silu: '(x >= 0 ? x / (1 + Math.exp(-x)) : (t = Math.exp(x), x * t / (1 + t)))',
  erf: 'erf(x)',
  floor: 'Math.floor(x)',
  ceil: 'Math.ceil(x)',
  round: 'roundHalfEven(x)',
  isnan: '(x !== x ? 1 : 0)',
  isfinite: '(Number.isFinite(x) ? 1 : 0)',
  logicalNot: '(x === 0 ? 1 : 0)',
  step: '(x > 0 ? 1 : 0)',
  cast: 'x',
};

/** Scalar expression of each binary op in terms of `a` and `b`. */
export const BINARY_EXPR: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'Math.pow(a, b)',
  maximum: '(a !== a || b !== b ? NaN : a > b ? a : b)',
  minimum: '(a !== a || b !== b ? NaN : a < b ? a : b)',
  eq: '(a === b ? 1 : 0)',
  ne: '(a !== b ? 1 : 0)',
  lt: '(a < b ? 1 : 0)',
  le: '(a <= b ? 1 : 0)',
  gt: '(a > b ? 1 : 0)',
  ge: '(a >= b ? 1 : 0)',
  logicalAnd: '(a !== 0 && b !== 0 ? 1 : 0)',
  logicalOr: '(a !== 0 || b !== 0 ? 1 : 0)',
  atan2: 'Math.atan2(a, b)',
  fmod: 'a % b',
  tanhGrad: 'a * (1 - b * b)',
  sigmoidGrad: 'a * (b * (1 - b))',
  reluGrad: '(b > 0 ? a : 0)',
};

/** Expression converting a value to bool storage (NaN is true, like PyTorch). */
export const TO_BOOL_EXPR = '(x !== 0 ? 1 : 0)';

type ContiguousKernel = (x: DataArray, out: DataArray, n: number, p: number) => void;
type StridedKernel = (
  out: DataArray,
  shape: readonly number[],
  arrays: readonly DataArray[],
  offsets: readonly number[],
  strides: readonly (readonly number[])[],
) => void;

const contiguousCache = new Map<string, ContiguousKernel>();
const stridedCache = new Map<string, StridedKernel>();

/** A contiguous one-input loop `out[i] = expr(x[i])`. */
export function contiguousKernel(expr: string): ContiguousKernel {
  let k = contiguousCache.get(expr);
  if (!k) {
    const body = `return function(x, out, n, p) {
      let t = 0;
      for (let i = 0; i < n; i++) { const x_ = x[i]; out[i] = ${expr.replace(/\bx\b/g, 'x_')}; }
      return t;
    };`;
    k = new Function('erf', 'roundHalfEven', body)(erf, roundHalfEven) as ContiguousKernel;
    contiguousCache.set(expr, k);
  }
  return k;
}

/**
 * A strided N-input loop over the output shape. Inputs are named by `vars`
 * (e.g. ['a','b']); the innermost dimension gets a unit-stride fast path.
 */
export function stridedKernel(vars: readonly string[], expr: string): StridedKernel {
  const key = `${vars.join(',')}|${expr}`;
  let k = stridedCache.get(key);
  if (k) return k;
  const n = vars.length;
  const ids = Array.from({ length: n }, (_, i) => i);
  const decl = ids.map(
    (i) => `const A${i} = arrays[${i}], S${i} = strides[${i}]; let p${i} = offsets[${i}];`,
  );
  const inner = ids.map((i) => `const s${i} = S${i}[nd - 1];`);
  const loadUnit = ids.map((i) => `const ${vars[i]} = A${i}[p${i} + i];`).join(' ');
  const loadStrided = ids.map((i) => `const ${vars[i]} = A${i}[q${i}]; q${i} += s${i};`).join(' ');
  const unitCond = ids.map((i) => `s${i} === 1`).join(' && ');
  const initQ = ids.map((i) => `let q${i} = p${i};`).join(' ');
  const advance = ids.map((i) => `p${i} += S${i}[d];`).join(' ');
  const rewind = ids.map((i) => `p${i} -= S${i}[d] * shape[d];`).join(' ');
  const body = `return function(out, shape, arrays, offsets, strides) {
    ${decl.join('\n')}
    let t = 0;
    const nd = shape.length;
    if (nd === 0) { ${ids.map((i) => `const ${vars[i]} = A${i}[p${i}];`).join(' ')} out[0] = ${expr}; return; }
    let total = 1;
    for (let d = 0; d < nd; d++) total *= shape[d];
    if (total === 0) return;
    const innerN = shape[nd - 1];
    ${inner.join(' ')}
    const unit = ${unitCond};
    const outer = total / innerN;
    const idx = new Int32Array(nd);
    let po = 0;
    for (let o = 0; o < outer; o++) {
      if (unit) {
        for (let i = 0; i < innerN; i++) { ${loadUnit} out[po + i] = ${expr}; }
      } else {
        ${initQ}
        for (let i = 0; i < innerN; i++) { ${loadStrided} out[po + i] = ${expr}; }
      }
      po += innerN;
      for (let d = nd - 2; d >= 0; d--) {
        idx[d]++;
        ${advance}
        if (idx[d] < shape[d]) break;
        ${rewind}
        idx[d] = 0;
      }
    }
    return t;
  };`;
  k = new Function('erf', 'roundHalfEven', body)(erf, roundHalfEven) as StridedKernel;
  stridedCache.set(key, k);
  return k;
}

type DenseBinaryKernel = (
  a: DataArray,
  ao: number,
  b: DataArray,
  bo: number,
  out: DataArray,
  n: number,
) => void;
const denseCache = new Map<string, DenseBinaryKernel>();

/**
 * Fast path for the common cases of a binary op: both operands dense (`mode` 'vv'),
 * or one of them a broadcast scalar ('vs': b is the scalar, 'sv': a is).
 */
export function denseBinaryKernel(expr: string, mode: 'vv' | 'vs' | 'sv'): DenseBinaryKernel {
  const key = `${mode}|${expr}`;
  let k = denseCache.get(key);
  if (!k) {
    const loadA = mode === 'sv' ? '' : 'const a = A[ao + i];';
    const loadB = mode === 'vs' ? '' : 'const b = B[bo + i];';
    const hoist = (mode === 'sv' ? 'const a = A[ao];' : '') + (mode === 'vs' ? 'const b = B[bo];' : '');
    const body = `return function(A, ao, B, bo, out, n) {
      let t = 0; ${hoist}
      for (let i = 0; i < n; i++) { ${loadA} ${loadB} out[i] = ${expr}; }
      return t;
    };`;
    k = new Function('erf', 'roundHalfEven', body)(erf, roundHalfEven) as DenseBinaryKernel;
    denseCache.set(key, k);
  }
  return k;
}

/** PyTorch-like string rendering of tensors. */
import type { Tensor } from './tensor.js';

function fmtNumber(v: number, isFloat: boolean): string {
  if (!isFloat) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(4);
  return v.toFixed(4);
}

/** Renders a tensor with its dtype and grad status, eliding the middle of large dims. */
export function formatTensor(t: Tensor): string {
  const d = t._contiguousData();
  const isFloat = t.dtype === 'float32' || t.dtype === 'float64';
  const isBool = t.dtype === 'bool';
  const edge = 3;
  const rec = (dim: number, off: number, indent: string): string => {
    if (dim === t.ndim) return isBool ? String(d[off] !== 0) : fmtNumber(d[off]!, isFloat);
    const n = t.shape[dim]!;
    let step = 1;
    for (let i = dim + 1; i < t.ndim; i++) step *= t.shape[i]!;
    const idx =
      n > 2 * edge
        ? [
            ...Array.from({ length: edge }, (_, i) => i),
            -1,
            ...Array.from({ length: edge }, (_, i) => n - edge + i),
          ]
        : Array.from({ length: n }, (_, i) => i);
    const parts = idx.map((i) => (i < 0 ? '...' : rec(dim + 1, off + i * step, `${indent} `)));
    const sep = dim === t.ndim - 1 ? ', ' : `,\n${indent} `;
    return `[${parts.join(sep)}]`;
  };
  const extra = [`dtype=${t.dtype}`];
  if (t.requiresGrad) extra.push(t.isLeaf ? 'requiresGrad=true' : `gradFn=${t._node?.name ?? '?'}`);
  return `tensor(${rec(0, 0, '       ')}, ${extra.join(', ')})`;
}

/** Claims: a measured number, an expected relation, and whether it holds. */

export type ClaimOp = '<' | '<=' | '>' | '>=' | 'in';

/** The expected relation: `value op target`, or `target[0] <= value <= target[1]` for `'in'`. */
export type ClaimTarget =
  | { op: '<' | '<=' | '>' | '>='; target: number; description?: string }
  | { op: 'in'; target: readonly [number, number]; description?: string };

export type ClaimInput = { name: string; value: number } & ClaimTarget;

export type Claim = ClaimInput & { passed: boolean };

/** Evaluates a claim. NaN or infinite values never pass. */
export function evaluateClaim(input: ClaimInput): Claim {
  const v = input.value;
  let passed: boolean;
  if (!Number.isFinite(v)) passed = false;
  else if (input.op === 'in') passed = v >= input.target[0] && v <= input.target[1];
  else if (input.op === '<') passed = v < input.target;
  else if (input.op === '<=') passed = v <= input.target;
  else if (input.op === '>') passed = v > input.target;
  else passed = v >= input.target;
  return { ...input, passed };
}

/** Formats a number compactly for tables: 4 significant digits, exponent when very small/large. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** `< 0.03`, `in [0.9, 1.1]` */
export function formatTarget(c: ClaimTarget): string {
  if (c.op === 'in') return `in [${formatNumber(c.target[0])}, ${formatNumber(c.target[1])}]`;
  return `${c.op} ${formatNumber(c.target)}`;
}

/** `train MSE = 0.0123 (expected < 0.03): PASS` */
export function formatClaim(c: Claim): string {
  return `${c.name} = ${formatNumber(c.value)} (expected ${formatTarget(c)}): ${c.passed ? 'PASS' : 'FAIL'}`;
}

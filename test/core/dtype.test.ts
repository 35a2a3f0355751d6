import { describe, expect, test } from 'vitest';
import { promoteTypes, promoteWithScalar } from '../../src/core/dtype.js';
import { add, div, mul } from '../../src/ops/binary.js';
import { cast } from '../../src/ops/cast.js';
import { tensor } from '../../src/ops/creation.js';

describe('dtype promotion', () => {
  test('tensor-tensor lattice never loses precision', () => {
    expect(promoteTypes('bool', 'int32')).toBe('int32');
    expect(promoteTypes('int32', 'float32')).toBe('float64');
    expect(promoteTypes('float32', 'float64')).toBe('float64');
    expect(promoteTypes('bool', 'float32')).toBe('float32');
    expect(promoteTypes('int32', 'int32')).toBe('int32');
  });

  test('JavaScript scalars are weak', () => {
    expect(promoteWithScalar('float32', 2.5)).toBe('float32');
    expect(promoteWithScalar('int32', 2)).toBe('int32');
    expect(promoteWithScalar('int32', 2.5)).toBe('float32');
    expect(promoteWithScalar('bool', 3)).toBe('int32');
    expect(promoteWithScalar('float64', 1)).toBe('float64');
  });

  test('ops follow the rules', () => {
    const i = tensor([1, 2, 3], { dtype: 'int32' });
    const f = tensor([0.5, 0.5, 0.5]);
    const d = tensor([1, 1, 1], { dtype: 'float64' });
    expect(add(i, 1).dtype).toBe('int32');
    expect(mul(i, 0.5).dtype).toBe('float32');
    expect(add(i, f).dtype).toBe('float64');
    expect(add(f, d).dtype).toBe('float64');
    expect(div(i, i).dtype).toBe('float32');
    expect(div(i, i).toArray()).toEqual([1, 1, 1]);
  });

  test('casting: float to int truncates toward zero, to bool is x != 0', () => {
    const x = tensor([-1.7, -0.2, 0, 0.9, 2.5, Number.NaN], { dtype: 'float64' });
    expect(cast(x, 'int32').toArray()).toEqual([-1, 0, 0, 0, 2, 0]);
    expect(cast(x, 'bool').toArray()).toEqual([true, true, false, true, true, true]);
    expect(cast(tensor([true, false]), 'float32').toArray()).toEqual([1, 0]);
  });
});

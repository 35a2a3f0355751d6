import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, describeSchema, resolveConfig, suggest } from '../../src/experiment/config.js';
import { defineExperiment } from '../../src/experiment/define.js';
import { counting } from './helpers.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it('fills schema defaults and applies the preset', () => {
    const c = resolveConfig(counting, { preset: 'quick' });
    expect(c).toEqual({
      steps: 30,
      checkpointEvery: 10,
      saveOnAbort: false,
      threshold: 0.5,
      label: 'x',
      nested: { depth: 1 },
      fail: false,
    });
    expect(resolveConfig(counting, { preset: 'full' }).steps).toBe(100);
    expect(resolveConfig(counting, { preset: 'custom' }).steps).toBe(50);
  });

  it('layers preset < config file < --set', () => {
    const c = resolveConfig(counting, {
      preset: 'quick',
      file: { path: 'c.json', data: { steps: 7, threshold: 0.1 } },
      set: ['steps=9', 'nested.depth=3', 'label=123', 'saveOnAbort=true'],
    });
    expect(c.steps).toBe(9);
    expect(c.threshold).toBe(0.1);
    expect(c.nested.depth).toBe(3);
    expect(c.label).toBe('123'); // string fields keep the raw text
    expect(c.saveOnAbort).toBe(true);
  });

  it("accepts a run folder's config.json as --config", () => {
    const c = resolveConfig(counting, {
      file: {
        path: 'config.json',
        data: { experiment: 'counting', preset: 'quick', seed: 0, config: { steps: 4 } },
      },
    });
    expect(c.steps).toBe(4);
  });

  it('rejects unknown fields, naming the field, its source and a suggestion', () => {
    const err = configError(() => resolveConfig(counting, { set: ['stpes=3'] }));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toContain('unknown config field "stpes"');
    expect(err.issues[0]).toContain('--set stpes=3');
    expect(err.issues[0]).toContain('did you mean "steps"');
  });

  it('rejects unknown nested fields', () => {
    const err = configError(() =>
      resolveConfig(counting, { file: { path: 'my.json', data: { nested: { dept: 2 } } } }),
    );
    expect(err.issues[0]).toContain('unknown config field "nested.dept"');
    expect(err.issues[0]).toContain('config file my.json');
    expect(err.issues[0]).toContain('did you mean "nested.depth"');
  });

  it('rejects ill-typed fields, naming each one with the value received', () => {
    const err = configError(() => resolveConfig(counting, { set: ['steps=abc', 'threshold=[1]'] }));
    expect(err.issues).toHaveLength(2);
    expect(err.issues.find((i) => i.includes('"steps"'))).toMatch(
      /expected number.*got "abc".*--set steps=abc/,
    );
    expect(err.issues.find((i) => i.includes('"threshold"'))).toMatch(/expected number.*got \[1\]/);
    expect(err.message).toContain('steps');
  });

  it('reports constraint violations (int, positive)', () => {
    const err = configError(() => resolveConfig(counting, { set: ['steps=2.5'] }));
    expect(err.issues[0]).toMatch(/config field "steps": expected int/);
    const err2 = configError(() => resolveConfig(counting, { set: ['steps=-1'] }));
    expect(err2.issues[0]).toMatch(/config field "steps".*(>0|positive|too small)/i);
  });

  it('rejects malformed --set and non-object config files', () => {
    expect(configError(() => resolveConfig(counting, { set: ['steps'] })).issues[0]).toContain(
      '--set steps: expected key=value',
    );
    expect(
      configError(() => resolveConfig(counting, { file: { path: 'a.json', data: [1, 2] } })).issues[0],
    ).toContain('a.json');
  });

  it('parses --set values as JSON, numbers, or strings', () => {
    const exp = defineExperiment({
      name: 'values',
      title: 't',
      description: 'd',
      paper: { title: 'p', authors: 'a', year: 1, spec: 's' },
      configSchema: z.object({
        sizes: z.array(z.number()).default([]),
        mode: z.enum(['a', 'b']).default('a'),
        eps: z.number().default(1),
      }),
      presets: { quick: {}, full: {} },
      async run() {},
    });
    expect(resolveConfig(exp, { set: ['sizes=[1,2,3]', 'mode=b', 'eps=.5'] })).toEqual({
      sizes: [1, 2, 3],
      mode: 'b',
      eps: 0.5,
    });
    expect(configError(() => resolveConfig(exp, { set: ['mode=c'] })).issues[0]).toContain('"mode"');
  });
});

describe('defineExperiment', () => {
  const base = {
    title: 't',
    description: 'd',
    paper: { title: 'p', authors: 'a', year: 1, spec: 's' },
    configSchema: z.object({ n: z.number().int().default(1) }),
    async run() {},
  };

  it('makes the schema strict even if the author forgot', () => {
    const exp = defineExperiment({ ...base, name: 'lenient', presets: { quick: {}, full: {} } });
    expect(() => resolveConfig(exp, { set: ['m=1'] })).toThrow(/unknown config field "m"/);
  });

  it('validates presets at definition time', () => {
    expect(() =>
      defineExperiment({ ...base, name: 'bad-preset', presets: { quick: { n: 1.5 }, full: {} } }),
    ).toThrow(/preset "quick" is invalid.*"n"/);
  });

  it('validates the name', () => {
    expect(() => defineExperiment({ ...base, name: 'Bad Name', presets: { quick: {}, full: {} } })).toThrow(
      /kebab-case/,
    );
    expect(() => defineExperiment({ ...base, name: 'tour', presets: { quick: {}, full: {} } })).toThrow(
      /reserved/,
    );
  });
});

describe('describeSchema', () => {
  it('lists fields with kinds, defaults and nested paths', () => {
    const fields = describeSchema(counting.configSchema as unknown as z.ZodObject);
    const steps = fields.find((f) => f.path === 'steps')!;
    expect(steps).toMatchObject({ kind: 'int', default: 50, optional: true });
    expect(fields.find((f) => f.path === 'nested.depth')).toMatchObject({ kind: 'number', default: 1 });
    expect(fields.find((f) => f.path === 'label')).toMatchObject({ kind: 'string' });
  });

  it('suggests close names only', () => {
    expect(suggest('lrr', ['lr', 'steps'])).toBe('lr');
    expect(suggest('zzzzzz', ['lr', 'steps'])).toBeUndefined();
  });
});

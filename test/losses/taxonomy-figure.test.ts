import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lossRegistry, renderTaxonomySvg, taxonomyGraph, taxonomySpec } from '../../src/losses/index.js';

describe('taxonomy figure', () => {
  it('has a root, six task/strategy groups and the 33 losses, with Fig. 1 edges', () => {
    const { nodes, links } = taxonomyGraph();
    expect(nodes).toHaveLength(1 + 6 + 33);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const n of nodes) if (n.parent) expect(byId.has(n.parent), n.id).toBe(true);
    // Tree edges follow the first in-group parent; the other Fig. 1 edges are extra links.
    expect(byId.get('smooth-l1')!.parent).toBe('huber');
    expect(byId.get('huber')!.parent).toBe('mean-absolute-error');
    expect(byId.get('quadratically-smoothed-hinge')!.parent).toBe('smoothed-hinge');
    expect(byId.get('ebm-log')!.parent).toBe('group:energy-based:margin-based');
    expect(links).toEqual([
      { source: 'mean-squared-error', target: 'huber' },
      { source: 'hinge', target: 'ebm-log' },
    ]);
    expect(byId.get('ramp')!.label).toBe('Ramp (truncated hinge) ⚠');
    expect(byId.get('hinge')!.label).toBe('Hinge');
    expect(byId.get('hinge')!.paradigm).toBe('semi-supervised');
  });

  it('renders to SVG headlessly with every loss, and docs/losses-taxonomy.svg is up to date', async () => {
    expect(taxonomySpec().$schema).toMatch(/vega\/v6/);
    const svg = await renderTaxonomySvg();
    expect(svg.startsWith('<svg')).toBe(true);
    for (const e of lossRegistry) expect(svg, e.id).toContain(e.name.replace('&', '&amp;'));
    expect(svg).toContain('#f9e79f'); // unsupervised boxes
    expect(svg).toContain('#bcd7f5'); // semi-supervised boxes
    const doc = readFileSync(join(import.meta.dirname, '../../docs/losses-taxonomy.svg'), 'utf8');
    // Regenerate with `node scripts/render-loss-taxonomy.mjs` when this fails.
    expect(doc).toBe(`${svg}\n`);
  });
});

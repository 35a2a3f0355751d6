#!/usr/bin/env node
/**
 * Renders the loss taxonomy figure (src/losses/taxonomy-figure.ts) to docs/losses-taxonomy.svg.
 * Usage: node scripts/render-loss-taxonomy.mjs [out.svg]
 * Runs the TypeScript sources through tsx (a devDependency), so no build is needed.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { renderTaxonomySvg } = await import('../src/losses/taxonomy-figure.ts');
const out = process.argv[2] ?? join(root, 'docs', 'losses-taxonomy.svg');
const svg = await renderTaxonomySvg();
writeFileSync(out, `${svg}\n`);
console.log(`wrote ${out} (${svg.length} bytes)`);

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

// The README's example, run as a user would (through the package's exports, i.e. the built dist/).
test('the README quickstart trains: loss falls by more than 20x', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts'], {
    cwd: root,
    encoding: 'utf8',
  });
  const losses = [...out.matchAll(/loss ([0-9.]+)/g)].map((m) => Number(m[1]));
  expect(losses.length).toBe(6);
  expect(losses[5]!).toBeLessThan(losses[0]! / 20);
});

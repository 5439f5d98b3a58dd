import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from './ids.ts';

// Regression: the web console's Vite build failed ("randomBytes is not exported by
// __vite-browser-external") because @kumo/api's agent schemas import @kumo/core's index, and
// ids.ts imported node:crypto. Core's modules (not its tests) must not import node: built-ins.
test('web console build failed on node:crypto in core: core source imports no node: modules', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && /from ['"]node:/.test(readFileSync(p, 'utf8'))) offenders.push(p);
    }
  };
  walk(import.meta.dirname);
  assert.deepEqual(offenders, []);
});

test('ids still get 7 random characters from Web Crypto', () => {
  const ids = new Set(Array.from({ length: 200 }, () => newId('instance', 1_700_000_000_000)));
  assert.equal(ids.size, 200);
  for (const id of ids) assert.match(id, /^i-[0-9a-hjkmnp-tv-z]{10}[0-9a-v]{3}[0-9a-hjkmnp-tv-z]{7}$/);
});

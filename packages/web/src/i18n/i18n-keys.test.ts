import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { en } from './messages-en.ts';
import { ja } from './messages-ja.ts';
import { fillMessage } from './translate.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('English and Japanese dictionaries have the same keys', () => {
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
});

test('every message has text and the same placeholders in both languages', () => {
  for (const [k, v] of Object.entries(en)) {
    const j = (ja as Record<string, string>)[k] ?? '';
    assert.ok(v.trim() && j.trim(), `empty message ${k}`);
    // API errors: English shows the server's own message; other languages say what the code means.
    if (k.startsWith('apiError.') && v === '{message}') continue;
    assert.deepEqual(placeholders(j), placeholders(v), `placeholders of ${k}`);
  }
});

test('every literal key used in the source exists', () => {
  const root = join(import.meta.dirname, '..');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(n) && !n.endsWith('.test.ts')) files.push(p);
    }
  };
  walk(root);
  const used = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\bt\('([a-zA-Z]+\.[a-zA-Z]+)'/g)) used.add(m[1]!);
  assert.ok(used.size > 50, `found ${used.size} keys`);
  for (const k of used) assert.ok(k in en, `missing key ${k}`);
});

test('placeholders are filled, unknown ones stay visible', () => {
  assert.equal(fillMessage('{a} of {b}', { a: 1, b: 'two' }), '1 of two');
  assert.equal(fillMessage('{a} {x}', { a: 1 }), '1 {x}');
});

#!/usr/bin/env node
// Runs the whole suite: type check, lint, then every *.test.ts with node's test runner.
// `npm test -- --only unit` runs only files not under an integration/ folder.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const onlyUnit = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function findTests(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit' });
  return r.status ?? 1;
}

// Pure tests of the benchmarks' own logic run too (the benchmarks themselves are run by hand).
let files = [...findTests('packages', []), ...findTests('bench', [])].sort();
if (onlyUnit) files = files.filter((f) => !f.includes('/integration/'));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));

if (!args.includes('--no-check')) {
  if (run('npx', ['tsc', '-p', 'tsconfig.json']) !== 0) { console.error('type check failed'); process.exit(1); }
  if (run('npx', ['eslint', 'packages', 'bench']) !== 0) { console.error('lint failed'); process.exit(1); }
}
const status = run(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', ...files,
]);
process.exit(status);

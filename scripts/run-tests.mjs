#!/usr/bin/env node
// Runs the whole suite: type check, lint, then every *.test.ts with node's test runner.
// `npm test -- --only unit` runs only files not under an integration/ folder.
// When a selected test uses the Ceph test cluster (useTestCephCluster), one cluster is started
// for the whole run and shared through KUMO_TEST_CEPH_CONF; it is stopped and removed at the
// end, also on failure or Ctrl-C (a run killed -9 leaves one that the next start removes).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
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
const cephMain = 'packages/storage-rbd/src/testing/ceph-cluster-main.ts';
let cephDir = null;
function stopCeph() {
  if (cephDir === null) return;
  spawnSync(process.execPath, ['--import', 'tsx', cephMain, 'stop', cephDir], { stdio: 'inherit' });
  cephDir = null;
}
if (files.some((f) => readFileSync(f, 'utf8').includes('useTestCephCluster('))) {
  const started = spawnSync(process.execPath, ['--import', 'tsx', cephMain, 'start', '--owner', String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (started.status !== 0) { console.error('could not start the Ceph test cluster'); process.exit(1); }
  const info = JSON.parse(started.stdout.trim().split('\n').at(-1));
  cephDir = info.dir;
  process.env.KUMO_TEST_CEPH_CONF = info.conf;
  console.log(`Ceph test cluster for this run: ${info.dir}`);
}
process.on('exit', stopCeph);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { stopCeph(); process.exit(130); });

const status = run(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', ...files,
]);
stopCeph();
process.exit(status);

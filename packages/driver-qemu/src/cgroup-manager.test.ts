// CgroupManager against fake cgroup trees in a temp directory (plain files stand in
// for the kernel's); the real v1 hierarchy is exercised by the QEMU integration test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupManager, detectCgroupLayout } from './cgroup-manager.ts';
import { cgroupLimitsFor } from './cgroup-plan.ts';
import type { DriverLogger } from './driver-logger.ts';

function recordingLogger(): DriverLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => {}, info: () => {}, error: () => {}, warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`) };
}

async function tempRoot(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kumo-cg-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

test('cgroup v2 (unified) host: controllers enabled, limits written to the v2 files', async (t) => {
  const root = await tempRoot(t);
  await writeFile(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  await writeFile(join(root, 'cgroup.procs'), '');
  assert.deepEqual(await detectCgroupLayout(root), { kind: 'v2', root, controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'] });
  const log = recordingLogger();
  const m = new CgroupManager(root, 'kumo', log);
  const plan = await m.create('i-9', cgroupLimitsFor({ memoryMiB: 512, vcpus: 2, cpuQuota: 0.5 }));
  assert.deepEqual(plan?.procsFiles, [join(root, 'kumo/i-9/cgroup.procs')]);
  assert.equal(await readFile(join(root, 'cgroup.subtree_control'), 'utf8'), '+cpu +memory +pids');
  assert.equal(await readFile(join(root, 'kumo/cgroup.subtree_control'), 'utf8'), '+cpu +memory +pids');
  assert.equal(await readFile(join(root, 'kumo/i-9/memory.max'), 'utf8'), String(612 * 1024 * 1024));
  assert.equal(await readFile(join(root, 'kumo/i-9/cpu.max'), 'utf8'), '100000 100000');
  assert.deepEqual(log.warnings, []);
});

test('cgroup v1 host: one group per controller mount', async (t) => {
  const root = await tempRoot(t);
  for (const c of ['cpu', 'cpuacct', 'memory', 'pids']) {
    await mkdir(join(root, c));
    await writeFile(join(root, c, 'cgroup.procs'), '');
  }
  const layout = await detectCgroupLayout(root);
  assert.equal(layout.kind, 'v1');
  const m = new CgroupManager(root, 'kumo', recordingLogger());
  await m.create('i-1', cgroupLimitsFor({ memoryMiB: 128, vcpus: 1 }));
  assert.equal(await readFile(join(root, 'memory/kumo/i-1/memory.limit_in_bytes'), 'utf8'), String(228 * 1024 * 1024));
  assert.equal(await readFile(join(root, 'cpu/kumo/i-1/cpu.cfs_quota_us'), 'utf8'), '100000');
  assert.ok(existsSync(join(root, 'cpuacct/kumo/i-1')));
  assert.equal(await readFile(join(root, 'pids/kumo/i-1/pids.max'), 'utf8'), '260');
});

test('no cgroup filesystem, or a read-only one: QEMU runs unconfined and a warning is logged once', async (t) => {
  const empty = await tempRoot(t);
  const log = recordingLogger();
  const m = new CgroupManager(empty, 'kumo', log);
  assert.equal(await m.create('i-1', cgroupLimitsFor({ memoryMiB: 128, vcpus: 1 })), null);
  assert.equal(await m.create('i-2', cgroupLimitsFor({ memoryMiB: 128, vcpus: 1 })), null);
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0] ?? '', /without cgroup limits/);

  // a v2 root where the parent group cannot be created (a file is in the way)
  const blocked = await tempRoot(t);
  await writeFile(join(blocked, 'cgroup.controllers'), 'cpu memory pids\n');
  await writeFile(join(blocked, 'kumo'), 'not a directory');
  const log2 = recordingLogger();
  assert.equal(await new CgroupManager(blocked, 'kumo', log2).create('i-1', cgroupLimitsFor({ memoryMiB: 1, vcpus: 1 })), null);
  assert.match(log2.warnings[0] ?? '', /not writable/);
});

test('regression migration_source_oom_killed_in_its_cgroup: setMemoryLimit rewrites only the memory limit of a live group', async (t) => {
  const root = await tempRoot(t);
  await writeFile(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
  await writeFile(join(root, 'cgroup.procs'), '');
  const m = new CgroupManager(root, 'kumo', recordingLogger());
  const plan = await m.create('i-9', cgroupLimitsFor({ memoryMiB: 256, vcpus: 1 }));
  assert.ok(plan);
  await m.setMemoryLimit(plan, 612 * 1024 * 1024);
  assert.equal(await readFile(join(root, 'kumo/i-9/memory.max'), 'utf8'), String(612 * 1024 * 1024));
  assert.equal(await readFile(join(root, 'kumo/i-9/cpu.max'), 'utf8'), '100000 100000', 'other limits untouched');
});

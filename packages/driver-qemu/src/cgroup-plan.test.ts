import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupLimitsFor, parseOomKills, planCgroup } from './cgroup-plan.ts';

const MiB = 1024 * 1024;

test('limits: memory is guest RAM + 100 MiB, CPU quota is vcpus × cpuQuota', () => {
  assert.deepEqual(cgroupLimitsFor({ memoryMiB: 256, vcpus: 2 }), {
    memoryBytes: 356 * MiB, cpuQuotaUs: 200_000, cpuPeriodUs: 100_000, pidsMax: 264,
  });
  assert.equal(cgroupLimitsFor({ memoryMiB: 256, vcpus: 2, cpuQuota: 0.5 }).cpuQuotaUs, 100_000);
  assert.equal(cgroupLimitsFor({ memoryMiB: 256, vcpus: 1, cpuQuota: 0.25 }).cpuQuotaUs, 25_000);
});

test('v1 plan: one group per controller mount, limits written, pid goes into every group', () => {
  const plan = planCgroup(
    { kind: 'v1', controllers: { cpu: '/cg/cpu', cpuacct: '/cg/cpuacct', memory: '/cg/memory', pids: '/cg/pids' } },
    'kumo', 'i-1', cgroupLimitsFor({ memoryMiB: 128, vcpus: 1, cpuQuota: 0.5 }),
  );
  assert.ok(plan);
  assert.deepEqual(plan.steps, [
    { op: 'mkdir', path: '/cg/cpu/kumo' }, { op: 'mkdir', path: '/cg/cpu/kumo/i-1' },
    { op: 'mkdir', path: '/cg/cpuacct/kumo' }, { op: 'mkdir', path: '/cg/cpuacct/kumo/i-1' },
    { op: 'mkdir', path: '/cg/memory/kumo' }, { op: 'mkdir', path: '/cg/memory/kumo/i-1' },
    { op: 'mkdir', path: '/cg/pids/kumo' }, { op: 'mkdir', path: '/cg/pids/kumo/i-1' },
    { op: 'write', file: '/cg/cpu/kumo/i-1/cpu.cfs_period_us', value: '100000' },
    { op: 'write', file: '/cg/cpu/kumo/i-1/cpu.cfs_quota_us', value: '50000' },
    { op: 'write', file: '/cg/memory/kumo/i-1/memory.limit_in_bytes', value: String(228 * MiB) },
    { op: 'write', file: '/cg/pids/kumo/i-1/pids.max', value: '260' },
  ]);
  assert.deepEqual(plan.procsFiles, [
    '/cg/cpu/kumo/i-1/cgroup.procs', '/cg/cpuacct/kumo/i-1/cgroup.procs',
    '/cg/memory/kumo/i-1/cgroup.procs', '/cg/pids/kumo/i-1/cgroup.procs',
  ]);
  assert.equal(plan.leafDirs.length, 4);
  assert.equal(plan.oomFile, '/cg/memory/kumo/i-1/memory.oom_control');
});

test('v1 plan: co-mounted cpu,cpuacct share one group', () => {
  const plan = planCgroup(
    { kind: 'v1', controllers: { cpu: '/cg/cpu,cpuacct', cpuacct: '/cg/cpu,cpuacct', memory: '/cg/memory' } },
    'kumo', 'i-2', cgroupLimitsFor({ memoryMiB: 64, vcpus: 1 }),
  );
  assert.deepEqual(plan?.leafDirs, ['/cg/cpu,cpuacct/kumo/i-2', '/cg/memory/kumo/i-2']);
});

test('v2 plan: controllers enabled top-down before the leaf is created', () => {
  const plan = planCgroup(
    { kind: 'v2', root: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'] },
    'kumo', 'i-3', cgroupLimitsFor({ memoryMiB: 1024, vcpus: 4 }),
  );
  assert.deepEqual(plan?.steps, [
    { op: 'write', file: '/sys/fs/cgroup/cgroup.subtree_control', value: '+cpu +memory +pids' },
    { op: 'mkdir', path: '/sys/fs/cgroup/kumo' },
    { op: 'write', file: '/sys/fs/cgroup/kumo/cgroup.subtree_control', value: '+cpu +memory +pids' },
    { op: 'mkdir', path: '/sys/fs/cgroup/kumo/i-3' },
    { op: 'write', file: '/sys/fs/cgroup/kumo/i-3/cpu.max', value: '400000 100000' },
    { op: 'write', file: '/sys/fs/cgroup/kumo/i-3/memory.max', value: String(1124 * MiB) },
    { op: 'write', file: '/sys/fs/cgroup/kumo/i-3/pids.max', value: '272' },
  ]);
  assert.deepEqual(plan?.procsFiles, ['/sys/fs/cgroup/kumo/i-3/cgroup.procs']);
  assert.equal(plan?.oomFile, '/sys/fs/cgroup/kumo/i-3/memory.events');
});

test('no cgroup fs: no plan', () => {
  assert.equal(planCgroup({ kind: 'none', reason: 'read-only' }, 'kumo', 'i', cgroupLimitsFor({ memoryMiB: 1, vcpus: 1 })), null);
});

test('OOM kill counters are parsed from v1 and v2 files', () => {
  assert.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 1\n'), 1);
  assert.equal(parseOomKills('low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\noom_group_kill 0\n'), 2);
  assert.equal(parseOomKills(''), 0);
});

test('a display adds its memory to the cgroup budget (regression: save_of_guest_with_display_oom_killed)', () => {
  assert.equal(cgroupLimitsFor({ memoryMiB: 128, vcpus: 1 }, 64).memoryBytes, (128 + 100 + 64) * 1024 * 1024);
});

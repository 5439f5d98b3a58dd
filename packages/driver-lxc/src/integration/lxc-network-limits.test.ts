// A real container with a NIC and the offering's limits: its veth's host end is on the bridge with
// the spec's name, the container's eth0 has the spec's MAC and MTU, and its cgroup carries core's
// CPU quota, the memory and the pids limit. The bridge exists only during the test (no uplink) and
// is removed with everything else, also on failure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cpuQuotaUsFor } from '@kumo/core';
import { LxcDriver } from '../lxc-driver.ts';
import { lxcResidue, tinyCtBase, tinyCtSpec } from './lxc-host.ts';

const suffix = `${process.pid % 100000}`;
const bridge = `kbt${suffix}`;
const veth = `kvt${suffix}`;
const id = `i-lxcnet${suffix}`;
let work: string;
let driver: LxcDriver;

before(async () => {
  work = await mkdtemp('/var/tmp/kumo-lxc-net-');
  await chmod(work, 0o711);
  execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  execFileSync('ip', ['link', 'set', bridge, 'up']);
  driver = new LxcDriver({ lxcPath: join(work, 'lxc'), pidsMax: 333 });
});

after(async () => {
  await driver?.destroy(id).catch(() => {});
  await driver?.close();
  try {
    execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  } catch {
    // not created
  }
  await rm(work, { recursive: true, force: true });
});

test('veth on the spec\'s bridge with the spec\'s MAC and MTU; cgroup limits from the spec; nothing left after destroy', async () => {
  const base = await tinyCtBase(work);
  const spec = {
    ...tinyCtSpec(id, 'net', base), vcpus: 2, memoryMiB: 96, cpuQuota: 0.5,
    nics: [{ nicId: 'nic-1', mac: '52:54:00:ab:cd:01', attach: { kind: 'veth' as const, hostIfName: veth }, pciSlot: 8, bridge, mtu: 1400 }],
  };
  assert.equal((await driver.start(spec)).power, 'running');
  const link = JSON.parse(execFileSync('ip', ['-j', 'link', 'show', veth], { encoding: 'utf8' })) as Array<{ master?: string; mtu: number }>;
  assert.equal(link[0]?.master, bridge);
  assert.equal(link[0]?.mtu, 1400);
  const pid = /PID:\s*(\d+)/.exec(execFileSync('lxc-info', ['-P', join(work, 'lxc'), '-n', id, '-p'], { encoding: 'utf8' }))?.[1];
  assert.ok(pid);
  const inside = JSON.parse(execFileSync('nsenter', ['-t', pid, '-n', 'ip', '-j', 'link', 'show', 'eth0'], { encoding: 'utf8' })) as Array<{ address: string; mtu: number }>;
  assert.deepEqual([inside[0]?.address, inside[0]?.mtu], ['52:54:00:ab:cd:01', 1400]);
  const cg = (ctrl: string, file: string): Promise<string> => readFile(`/sys/fs/cgroup/${ctrl}/lxc.payload.${id}/${file}`, 'utf8').then((s) => s.trim());
  assert.equal(await cg('cpu', 'cpu.cfs_quota_us'), String(cpuQuotaUsFor(spec)));
  assert.equal(await cg('memory', 'memory.limit_in_bytes'), String(96 * 1024 * 1024));
  assert.equal(await cg('pids', 'pids.max'), '333');
  await driver.destroy(id);
  assert.deepEqual(await lxcResidue(join(work, 'lxc'), id, veth), []);
});

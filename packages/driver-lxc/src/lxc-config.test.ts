import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { DriverError, type InstanceSpec } from '@kumo/core';
import { busyboxInitSignals, hostnameOf, renderLxcConfig, standardInitSignals, type LxcConfigHost } from './lxc-config.ts';
import { containerPaths } from './lxc-layout.ts';

const paths = containerPaths('/var/lib/kumo/lxc', 'i-0001');
const spec: InstanceSpec = {
  instanceId: 'i-0001', name: 'Web 1', vcpus: 2, memoryMiB: 256, cpuQuota: 0.5,
  root: { kind: 'rootfs', path: '/var/lib/kumo/rootfs/pool-a/imgv-tinyct' },
  disks: [],
  nics: [{ nicId: 'nic-1', mac: '52:54:00:12:34:56', attach: { kind: 'veth', hostIfName: 'kv-0001' }, pciSlot: 8, bridge: 'kbr-net1', mtu: 1450 }],
  boot: {}, stopTimeoutSec: 10,
  configDrive: { metaData: 'instance-id: i-0001\n', userData: '' },
};
const v1Host: LxcConfigHost = { idmap: { hostUid: 100000, hostGid: 100000, count: 65536 }, cgroup: 'v1', init: busyboxInitSignals, pidsMax: 4096, consoleLogBytes: 1048576 };

/** Compares with testdata/NAME; KUMO_UPDATE_GOLDEN=1 rewrites the file. */
function golden(name: string, actual: string): void {
  const file = new URL(`./testdata/${name}`, import.meta.url);
  if (process.env.KUMO_UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'));
}

test('golden: unprivileged busybox container on cgroup v1 with a veth on a bridge and a NoCloud seed', () => {
  golden('unprivileged-v1.conf', renderLxcConfig(spec, paths, v1Host));
});

test('golden: privileged container on cgroup v2 with no NIC and unlimited CPU (standard init)', () => {
  const s: InstanceSpec = { ...spec, nics: [], cpuQuota: 0 };
  delete s.configDrive;
  golden('privileged-v2.conf', renderLxcConfig(s, paths, { ...v1Host, idmap: null, cgroup: 'v2', init: standardInitSignals }));
});

test('the CPU quota is core\'s (same as a VM of the offering): 2 vCPUs at 0.5 → 100 ms per 100 ms', () => {
  const conf = renderLxcConfig(spec, paths, v1Host);
  assert.match(conf, /^lxc\.cgroup\.cpu\.cfs_quota_us = 100000$/m);
  assert.match(conf, /^lxc\.cgroup\.memory\.limit_in_bytes = 268435456$/m);
  assert.match(renderLxcConfig(spec, paths, { ...v1Host, cgroup: 'v2' }), /^lxc\.cgroup2\.cpu\.max = 100000 100000$/m);
});

test('what a container cannot take is refused naming the field: a tap NIC, disks, a CD-ROM, a kernel, a disk root', () => {
  const cases: Array<[Partial<InstanceSpec>, RegExp]> = [
    [{ nics: [{ nicId: 'n', mac: '52:54:00:00:00:01', attach: { kind: 'tap', tap: 'tap0' }, pciSlot: 8 }] }, /^nics\[0\]\.attach/],
    [{ disks: [{ volumeId: 'vol-1', path: '/x.qcow2', format: 'qcow2', pciSlot: 9, serial: 'vol-1' }] }, /^disks/],
    [{ cdrom: {} }, /^cdrom/],
    [{ boot: { kernelPath: '/boot/vmlinuz' } }, /^boot\.kernelPath/],
    [{ root: { kind: 'disk', disk: { volumeId: 'vol-r', path: '/r.qcow2', format: 'qcow2', pciSlot: 7, serial: 'vol-r' } } }, /^root:/],
  ];
  for (const [patch, msg] of cases) {
    assert.throws(() => renderLxcConfig({ ...spec, ...patch }, paths, v1Host), (e: unknown) => e instanceof DriverError && e.code === 'start_failed' && msg.test(e.message));
  }
});

test('host names from instance names', () => {
  assert.equal(hostnameOf('Web 1'), 'web-1');
  assert.equal(hostnameOf('***'), 'kumo');
  assert.equal(hostnameOf('a'.repeat(80)).length, 63);
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DriverError, type InstanceSpec } from '@kumo/core';
import { containerNic, createLxcHost } from './lxc-host.ts';

test('a VM NIC becomes a container NIC: the tap name is the veth host end; MAC, bridge and MTU stay', () => {
  const nic = { nicId: 'nic-1', mac: '52:54:00:00:00:07', attach: { kind: 'tap' as const, tap: 'kti-0000000' }, pciSlot: 8, bridge: 'kb-net1', mtu: 1450 };
  assert.deepEqual(containerNic(nic), { ...nic, attach: { kind: 'veth', hostIfName: 'kti-0000000' } });
});

test('an LXC host refuses to start an instance whose image is not a root-fs tarball, naming the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-lxc-host-'));
  try {
    const host = createLxcHost({ stateDir: dir, serverUrl: 'http://127.0.0.1:1', token: () => undefined });
    const spec: InstanceSpec = { instanceId: 'i-1', name: 'vm', vcpus: 1, memoryMiB: 64, disks: [], nics: [], boot: {}, stopTimeoutSec: 5 };
    const image = { imageVersionId: 'imgv-1', format: 'qcow2' as const, sha256: '0'.repeat(64), sizeBytes: 1, url: '/x' };
    await assert.rejects(host.prepareStart({ spec, image } as never), (e: unknown) => e instanceof DriverError && e.code === 'start_failed' && /^image: /.test(e.message));
    await host.driver.close();
    await host.network.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

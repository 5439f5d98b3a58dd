// The 'rbd' capability follows QEMU's rbd block module on the host, and RBD disks are refused
// clearly where it is missing (QEMU itself would only say "Unknown driver 'rbd'").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverError, type DiskSpec, type InstanceSpec } from '@kumo/core';
import { QemuDriver, qemuDriverCapabilities } from './qemu-driver.ts';

const rbdDisk: DiskSpec = { volumeId: 'vol-r', path: 'rbd:rbd/vol-r', format: 'raw', pciSlot: 0x11, serial: 'vol-r', rbd: { pool: 'rbd', image: 'vol-r', user: 'admin', cephConf: '/etc/ceph/ceph.conf' } };

test('rbd is claimed only with block-rbd.so in the module directory; without it RBD disks are refused naming the package', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-rbdcap-'));
  try {
    const without = new QemuDriver({ stateDir: join(dir, 'state'), qemuModuleDir: dir });
    assert.deepEqual(without.capabilities(), qemuDriverCapabilities);
    const spec: InstanceSpec = { instanceId: 'i-r', name: 'r', vcpus: 1, memoryMiB: 64, disks: [rbdDisk], nics: [], boot: { kernelPath: '/k' }, stopTimeoutSec: 1 };
    await assert.rejects(without.start(spec), (e: unknown) => e instanceof DriverError && e.code === 'start_failed' && /qemu-block-extra/.test(e.message));
    await assert.rejects(without.attachDisk('i-r', rbdDisk), (e: unknown) => e instanceof DriverError && e.code === 'unsupported' && /no rbd block driver/.test(e.message));
    await without.close();
    await writeFile(join(dir, 'block-rbd.so'), '');
    const withRbd = new QemuDriver({ stateDir: join(dir, 'state'), qemuModuleDir: dir });
    assert.deepEqual(withRbd.capabilities(), [...qemuDriverCapabilities, 'rbd']);
    await withRbd.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

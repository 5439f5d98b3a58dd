// The fake driver's disk features beyond the conformance suite: a guest that keeps its disk (detach
// timeout on the injected clock), mid-way backup failures with undo, and the guest's view surviving
// an agent restart over the same FakeHost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError, FakeClock, type DiskSpec, type InstanceSpec } from '@kumo/core';
import { FakeDriver } from './fake-driver.ts';
import { FakeHost } from './fake-host.ts';

const MiB = 1 << 20;
const disk = (v: string, pciSlot: number): DiskSpec => ({ volumeId: v, path: `/pool/${v}.qcow2`, format: 'qcow2', pciSlot, serial: v });
const spec: InstanceSpec = { instanceId: 'i-a', name: 'a', vcpus: 1, memoryMiB: 64, disks: [disk('vol-boot', 0x11)], nics: [], boot: {}, stopTimeoutSec: 1 };

function setUp(clock?: FakeClock): FakeDriver {
  const host = new FakeHost('h');
  host.addDiskFile('/pool/vol-boot.qcow2', 8 * MiB);
  host.addDiskFile('/pool/vol-hot.qcow2', 4 * MiB);
  return new FakeDriver({ hostname: 'h', host, ...(clock ? { clock } : {}) });
}

test('fake: a guest that keeps its disk makes detachDisk time out on the injected clock; the disk stays', async () => {
  const clock = new FakeClock();
  const d = setUp(clock);
  await d.start(spec);
  d.guestHoldsDisks('i-a');
  let settled = false;
  const p = d.detachDisk('i-a', 'vol-boot', { timeoutSec: 20 }).finally(() => { settled = true; });
  await new Promise((r) => setTimeout(r, 10));
  clock.advance(19_999);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(settled, false);
  clock.advance(1);
  await assert.rejects(p, (e: unknown) => e instanceof DriverError && e.code === 'timeout');
  assert.deepEqual(d.host.guests.get('i-a')?.devices.map((x) => x.volumeId), ['vol-boot']);
  d.guestHoldsDisks('i-a', false);
  await d.detachDisk('i-a', 'vol-boot', { timeoutSec: 20 });
  assert.deepEqual(d.host.guests.get('i-a')?.devices, []);
});

test('fake: a backup failing mid-way undoes its target file; one that succeeds records the disk as it was', async () => {
  const d = setUp();
  await d.start(spec);
  const before = d.host.snapshot();
  d.inject('backupDisk', { kind: 'fail', message: 'No space left on device', afterSteps: 1 });
  await assert.rejects(d.backupDisk('i-a', 'vol-boot', { path: '/b/1.qcow2', format: 'qcow2' }), /No space left/);
  assert.deepEqual(d.host.snapshot(), before);
  assert.deepEqual(await d.backupDisk('i-a', 'vol-boot', { path: '/b/1.qcow2', format: 'qcow2' }), { bytes: 8 * MiB });
  assert.deepEqual(d.host.backups.get('/b/1.qcow2'), { volumeId: 'vol-boot', serial: 'vol-boot', sizeBytes: 8 * MiB, format: 'qcow2' });
});

test('fake: hot-plugged disks, sizes and limits are the guest\'s, and a new driver over the same host sees them', async () => {
  const d = setUp();
  await d.start(spec);
  await d.attachDisk('i-a', disk('vol-hot', 0x12));
  await d.resizeDisk('i-a', 'vol-hot', 16 * MiB);
  await d.setDiskLimits('i-a', 'vol-hot', { writeIops: 100 });
  const again = new FakeDriver({ hostname: 'h', host: d.host });
  const g = again.host.guests.get('i-a');
  assert.deepEqual(g?.devices.map((x) => [x.serial, x.pciSlot, x.sizeBytes]), [['vol-boot', 0x11, 8 * MiB], ['vol-hot', 0x12, 16 * MiB]]);
  assert.deepEqual(g?.spec.disks.at(-1)?.limits, { writeIops: 100 });
  again.host.loseDiskFile('/pool/vol-x.qcow2');
  await assert.rejects(again.attachDisk('i-a', disk('vol-x', 0x13)), (e: unknown) => e instanceof DriverError && e.code === 'host_failure' && /Could not open/.test(e.message));
  // a volume the fake host was not told about (made by a FakeVolumeManager) attaches, at 0 bytes
  await again.attachDisk('i-a', disk('vol-y', 0x14));
  assert.equal(again.host.guests.get('i-a')?.devices.at(-1)?.sizeBytes, 0);
});

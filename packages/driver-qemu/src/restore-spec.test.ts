import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError, type InstanceSpec } from '@kumo/core';
import { specForRestore } from './restore-spec.ts';

const base: InstanceSpec = {
  instanceId: 'i-1', name: 'vm', vcpus: 1, memoryMiB: 128, disks: [], nics: [],
  boot: { kernelPath: '/k' }, stopTimeoutSec: 5,
};
const driveA = { metaData: 'instance-id: i-1\n', userData: 'a' };
const driveB = { metaData: 'instance-id: i-1\n', userData: 'b', networkConfig: 'version: 2\n' };

test('restore spec: the request as is when the saved spec is unknown or has the same devices', () => {
  const req = { ...base, configDrive: driveB };
  assert.deepEqual(specForRestore(req, undefined), { spec: req, notes: [] });
  assert.deepEqual(specForRestore(base, base), { spec: base, notes: [] });
  assert.deepEqual(specForRestore(req, { ...base, configDrive: driveA }), { spec: req, notes: [] }, 'new contents, same device');
});

test('restore spec: saved with a config drive, requested without: the saved drive stays', () => {
  const r = specForRestore({ ...base, memoryMiB: 256 }, { ...base, configDrive: driveA });
  assert.deepEqual(r.spec, { ...base, memoryMiB: 256, configDrive: driveA });
  assert.match(r.notes.join(), /keeps the saved one/);
});

test('restore spec: saved without a config drive, requested with: no drive', () => {
  const r = specForRestore({ ...base, configDrive: driveB }, base);
  assert.deepEqual(r.spec, base);
  assert.equal('configDrive' in r.spec, false);
  assert.match(r.notes.join(), /saved without a config drive/);
});

test('restore spec: disks and NICs at other slots than when saved are refused, naming both layouts', () => {
  const root = { volumeId: 'vol-r', path: '/r', format: 'qcow2' as const, pciSlot: 0x10, serial: 'vol-r' };
  const nic = { nicId: 'nic-1', mac: '52:54:00:00:00:01', attach: { kind: 'tap' as const, tap: 't1' }, pciSlot: 0x08 };
  const saved: InstanceSpec = { ...base, root: { kind: 'disk', disk: root }, nics: [nic] };
  assert.deepEqual(specForRestore(saved, saved).spec, saved);
  assert.throws(() => specForRestore({ ...saved, nics: [{ ...nic, pciSlot: 0x09 }] }, saved), (e: unknown) => {
    assert.ok(e instanceof DriverError);
    assert.equal(e.code, 'start_failed');
    assert.match(e.message, /saved with disk vol-r at 0x10, nic nic-1 at 0x08 and the restore asks for disk vol-r at 0x10, nic nic-1 at 0x09/);
    return true;
  });
});

test('restore spec: a state saved before explicit device addresses (old spec.json) is refused with a clear error', () => {
  // spec.json as a Kumo before migration 005 wrote it: the root disk in `disks` with an index, taps without slots.
  const old = JSON.parse('{"instanceId":"i-1","name":"vm","vcpus":1,"memoryMiB":128,"boot":{"kernelPath":"/k"},"stopTimeoutSec":5,'
    + '"disks":[{"volumeId":"vol-r","path":"/r","format":"qcow2","index":0}],"nics":[{"nicId":"nic-1","mac":"52:54:00:00:00:01","tap":"t1"}]}') as InstanceSpec;
  const req: InstanceSpec = {
    ...base, root: { kind: 'disk', disk: { volumeId: 'vol-r', path: '/r', format: 'qcow2', pciSlot: 0x10, serial: 'vol-r' } },
    nics: [{ nicId: 'nic-1', mac: '52:54:00:00:00:01', attach: { kind: 'tap', tap: 't1' }, pciSlot: 0x08 }],
  };
  assert.throws(() => specForRestore(req, old), /saved before devices had fixed PCI slots.*stop the instance/);
});

test('restore: the CD-ROM drive follows the saved spec (a drive is a device), its medium the request', () => {
  const iso = { path: '/isos/a.iso', imageVersionId: 'imgv-a' };
  const plain: InstanceSpec = { instanceId: 'i-cd', name: 'cd', vcpus: 1, memoryMiB: 128, disks: [], nics: [], boot: { kernelPath: '/k' }, stopTimeoutSec: 5 };
  const savedWith = { ...plain, cdrom: { iso } };
  assert.deepEqual(specForRestore({ ...plain, cdrom: {} }, savedWith).spec.cdrom, {}, 'request wins for the medium');
  assert.deepEqual(specForRestore(plain, savedWith).spec.cdrom, {}, 'saved with a drive: the drive stays, empty');
  const r = specForRestore({ ...plain, cdrom: { iso }, boot: { order: 'cdrom' } }, plain);
  assert.equal(r.spec.cdrom, undefined, 'saved without: no drive');
  assert.equal(r.spec.boot.order, 'disk');
  assert.equal(r.notes.length, 1);
});

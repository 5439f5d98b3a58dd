import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InstanceSpec } from '@kumo/core';
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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hypervisorRuns, instanceTypeOfImageFormat } from './instance-type.ts';

test('a root-fs tarball makes a container, every other image format a VM', () => {
  assert.equal(instanceTypeOfImageFormat('rootfs-tar'), 'container');
  for (const f of ['qcow2', 'raw', 'kernel-initrd', 'iso']) assert.equal(instanceTypeOfImageFormat(f), 'vm');
});

test('QEMU hosts run VMs only, LXC hosts containers only, the fake driver both', () => {
  assert.deepEqual([hypervisorRuns('qemu', 'vm'), hypervisorRuns('qemu', 'container')], [true, false]);
  assert.deepEqual([hypervisorRuns('lxc', 'vm'), hypervisorRuns('lxc', 'container')], [false, true]);
  assert.deepEqual([hypervisorRuns('fake', 'vm'), hypervisorRuns('fake', 'container')], [true, true]);
});

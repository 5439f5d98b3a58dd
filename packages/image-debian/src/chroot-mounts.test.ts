import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mountsUnder } from './chroot-mounts.ts';

test('mountsUnder lists the mounts inside a root file system, deepest first, and decodes escapes', () => {
  const info = [
    '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '80 22 0:5 / /var/tmp/build/rootfs/proc rw - proc proc rw',
    '81 22 0:6 / /var/tmp/build/rootfs/sys rw - sysfs sysfs rw',
    '82 81 0:7 / /var/tmp/build/rootfs/sys/fs/cgroup rw - cgroup2 cgroup rw',
    '83 22 0:8 / /var/tmp/build/rootfs2/proc rw - proc proc rw',
    '84 22 0:9 / /var/tmp/with\\040space/proc rw - proc proc rw',
  ].join('\n');
  assert.deepEqual(mountsUnder(info, '/var/tmp/build/rootfs/'), [
    '/var/tmp/build/rootfs/sys/fs/cgroup', '/var/tmp/build/rootfs/proc', '/var/tmp/build/rootfs/sys',
  ].sort((a, b) => b.length - a.length));
  assert.deepEqual(mountsUnder(info, '/var/tmp/with space'), ['/var/tmp/with space/proc']);
  assert.deepEqual(mountsUnder(info, '/nowhere'), []);
});

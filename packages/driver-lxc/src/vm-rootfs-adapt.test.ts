import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileSystemOffsets } from './vm-disk-rootfs.ts';
import { adaptVmRootfs, containerFstab, containerInittab, renameInterfaces } from './vm-rootfs-adapt.ts';

test('inittab: the VM\'s serial console lines move to LXC\'s console; sysinit ignores the console\'s hangup', () => {
  const busybox = '::sysinit:/etc/init.d/rcS\nttyS0::respawn:-/bin/sh\n::ctrlaltdel:/sbin/reboot\n';
  assert.equal(containerInittab(busybox), '::sysinit:/bin/sh -c \'trap "" HUP; exec /etc/init.d/rcS\'\nconsole::respawn:-/bin/sh\n::ctrlaltdel:/sbin/reboot\n');
  const sysv = 'si::sysinit:/etc/init.d/rcS\nT0:23:respawn:/sbin/getty -L ttyS0 115200 vt100\n1:2345:respawn:/sbin/getty 38400 tty1\n# ttyS0 comment\n';
  const out = containerInittab(sysv);
  assert.match(out, /^T0:23:respawn:\/sbin\/getty -L console 115200 vt100$/m);
  assert.match(out, /^1:2345:respawn:\/sbin\/getty 38400 console$/m);
  assert.match(out, /^# ttyS0 comment$/m);
  assert.equal(containerInittab(out), out, 'adapting twice changes nothing');
});

test('fstab entries are commented out; interface names follow the NIC\'s PCI slot to ethN', () => {
  const f = containerFstab('# comment\nUUID=abc / ext4 errors=remount-ro 0 1\n/dev/vda2 none swap sw 0 0\n');
  assert.doesNotMatch(f, /^UUID=/m);
  assert.match(f, /^#kumo-container# UUID=abc \/ ext4/m);
  assert.equal(renameInterfaces('auto enp0s8\niface enp0s8 inet dhcp\n[Match]\nName=ens9\n', [{ pciSlot: 8, index: 0 }, { pciSlot: 9, index: 1 }]), 'auto eth0\niface eth0 inet dhcp\n[Match]\nName=eth1\n');
});

test('the file system is looked for on Linux partitions (largest first), then the whole disk', () => {
  assert.deepEqual(fileSystemOffsets(undefined), [0]);
  const table = JSON.stringify({ partitiontable: { sectorsize: 512, partitions: [{ start: 2048, size: 1000, type: '83' }, { start: 4096, size: 9000, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4' }, { start: 100, size: 50, type: 'ef' }] } });
  assert.deepEqual(fileSystemOffsets(table), [4096 * 512, 2048 * 512, 0]);
});

test('guest_symlink_pointed_adaptation_at_host_files: an absolute symlink in the guest tree never leads the adaptation out of it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-adapt-'));
  try {
    const outside = join(dir, 'host-etc');
    await mkdir(outside);
    await writeFile(join(outside, 'fstab'), 'UUID=host / ext4 defaults 0 1\n');
    const root = join(dir, 'root');
    await mkdir(root);
    await symlink(outside, join(root, 'etc')); // etc -> /…/host-etc (absolute)
    await mkdir(join(root, 'lib', 'modules', '6.1.0'), { recursive: true });
    const r = await adaptVmRootfs(root, []);
    assert.equal(await readFile(join(outside, 'fstab'), 'utf8'), 'UUID=host / ext4 defaults 0 1\n', 'the file outside the tree is untouched');
    assert.deepEqual(r.changed, ['/lib/modules']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

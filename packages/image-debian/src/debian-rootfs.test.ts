import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyGuestConfig, debootstrapArgs } from './debian-rootfs.ts';

test('debootstrap runs minbase with the packages, the .deb cache and the mirror', () => {
  assert.deepEqual(debootstrapArgs({ suite: 'bookworm', mirror: 'http://m/debian', packages: ['a', 'b'], rootfs: '/t/rootfs', debCacheDir: '/c/debs' }), [
    '--variant=minbase', '--cache-dir=/c/debs', '--include=a,b', '--components=main', 'bookworm', '/t/rootfs', 'http://m/debian',
  ]);
});

test('applyGuestConfig writes the guest files and removes host keys, machine id and apt leftovers', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kumo-rootfs-'));
  try {
    await mkdir(join(root, 'etc/ssh'), { recursive: true });
    await mkdir(join(root, 'var/lib/dbus'), { recursive: true });
    await mkdir(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
    await writeFile(join(root, 'etc/ssh/ssh_host_ed25519_key'), 'secret');
    await writeFile(join(root, 'etc/ssh/sshd_config'), 'kept');
    await writeFile(join(root, 'var/lib/dbus/machine-id'), 'abc');
    await writeFile(join(root, 'var/lib/apt/lists/deb.debian.org_InRelease'), 'x');
    await writeFile(join(root, 'etc/machine-id'), 'build-host-id\n');
    await symlink('/etc/resolv.conf', join(root, 'etc/resolv.conf'));

    await applyGuestConfig(root);

    assert.deepEqual(await readdir(join(root, 'etc/ssh')), ['sshd_config']);
    assert.equal(await readFile(join(root, 'etc/machine-id'), 'utf8'), '');
    assert.equal((await stat(join(root, 'etc/resolv.conf'))).isFile(), true, 'the symlink to the host resolver is replaced by a file');
    assert.equal(await readFile(join(root, 'etc/fstab'), 'utf8'), '/dev/vda / ext4 rw,errors=remount-ro 0 1\n');
    assert.deepEqual(await readdir(join(root, 'var/lib/dbus')), []);
    assert.deepEqual(await readdir(join(root, 'var/lib/apt/lists')), ['partial']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

/**
 * The Debian image as built (or found in the machine's cache): a kernel bundle whose parts are
 * what the guest needs, and a root file system that is nobody's machine yet.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildDebianImage } from '../index.ts';

test('the Debian image: kernel bundle parts, cloud-init installed and configured, no per-machine identity', { timeout: 3_600_000 }, async () => {
  const img = await buildDebianImage({ log: (l) => process.stderr.write(`${l}\n`) });
  for (const f of [img.kernel, img.initrd, img.rootDisk, img.rootfsTar]) assert.ok(statSync(f).size > 0, f);
  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', img.rootDisk], { encoding: 'utf8' })) as { format: string; 'virtual-size': number };
  assert.equal(info.format, 'qcow2');
  assert.equal(info['virtual-size'], 2048 * 1024 * 1024);
  const root = img.rootfsDir;
  const status = readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8');
  for (const pkg of ['cloud-init', 'systemd-sysv', 'openssh-server', 'ifupdown', `linux-image-${img.kernelVersion}`]) {
    assert.match(status, new RegExp(`^Package: ${pkg.replace(/[.+]/g, '\\$&')}\\nStatus: install ok installed$`, 'm'), `${pkg} is installed and configured`);
  }
  assert.equal(readFileSync(join(root, 'etc/machine-id'), 'utf8'), '', 'systemd makes the machine id at first boot');
  assert.deepEqual(readdirSync(join(root, 'etc/ssh')).filter((n) => n.startsWith('ssh_host_')), [], 'cloud-init makes the host keys');
  assert.ok(existsSync(join(root, `usr/lib/modules/${img.kernelVersion}/modules.dep`)));
  // The small initramfs: gzip, with the virtio disk driver.
  const initrd = readFileSync(img.initrd);
  assert.ok(initrd[0] === 0x1f && initrd[1] === 0x8b, 'gzip');
  assert.ok(initrd.length < 20 * 1024 * 1024, `initrd ${initrd.length} bytes`);
  const listing = execFileSync('sh', ['-c', `zcat '${img.initrd}' | cpio -t 2>/dev/null`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.match(listing, /virtio_blk\.ko/);
  const tar = execFileSync('tar', ['-tf', img.rootfsTar], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.match(tar, /^\.\/usr\/bin\/cloud-init$/m);
  assert.doesNotMatch(tar, /^\.\/usr\/lib\/modules\/.+\.ko/m, 'no kernel modules in the container tarball');
  // A second call finds the cached build.
  const again = await buildDebianImage();
  assert.equal(again.dir, img.dir);
  assert.equal(again.sha256.rootDisk, img.sha256.rootDisk);
});

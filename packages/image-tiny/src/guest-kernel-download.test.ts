import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { downloadGuestKernel, findCachedGuestKernel, kernelPackageFromDepends, type KernelDownloadTools } from './guest-kernel-download.ts';

test('kernelPackageFromDepends picks the versioned package of the metapackage', () => {
  const out = 'linux-image-amd64\n  Depends: linux-image-6.1.0-57-amd64\n';
  assert.equal(kernelPackageFromDepends(out), 'linux-image-6.1.0-57-amd64');
  assert.equal(kernelPackageFromDepends('linux-image-amd64\n  Depends: linux-image-6.1.0-57-amd64-unsigned\n'), null, 'the unsigned build is not the one apt installs');
  assert.equal(kernelPackageFromDepends('linux-image-amd64\n'), null);
});

/** apt-get download and dpkg-deb as a script: the .deb "unpacks" into a kernel tree; calls are recorded. */
function scriptedTools(calls: string[], opts: { withModules: boolean }): KernelDownloadTools {
  return {
    run: async (file, args, cwd) => {
      calls.push([file, ...args].join(' '));
      if (file === 'apt-cache') return 'linux-image-amd64\n  Depends: linux-image-6.1.0-57-amd64\n';
      if (file === 'apt-get') { writeFileSync(join(cwd!, 'linux-image-6.1.0-57-amd64_6.1.158-1_amd64.deb'), 'deb'); return ''; }
      if (file === 'dpkg-deb') {
        const tree = args[2]!;
        mkdirSync(join(tree, 'boot'), { recursive: true });
        writeFileSync(join(tree, 'boot', 'vmlinuz-6.1.0-57-amd64'), 'k');
        if (opts.withModules) mkdirSync(join(tree, 'lib', 'modules', '6.1.0-57-amd64'), { recursive: true });
        return '';
      }
      if (file === 'depmod') {
        const dir = join(args[1]!, 'lib', 'modules', args[2]!);
        if (existsSync(dir)) writeFileSync(join(dir, 'modules.dep'), '');
        return '';
      }
      throw new Error(`unexpected ${file}`);
    },
  };
}

test('downloadGuestKernel unpacks the package once into the cache and finds it there afterwards', async (t) => {
  const cache = mkdtempSync(join(tmpdir(), 'kumo-kcache-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const calls: string[] = [];
  const k = await downloadGuestKernel(cache, scriptedTools(calls, { withModules: true }));
  assert.equal(k.version, '6.1.0-57-amd64');
  assert.equal(k.vmlinuz, join(cache, 'linux-image-6.1.0-57-amd64', 'boot', 'vmlinuz-6.1.0-57-amd64'));
  assert.deepEqual(calls.map((c) => c.split(' ')[0]), ['apt-cache', 'apt-get', 'dpkg-deb', 'depmod']);
  assert.deepEqual(readdirSync(cache), ['linux-image-6.1.0-57-amd64'], 'no temporary directory is left');
  assert.deepEqual(await findCachedGuestKernel(cache), k);
  calls.length = 0;
  await downloadGuestKernel(cache, scriptedTools(calls, { withModules: true }));
  assert.deepEqual(calls.map((c) => c.split(' ')[0]), ['apt-cache'], 'a cached kernel is not downloaded again');
});

test('downloadGuestKernel: a package without modules is an error and leaves no half-made kernel in use', async (t) => {
  const cache = mkdtempSync(join(tmpdir(), 'kumo-kcache-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  await assert.rejects(downloadGuestKernel(cache, scriptedTools([], { withModules: false })), /no boot\/vmlinuz-\* with lib\/modules/);
  assert.equal(await findCachedGuestKernel(cache), null);
  assert.ok(!readdirSync(cache).some((n) => n.startsWith('.download-')));
});

test('downloadGuestKernel with the real apt-get and dpkg-deb: the Debian kernel lands in the cache, not in /boot', { timeout: 300_000 }, async (t) => {
  const hasApt = spawnSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
  assert.equal(hasApt.status, 0, 'apt-cache works on this machine (the suite installs its packages with apt)');
  const cache = mkdtempSync(join(tmpdir(), 'kumo-kcache-real-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const bootBefore = readdirSync('/boot').sort();
  const k = await downloadGuestKernel(cache);
  assert.ok(existsSync(k.vmlinuz) && existsSync(join(k.modulesDir, 'modules.dep')));
  assert.ok(existsSync(join(k.modulesDir, 'kernel', 'drivers', 'block', 'virtio_blk.ko')) || existsSync(join(k.modulesDir, 'kernel', 'drivers', 'block', 'virtio_blk.ko.xz')), 'virtio_blk module present');
  assert.deepEqual(readdirSync('/boot').sort(), bootBefore, 'nothing was installed into the host');
});

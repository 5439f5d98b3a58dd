import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { allGuestTexts, initrdModuleListPath } from './guest-scripts.ts';
import type { TreeEntry } from './guest-tree.ts';
import { initramfsTree, rootDiskTree, userlandTree, type ModuleSet } from './guest-tree-builder.ts';

const busybox = new Uint8Array([0x7f, 0x45, 0x4c, 0x46]);
const applets = ['linuxrc', 'bin/ash', 'bin/busybox', 'bin/sh', 'sbin/init', 'sbin/acpid', 'usr/bin/wget', 'usr/sbin/httpd'];
const kv = '6.1.0-56-amd64';
const drivers: ModuleSet = {
  kernelVersion: kv,
  modules: [{ path: 'kernel/lib/crc16.ko', data: new Uint8Array([1]) }, { path: 'kernel/fs/ext4/ext4.ko', data: new Uint8Array([2]) }],
  modulesDep: 'kernel/lib/crc16.ko:\nkernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko\n',
};
const extras: ModuleSet = {
  kernelVersion: kv,
  modules: [{ path: 'kernel/net/8021q/8021q.ko', data: new Uint8Array([3]) }],
  modulesDep: 'kernel/net/8021q/8021q.ko:\n',
};

const byPath = (tree: readonly TreeEntry[]): Map<string, TreeEntry> => new Map(tree.map((e) => [e.path, e]));
const text = (e: TreeEntry | undefined): string => (e?.kind === 'file' ? new TextDecoder().decode(e.data) : '');

test('the userland links every applet to busybox with relative symlinks', () => {
  const tree = byPath(userlandTree(busybox, applets));
  assert.deepEqual(tree.get('bin/busybox'), { kind: 'file', path: 'bin/busybox', mode: 0o755, data: busybox });
  assert.deepEqual(tree.get('sbin/init'), { kind: 'symlink', path: 'sbin/init', target: '../bin/busybox' });
  assert.deepEqual(tree.get('usr/sbin/httpd'), { kind: 'symlink', path: 'usr/sbin/httpd', target: '../../bin/busybox' });
  assert.equal(tree.has('linuxrc'), false, 'applets outside a directory are left out');
  for (const script of ['etc/init.d/rcS', 'etc/init.d/rcK', 'etc/udhcpc/default.script', 'etc/acpi/PWRF/00000080', 'usr/libexec/kumo/fetch-instance-id',
    'usr/libexec/kumo/config-drive']) {
    const e = tree.get(script);
    assert.equal(e?.kind === 'file' ? e.mode : 0, 0o755, `${script} is executable`);
  }
  assert.match(text(tree.get('etc/inittab')), /^ttyS0::respawn:-\/bin\/sh$/m);
});

test('the initramfs adds /init, a console node, the drivers and their load order', () => {
  const tree = byPath(initramfsTree(userlandTree(busybox, applets), drivers));
  assert.equal(tree.get('init')?.kind, 'file');
  assert.deepEqual(tree.get('dev/console'), { kind: 'chardev', path: 'dev/console', mode: 0o600, major: 5, minor: 1 });
  assert.equal(tree.get(`lib/modules/${kv}/kernel/fs/ext4/ext4.ko`)?.kind, 'file');
  assert.equal(text(tree.get(`lib/modules/${kv}/modules.dep`)), drivers.modulesDep);
  assert.equal(
    text(tree.get(initrdModuleListPath.slice(1))),
    `/lib/modules/${kv}/kernel/lib/crc16.ko\n/lib/modules/${kv}/kernel/fs/ext4/ext4.ko\n`,
  );
});

test('the root disk has the same userland but no /init and only the extra modules', () => {
  const userland = userlandTree(busybox, applets);
  const root = byPath(rootDiskTree(userland, extras));
  const initrd = byPath(initramfsTree(userland, drivers));
  assert.equal(root.has('init'), false);
  assert.equal(root.has('dev/console'), false);
  assert.equal(root.get(`lib/modules/${kv}/kernel/net/8021q/8021q.ko`)?.kind, 'file');
  for (const path of ['etc/init.d/rcS', 'etc/inittab', 'etc/udhcpc/default.script', 'bin/busybox']) {
    assert.deepEqual(root.get(path), initrd.get(path), `${path} is identical in both stages`);
  }
});

test('every guest script is valid shell', () => {
  const scripts = Object.entries(allGuestTexts).filter(([, body]) => body.startsWith('#!/bin/sh'));
  assert.equal(scripts.length, 7);
  for (const [name, body] of scripts) {
    assert.doesNotThrow(() => execFileSync('/bin/sh', ['-n'], { input: body, stdio: ['pipe', 'ignore', 'pipe'] }), name);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanPath, dir, file, normalizeTree, relativeTarget, symlink } from './guest-tree.ts';

test('cleanPath strips slashes and dots and rejects escapes', () => {
  assert.equal(cleanPath('/bin/sh'), 'bin/sh');
  assert.equal(cleanPath('./etc//inittab/'), 'etc/inittab');
  assert.throws(() => cleanPath('/'), /empty/);
  assert.throws(() => cleanPath('etc/../x'), /\.\./);
});

test('relativeTarget makes symlinks that resolve inside any root', () => {
  assert.equal(relativeTarget('bin/sh', 'bin/busybox'), 'busybox');
  assert.equal(relativeTarget('sbin/init', 'bin/busybox'), '../bin/busybox');
  assert.equal(relativeTarget('usr/sbin/udhcpd', 'bin/busybox'), '../../bin/busybox');
  assert.equal(relativeTarget('linuxrc', 'bin/busybox'), 'bin/busybox');
});

test('normalizeTree adds parents and orders every directory before its contents', () => {
  const tree = normalizeTree([file('etc/udhcpc/default.script', 'x'), symlink('bin/sh', 'busybox'), dir('etc', 0o700)]);
  assert.deepEqual(tree.map((e) => e.path), ['bin', 'bin/sh', 'etc', 'etc/udhcpc', 'etc/udhcpc/default.script']);
  const etc = tree.find((e) => e.path === 'etc');
  assert.equal(etc?.kind === 'dir' ? etc.mode : -1, 0o700, 'an explicit directory keeps its mode');
});

test('normalizeTree rejects a path that is two kinds at once', () => {
  assert.throws(() => normalizeTree([file('etc', 'x'), file('etc/passwd', 'y')]), /must be a directory/);
  assert.throws(() => normalizeTree([file('a', 'x'), symlink('a', 'b')]), /both a file and a symlink/);
});

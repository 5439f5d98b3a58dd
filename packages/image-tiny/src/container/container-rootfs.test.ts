import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerInittab, containerRcScript, containerRootfsTree } from './container-rootfs.ts';

test('the container tree: one inittab with the shell on /dev/console, rcS keeps LXC\'s host name, no kernel modules', () => {
  const tree = containerRootfsTree(new Uint8Array([0x7f]), ['bin/sh', 'sbin/poweroff']);
  const inittabs = tree.filter((e) => e.path === 'etc/inittab');
  assert.equal(inittabs.length, 1);
  assert.equal(inittabs[0]?.kind === 'file' && Buffer.from(inittabs[0].data).toString(), containerInittab);
  assert.match(containerInittab, /^console::respawn:-\/bin\/sh$/m);
  assert.doesNotMatch(containerInittab, /ttyS0/);
  assert.match(containerRcScript(), /^host=\$\(hostname\)$/m);
  assert.match(containerRcScript(), /echo KUMO-BOOT-OK/);
  assert.equal(tree.filter((e) => e.path === 'etc/init.d/rcS').length, 1);
  assert.ok(!tree.some((e) => e.path.startsWith('lib/modules')));
  assert.ok(tree.some((e) => e.path === 'sbin/init' && e.kind === 'symlink'));
});

test('container_udhcpc_killed_by_console_hangup: the container\'s rcS ignores SIGHUP before it starts the DHCP client', () => {
  const rc = containerRcScript();
  const trap = rc.indexOf("trap '' HUP");
  assert.ok(trap > 0, 'rcS ignores SIGHUP');
  assert.ok(trap < rc.indexOf('udhcpc -f'), 'before the DHCP client starts (it inherits the ignored signal)');
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initSignalsOf } from './container-files.ts';
import { busyboxInitSignals, standardInitSignals, systemdInitSignals } from './lxc-config.ts';

test('systemd_container_ignored_halt_signal: the init\'s signals follow /sbin/init inside the root (busybox, systemd through merged-/usr symlinks, else sysvinit\'s)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-init-'));
  try {
    const busybox = join(dir, 'busybox');
    await mkdir(join(busybox, 'sbin'), { recursive: true });
    await symlink('../bin/busybox', join(busybox, 'sbin/init'));
    assert.deepEqual(await initSignalsOf(busybox), busyboxInitSignals);

    const debian = join(dir, 'debian'); // sbin -> usr/sbin; usr/sbin/init -> ../lib/systemd/systemd
    await mkdir(join(debian, 'usr/sbin'), { recursive: true });
    await mkdir(join(debian, 'usr/lib/systemd'), { recursive: true });
    await writeFile(join(debian, 'usr/lib/systemd/systemd'), '');
    await symlink('usr/sbin', join(debian, 'sbin'));
    await symlink('../lib/systemd/systemd', join(debian, 'usr/sbin/init'));
    assert.deepEqual(await initSignalsOf(debian), systemdInitSignals);

    const absolute = join(dir, 'absolute'); // /sbin/init -> /lib/systemd/systemd (absolute: read in the root)
    await mkdir(join(absolute, 'sbin'), { recursive: true });
    await symlink('/lib/systemd/systemd', join(absolute, 'sbin/init'));
    assert.deepEqual(await initSignalsOf(absolute), systemdInitSignals);

    const sysv = join(dir, 'sysv');
    await mkdir(join(sysv, 'sbin'), { recursive: true });
    await writeFile(join(sysv, 'sbin/init'), '');
    assert.deepEqual(await initSignalsOf(sysv), standardInitSignals);
    assert.equal(systemdInitSignals.halt, 'SIGRTMIN+3');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

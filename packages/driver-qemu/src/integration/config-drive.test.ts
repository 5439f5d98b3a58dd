// A NoCloud config drive in a real guest (the tiny image, TCG here, root, cgroups):
// the guest finds the drive, prints its instance-id and runs the user-data script
// once; the drive survives save/restore and is rebuilt from the spec at every start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DriverError, type InstanceSpec } from '@kumo/core';
import { buildTinyImage } from '@kumo/image-tiny';
import { QemuDriver, type QemuDriverOptions } from '../qemu-driver.ts';
import type { DriverLogger } from '../driver-logger.ts';
import { consoleCount, waitConsole } from './console-wait.ts';
import { removeCgroupParent, tinyGuestSpec } from './test-guest.ts';

const BOOT_MS = 60_000;
const SHELL_MS = 20_000;

test('config drive in a real guest', { timeout: 300_000 }, async (t) => {
  const image = await buildTinyImage({ outDir: '/var/tmp/kumo-test-cache/tiny' });
  const work = await mkdtemp('/var/tmp/kumo-qemu-cidata-');
  const stateDir = join(work, 'state');
  const suffix = `${process.pid % 100000}`;
  const cgroupParent = `kumo-test-cd-${suffix}`;
  const id = `it-cd-${suffix}`;
  const warnings: string[] = [];
  const logger: DriverLogger = { debug: () => {}, info: () => {}, warn: (_o, msg) => warnings.push(msg), error: () => {} };
  const opts: QemuDriverOptions = { stateDir, accel: 'tcg', cgroupParent, logger };
  const d = new QemuDriver(opts);

  t.after(async () => {
    await d.destroy(id).catch(() => {});
    await d.close().catch(() => {});
    await removeCgroupParent(cgroupParent);
    await rm(work, { recursive: true, force: true });
  });

  const spec = await tinyGuestSpec({
    id, name: 'cd-vm', image, overlay: join(work, 'root.qcow2'),
    configDrive: {
      metaData: 'instance-id: i-configdrive-test\nlocal-hostname: cd-vm\n',
      userData: '#!/bin/sh\necho "user-data says $((6*7)) on $(hostname)"\n',
    },
  });
  const iso = join(stateDir, id, 'cidata.iso');
  const shell = async (command: string, expect: string): Promise<void> => {
    const before = await consoleCount(d, id, expect);
    await d.consoleWrite(id, Buffer.from(`${command}\n`));
    await waitConsole(d, id, expect, before + 1, SHELL_MS);
  };

  await t.test('without genisoimage a start fails naming the package and leaves nothing behind', async () => {
    const broken = new QemuDriver({ ...opts, genisoimageBinary: join(work, 'no-genisoimage') });
    try {
      await assert.rejects(broken.start(spec), (err: unknown) => {
        assert.ok(err instanceof DriverError);
        assert.equal(err.code, 'start_failed');
        assert.match(err.message, /install the Debian package genisoimage/);
        return true;
      });
      assert.equal(existsSync(join(stateDir, id)), false);
    } finally {
      await broken.close();
    }
  });

  await t.test('the guest mounts the drive, prints its instance-id and runs the user-data script', async () => {
    const started = Date.now();
    assert.equal((await d.start(spec)).power, 'running');
    const running = Date.now();
    assert.equal((await stat(iso)).mode & 0o777, 0o600);
    assert.equal((await stat(join(stateDir, id, 'spec.json'))).mode & 0o777, 0o600, 'spec.json holds the user data too');
    await waitConsole(d, id, 'KUMO-CONFIG-DRIVE instance-id=i-configdrive-test\r\n', 1, BOOT_MS);
    const marker = Date.now();
    await waitConsole(d, id, 'user-data says 42 on cd-vm', 1, BOOT_MS);
    await waitConsole(d, id, 'KUMO-USER-DATA exit=0', 1, BOOT_MS);
    const userData = Date.now();
    t.diagnostic(`start() ${running - started} ms (incl. ISO build); start() to KUMO-CONFIG-DRIVE ${marker - started} ms; to user-data done ${userData - started} ms`);
    await waitConsole(d, id, 'KUMO-BOOT-OK', 1, BOOT_MS);
    await shell(`awk '$2 == "/run/kumo/cidata" { print "at-" $1 "-" $3 "-" substr($4, 1, 2) }' /proc/mounts`, 'at-/dev/vdb-iso9660-ro');
    await shell('echo "id-file-$(cat /run/kumo/instance-id)"', 'id-file-i-configdrive-test');
  });

  await t.test('after a reboot the drive is found again but the user-data script does not run twice', async () => {
    await d.reboot(id);
    await waitConsole(d, id, 'KUMO-CONFIG-DRIVE instance-id=i-configdrive-test\r\n', 2, BOOT_MS);
    await waitConsole(d, id, 'user-data already ran for instance i-configdrive-test', 1, BOOT_MS);
    await waitConsole(d, id, 'KUMO-BOOT-OK', 2, BOOT_MS);
    assert.equal(await consoleCount(d, id, 'user-data says 42'), 1);
  });

  await t.test('restore keeps the device set the guest was saved with, even from a spec without the drive', async () => {
    const statePath = join(work, 'vm.state');
    assert.equal((await d.save(id, statePath)).power, 'saved');
    const { configDrive: _cd, ...withoutDrive } = spec;
    assert.equal((await d.restore(withoutDrive, statePath)).power, 'running');
    assert.match(warnings.join('\n'), /saved with a config drive/);
    assert.deepEqual(JSON.parse(await readFile(join(stateDir, id, 'spec.json'), 'utf8')), spec, 'spec.json names the drive attached');
    // Read the drive from the device again, not from the page cache.
    await shell('sync; echo 3 > /proc/sys/vm/drop_caches; tr a-z A-Z < /run/kumo/cidata/meta-data', 'INSTANCE-ID: I-CONFIGDRIVE-TEST');
  });

  await t.test('a new start rebuilds the drive from the new spec; without disks the drive is vda', async () => {
    await d.stop(id, { force: true, timeoutSec: 0 });
    const { root: _root, ...rootless } = spec;
    const second: InstanceSpec = {
      ...rootless,
      disks: [],
      configDrive: {
        metaData: '{\n  "instance-id": "i-configdrive-test-2",\n  "local-hostname": "cd-vm"\n}\n',
        userData: '#!/bin/sh\necho "second user-data"; exit 3\n',
        networkConfig: 'version: 2\n',
      },
    };
    const booted = await consoleCount(d, id, 'KUMO-BOOT-OK');
    await d.start(second);
    await waitConsole(d, id, 'KUMO-CONFIG-DRIVE instance-id=i-configdrive-test-2\r\n', 1, BOOT_MS);
    await waitConsole(d, id, 'KUMO-USER-DATA exit=3', 1, BOOT_MS);
    assert.ok((await consoleCount(d, id, 'second user-data')) >= 1);
    await waitConsole(d, id, 'KUMO-BOOT-OK', booted + 1, BOOT_MS);
    await shell(`awk '$2 == "/run/kumo/cidata" { print "at-" $1 }' /proc/mounts`, 'at-/dev/vda');
    await shell('ls /run/kumo/cidata | tr "\\n" " "; echo', 'meta-data network-config user-data');
  });

  await t.test('destroy removes the drive with the instance', async () => {
    await d.destroy(id);
    assert.equal(existsSync(iso), false);
    assert.equal(existsSync(join(stateDir, id)), false);
  });
});

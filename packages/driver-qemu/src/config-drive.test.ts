// Builds real config drives with genisoimage and reads them back with isoinfo
// (both from the Debian package genisoimage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DriverError, type ConfigDriveSpec } from '@kumo/core';
import { buildConfigDrive, removeConfigDrive } from './config-drive.ts';

const run = promisify(execFile);

async function isoinfo(...args: string[]): Promise<string> {
  return (await run('isoinfo', args, { encoding: 'latin1' })).stdout;
}

/** File names at the root of the image, as Rock Ridge or Joliet give them. */
async function rootNames(iso: string, ext: '-R' | '-J'): Promise<string[]> {
  const out = await isoinfo('-i', iso, ext, '-l');
  return out.split('\n')
    .map((l) => /\]\s+(\S+)\s*$/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n !== '.' && n !== '..')
    .sort();
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-cidata-test-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const spec: ConfigDriveSpec = {
  metaData: 'instance-id: i-abc123\nlocal-hostname: web-1\n',
  userData: '#!/bin/sh\necho "héllo from user-data"\n',
  networkConfig: 'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n',
};

test('config drive: ISO 9660 labelled cidata, Joliet and Rock Ridge, the three files verbatim', async (t) => {
  await withDir(async (dir) => {
    const iso = join(dir, 'cidata.iso');
    const started = process.hrtime.bigint();
    await buildConfigDrive(spec, iso);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const info = await isoinfo('-d', '-i', iso);
    assert.match(info, /^Volume id: cidata$/m);
    assert.match(info, /^Joliet with UCS level \d found$/m);
    assert.match(info, /^Rock Ridge signatures version \d found$/m);
    assert.deepEqual(await rootNames(iso, '-R'), ['meta-data', 'network-config', 'user-data']);
    assert.deepEqual(await rootNames(iso, '-J'), ['meta-data', 'network-config', 'user-data']);
    assert.equal(await isoinfo('-i', iso, '-R', '-x', '/meta-data'), spec.metaData);
    assert.equal(await isoinfo('-i', iso, '-J', '-x', '/network-config'), spec.networkConfig);
    const userData = (await run('isoinfo', ['-i', iso, '-R', '-x', '/user-data'], { encoding: 'buffer' })).stdout;
    assert.deepEqual(userData, Buffer.from(spec.userData, 'utf8'), 'UTF-8 bytes survive');
    assert.equal((await stat(iso)).mode & 0o777, 0o600, 'user data is readable by the owner only');
    assert.deepEqual(await readdir(dir), ['cidata.iso'], 'no temporary files left');
    t.diagnostic(`config drive built in ${ms.toFixed(1)} ms (${(await stat(iso)).size} bytes)`);
  });
});

test('config drive: no network-config file without networkConfig; a rebuild replaces the image', async () => {
  await withDir(async (dir) => {
    const iso = join(dir, 'cidata.iso');
    await buildConfigDrive(spec, iso);
    const { ino } = await stat(iso);
    await buildConfigDrive({ metaData: 'instance-id: i-second\n', userData: '' }, iso);
    assert.notEqual((await stat(iso)).ino, ino, 'a new file renamed into place');
    assert.deepEqual(await rootNames(iso, '-R'), ['meta-data', 'user-data']);
    assert.equal(await isoinfo('-i', iso, '-R', '-x', '/meta-data'), 'instance-id: i-second\n');
    assert.equal(await isoinfo('-i', iso, '-R', '-x', '/user-data'), '');
    await removeConfigDrive(iso);
    await removeConfigDrive(iso);
    assert.deepEqual(await readdir(dir), []);
  });
});

test('config drive: a missing genisoimage names the Debian package; the old image stays', async () => {
  await withDir(async (dir) => {
    const iso = join(dir, 'cidata.iso');
    await buildConfigDrive(spec, iso);
    await assert.rejects(buildConfigDrive({ ...spec, metaData: 'instance-id: other\n' }, iso, { genisoimage: join(dir, 'no-such-genisoimage') }), (err: unknown) => {
      assert.ok(err instanceof DriverError);
      assert.equal(err.code, 'start_failed');
      assert.match(err.message, /no-such-genisoimage not found \(install the Debian package genisoimage\)/);
      return true;
    });
    assert.equal(await isoinfo('-i', iso, '-R', '-x', '/meta-data'), spec.metaData);
    assert.deepEqual(await readdir(dir), ['cidata.iso'], 'no temporary files left');
  });
});

test('config drive: genisoimage\'s own error is reported; leftovers of an interrupted build are removed', async () => {
  await withDir(async (dir) => {
    const iso = join(dir, 'cidata.iso');
    await mkdir(join(dir, '.cidata.iso-stale'));
    await assert.rejects(buildConfigDrive(spec, iso, { genisoimage: '/bin/false' }), (err: unknown) => {
      assert.ok(err instanceof DriverError);
      assert.match(err.message, /cannot build the config drive: \/bin\/false failed/);
      return true;
    });
    assert.deepEqual(await readdir(dir), []);
  });
});

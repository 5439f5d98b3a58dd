import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureRootfsBase } from './rootfs-base.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kumo-rootfs-base-'));
  await mkdir(join(dir, 'src/etc'), { recursive: true });
  await writeFile(join(dir, 'src/etc/hostname'), 'x\n');
  await symlink('etc/hostname', join(dir, 'src/link'));
  execFileSync('tar', ['-C', join(dir, 'src'), '--numeric-owner', '--owner=0', '--group=0', '-czf', join(dir, 'img.tar.gz'), '.']);
});
after(async () => rm(dir, { recursive: true, force: true }));

test('a tarball is unpacked once per id map, owners shifted into the map (symlinks too); concurrent calls share it', async () => {
  const req = { tarball: join(dir, 'img.tar.gz'), baseDir: join(dir, 'bases'), key: 'imgv-1', idmap: { hostUid: 200000, hostGid: 300000, count: 65536 } };
  const [a, b] = await Promise.all([ensureRootfsBase(req), ensureRootfsBase(req)]);
  assert.equal(a, join(dir, 'bases', 'imgv-1-u200000'));
  assert.equal(b, a);
  for (const p of ['', 'etc', 'etc/hostname', 'link']) {
    const st = await lstat(join(a, p));
    assert.deepEqual([st.uid, st.gid], [200000, 300000], p);
  }
  assert.deepEqual(await readdir(join(dir, 'bases')), ['imgv-1-u200000'], 'no temporary directory left');
  assert.equal(await ensureRootfsBase({ ...req, idmap: null }), join(dir, 'bases', 'imgv-1'));
  assert.equal((await lstat(join(dir, 'bases', 'imgv-1', 'etc/hostname'))).uid, 0);
});

test('a broken tarball leaves nothing and says tar\'s error; a bad key is refused naming the field', async () => {
  await writeFile(join(dir, 'bad.tar.gz'), 'not a tarball');
  const req = { tarball: join(dir, 'bad.tar.gz'), baseDir: join(dir, 'bases2'), key: 'imgv-bad', idmap: null };
  await assert.rejects(ensureRootfsBase(req), /tar -xpf/);
  assert.deepEqual(await readdir(join(dir, 'bases2')), []);
  await assert.rejects(ensureRootfsBase({ ...req, key: '../x' }), /^DriverError: key:/);
});

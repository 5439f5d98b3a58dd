import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError } from '@kumo/storage';
import { assertRbdId, checkSizeGiB } from './rbd-checks.ts';
import { RbdCli, errnoOf } from './rbd-cli.ts';
import { rbdNames } from './rbd-names.ts';
import { renderCephConf } from './testing/ceph-conf.ts';

const isBadRequest = (e: unknown) => e instanceof StorageError && e.code === 'bad-request';

test('qemu opens an image or snapshot through an rbd: URI naming the client and the conf', () => {
  const cli = new RbdCli({ pool: 'kumo', user: 'kumo-host', cephConf: '/etc/ceph/ceph.conf' });
  assert.equal(cli.uri('vol-1'), 'rbd:kumo/vol-1:id=kumo-host:conf=/etc/ceph/ceph.conf');
  assert.equal(cli.uri('vol-1', 'snap-1'), 'rbd:kumo/vol-1@snap-1:id=kumo-host:conf=/etc/ceph/ceph.conf');
  assert.throws(() => new RbdCli({ pool: 'kumo', user: 'k', cephConf: '/etc/ceph:x/ceph.conf' }), isBadRequest);
});

test('ids that would mean something else in RBD names are refused, sizes are whole GiB', () => {
  for (const bad of ['', 'a/b', 'a@b', 'a.partial', '-x', 'x'.repeat(101)]) assert.throws(() => assertRbdId('volume', bad), isBadRequest, bad);
  assertRbdId('volume', 'vol-0123abc_X');
  assert.equal(checkSizeGiB(3), 3 * 1024 ** 3);
  for (const bad of [0, -1, 1.5, 64 * 1024 + 1]) assert.throws(() => checkSizeGiB(bad), isBadRequest, String(bad));
});

test('the names Kumo gives images tell volumes from bases, work images and hidden volumes', () => {
  assert.equal(rbdNames.isVolume('vol-1'), true);
  for (const n of ['vol-1.partial', 'vol-1.deleted', 'kumo-base.imgv-1', 'kumo-base.imgv-1.lock']) assert.equal(rbdNames.isVolume(n), false, n);
  assert.equal(rbdNames.isInternalSnapshot('kumo-pre-rollback'), true);
  assert.equal(rbdNames.isInternalSnapshot('snap-1'), false);
});

test('errnoOf reads the rbd CLI\'s exit status only from failed commands', () => {
  assert.equal(errnoOf(new StorageError('command-failed', 'x', { cause: { code: 17 } })), 17);
  assert.equal(errnoOf(new StorageError('timeout', 'x', { cause: { code: 17 } })), null);
  assert.equal(errnoOf(new Error('x')), null);
});

test('the test cluster\'s conf binds one address, keeps daemon sockets out of [global] and needs no manager', () => {
  const conf = renderCephConf({ dir: '/tmp/c', fsid: 'f', address: '10.9.0.1', monPort: 3300, osdBytes: 1 });
  assert.match(conf, /mon host = v2:10\.9\.0\.1:3300/);
  assert.match(conf, /public addr = 10\.9\.0\.1\ncluster addr = 10\.9\.0\.1/);
  assert.match(conf, /mon mgr mkfs grace = 86400/);
  const global = conf.split('[mon]')[0] ?? '';
  assert.doesNotMatch(global, /admin socket|pid file/);
});

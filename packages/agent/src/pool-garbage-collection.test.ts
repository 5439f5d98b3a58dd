import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryPool, ImageCache } from '@kumo/storage';
import { FakeDriver } from '@kumo/driver-fake';
import { systemClock } from '@kumo/core';
import { agentMethodDefs } from '@kumo/api';
import { Value } from '@sinclair/typebox/value';
import { callHandlers } from './call-handlers.ts';
import { HostTransfers } from './host-transfers.ts';
import { JobRunner } from './job-runner.ts';
import { QemuVolumeManager } from './qemu-volume-manager.ts';
import { FakeVolumeManager } from './fake-volume-manager.ts';

/** pool.collectGarbage through the agent's call handler onto a real DirectoryPool (real qemu-img). */
test('pool.collectGarbage removes the bases no volume uses whose image version is gone, on a real directory pool', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-gc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const poolPath = join(dir, 'pool');
  const pool = new DirectoryPool({ path: poolPath });
  const base = (id: string) => {
    const path = join(dir, `${id}.qcow2`);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path, '64M']);
    return { imageVersionId: id, path, format: 'qcow2' as const };
  };
  for (const id of ['imgv-used', 'imgv-gone', 'imgv-exists']) await pool.ensureBase(base(id));
  await pool.createRootDisk({ volumeId: 'vol-1', sizeGiB: 1, provisioning: 'linked', base: base('imgv-used') });
  const longAgo = new Date(Date.now() - 3600_000);
  for (const id of ['imgv-used', 'imgv-gone', 'imgv-exists']) await utimes(pool.basePath(id), longAgo, longAgo);

  const volumes = new QemuVolumeManager(new ImageCache({ dir: join(dir, 'cache') }), poolPath);
  const handlers = callHandlers({
    driver: new FakeDriver({ hostname: 'h' }), volumes, network: undefined, transfers: new HostTransfers('127.0.0.1'),
    jobs: new JobRunner({ clock: systemClock, send: () => undefined }), prepareStart: undefined,
  });
  const params = { pool: { kind: 'directory' as const, path: poolPath }, keepImageVersionIds: ['imgv-exists'] };
  assert.ok(Value.Check(agentMethodDefs['pool.collectGarbage'].params, params), 'the request is valid on the wire');
  const r = await handlers['pool.collectGarbage'](params, {});
  assert.ok(Value.Check(agentMethodDefs['pool.collectGarbage'].result, r), 'so is the answer');
  assert.deepEqual(r, { removed: ['imgv-gone'], kept: ['imgv-exists', 'imgv-used'] });
  assert.deepEqual((await pool.listBases()).map((b) => b.imageVersionId), ['imgv-exists', 'imgv-used']);

  // Its last volume gone, a base goes too unless its version still exists; recent bases wait out the grace time.
  await pool.delete('vol-1');
  await utimes(pool.basePath('imgv-used'), new Date(), new Date());
  assert.deepEqual((await handlers['pool.collectGarbage'](params, {})).removed, [], 'used within the grace time');
  assert.deepEqual((await handlers['pool.collectGarbage']({ ...params, graceMs: 0 }, {})).removed, ['imgv-used']);
  assert.deepEqual((await pool.listBases()).map((b) => b.imageVersionId), ['imgv-exists']);
});

test('the fake volume manager collects like a directory pool: unused and unlisted bases go', async () => {
  const v = new FakeVolumeManager('/p');
  const image = (id: string) => ({ imageVersionId: id, url: `/x/${id}`, sha256: 'a', format: 'qcow2', sizeBytes: 1 });
  await v.create({ volumeId: 'vol-a', instanceId: 'i', poolPath: '/p', sizeGiB: 1, provisioning: 'linked', image: image('imgv-a') });
  await v.create({ volumeId: 'vol-b', instanceId: 'i', poolPath: '/p', sizeGiB: 1, provisioning: 'linked', image: image('imgv-b') });
  await v.delete({ volumeId: 'vol-b', poolPath: '/p' });
  const pool = { kind: 'directory' as const, path: '/p' };
  assert.deepEqual(await v.collectGarbage({ pool, keepImageVersionIds: [] }), { removed: ['imgv-b'], kept: ['imgv-a'] });
  await v.delete({ volumeId: 'vol-a', poolPath: '/p' });
  assert.deepEqual(await v.collectGarbage({ pool, keepImageVersionIds: ['imgv-a'] }), { removed: [], kept: ['imgv-a'] });
  assert.deepEqual(await v.collectGarbage({ pool, keepImageVersionIds: [] }), { removed: ['imgv-a'], kept: [] });
  assert.deepEqual(v.cachedBases(), []);
});

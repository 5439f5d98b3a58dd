/**
 * KVM → LXC on the agent, for real: volume.rootfsTar on a directory pool whose volume holds the tiny
 * VM's root disk (real qemu-img, real extraction by driver-lxc) uploads a root-fs tarball adapted for
 * a container to a stub image store, and leaves no scratch file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { systemClock, type JobProgress } from '@kumo/core';
import type { PoolRef } from '@kumo/api';
import { FakeDriver } from '@kumo/driver-fake';
import { buildTinyImage } from '@kumo/image-tiny';
import { ImageCache } from '@kumo/storage';
import { callHandlers, type CallHandlers } from '../call-handlers.ts';
import { HostTransfers } from '../host-transfers.ts';
import { JobRunner } from '../job-runner.ts';
import { QemuVolumeManager } from '../qemu-volume-manager.ts';
import { SnapshotUploader } from '../snapshot-upload.ts';
import { startStubImageStore, type StubImageStore } from '../testing/stub-image-store.ts';

const sh = async (file: string, args: string[]): Promise<string> => (await promisify(execFile)(file, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
const token = 'host-token-cvt';
let dir: string;
let store: StubImageStore;
let h: CallHandlers;
let pool: PoolRef;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kumo-vol-rootfs-'));
  store = await startStubImageStore(token);
  pool = { kind: 'directory', path: join(dir, 'pool') };
  const cache = new ImageCache({ dir: join(dir, 'images'), baseUrl: store.url, authHeader: () => `Bearer ${token}` });
  const manager = new QemuVolumeManager(cache, pool.path, { uploader: new SnapshotUploader(store.url, () => token), workDir: join(dir, 'tmp') });
  h = callHandlers({ driver: new FakeDriver({ hostname: 'h1' }), volumes: manager, network: undefined, transfers: new HostTransfers('127.0.0.1'), jobs: new JobRunner({ clock: systemClock, send: () => undefined }), prepareStart: undefined });
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

test('volume.rootfsTar: the tiny VM\'s root volume becomes an adapted root-fs tarball in the image store; no scratch file is left', async () => {
  const tiny = await buildTinyImage({ outDir: join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny') });
  const { path } = await h['volume.create']({ volumeId: 'vol-vm', instanceId: '', sizeGiB: 1, provisioning: 'full', image: null, pool }, {});
  await sh('qemu-img', ['convert', '-f', 'qcow2', '-O', 'qcow2', tiny.rootDisk, path]); // the VM's root disk, as a pool volume
  const before = await sh('sha256sum', [path]);
  const seen: JobProgress[] = [];
  const uploadPath = '/api/v1/images/image-1/versions/v-1/upload';
  const r = await h['volume.rootfsTar']({ volumeId: 'vol-vm', pool, uploadPath, nics: [{ pciSlot: 8, index: 0 }] }, { onProgress: (p) => seen.push(p) });
  const up = store.uploads.get(uploadPath);
  assert.ok(up, 'uploaded to the version\'s path');
  assert.equal(up.authorization, `Bearer ${token}`);
  assert.deepEqual(r, { sizeBytes: up.bytes.length, sha256: up.sha256, format: 'rootfs-tar' });
  assert.equal(await sh('sha256sum', [path]), before, 'the volume is not written');
  const tar = join(dir, 'got.tar');
  await writeFile(tar, up.bytes);
  const listing = await sh('tar', ['-tvf', tar, '--numeric-owner']);
  assert.match(listing, /^-rwxr-xr-x 0\/0 .* \.\/bin\/busybox$/m, 'the VM\'s files, modes and owners');
  assert.doesNotMatch(listing, /\.\/lib\/modules\/./, 'the guest kernel\'s modules are left behind');
  assert.ok(new Set(seen.map((p) => p.phase)).has('uploading'));
  assert.deepEqual(await readdir(join(dir, 'tmp')), [], 'no scratch file left');
  await assert.rejects(h['volume.rootfsTar']({ volumeId: 'vol-none', pool, uploadPath, nics: [] }, {}), (e: { code?: string }) => e.code === 'not-found');
});

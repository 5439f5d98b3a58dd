/** The whole host path: a kernel bundle over HTTP → ImageCache → DirectoryPool linked clone (needs qemu-img). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryPool } from '../directory-pool.ts';
import { ImageCache } from '../image-cache.ts';
import { writeKernelBundle } from '../kernel-bundle.ts';
import { assertPattern, backingChain, makeQcow2 } from './qemu-img-fixtures.ts';

test('a kernel bundle with a root disk, fetched from the server, boots a linked clone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-e2e-storage-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await makeQcow2(join(dir, 'rootfs.qcow2'), '128M', [{ pattern: 0x3c, offset: '1M', length: '2M' }]);
  const bundle = await writeKernelBundle(join(dir, 'bundle.tar'), {
    vmlinuz: Buffer.from('bzImage'), initrd: Buffer.from('cpio'), rootfs: { path: join(dir, 'rootfs.qcow2') }, cmdline: 'console=ttyS0 root=/dev/vda',
  });
  const bytes = await readFile(join(dir, 'bundle.tar'));
  assert.equal(createHash('sha256').update(bytes).digest('hex'), bundle.sha256);

  const server = createServer((req, res) => {
    if (req.url === '/api/v1/images/img-1/versions/imgv-tiny/file' && req.headers.authorization === 'Bearer h') {
      res.setHeader('content-length', bytes.length);
      res.end(bytes);
    } else {
      res.statusCode = 403;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const cache = new ImageCache({ dir: join(dir, 'cache'), authHeader: () => 'Bearer h' });
  const image = await cache.ensure({
    imageVersionId: 'imgv-tiny', url: '/api/v1/images/img-1/versions/imgv-tiny/file', baseUrl,
    sha256: bundle.sha256, format: 'kernel-initrd', sizeBytes: bundle.sizeBytes,
  });
  assert.equal(image.format, 'kernel-initrd');
  if (image.format !== 'kernel-initrd' || image.rootDisk === undefined) throw new Error('expected a bundle with a root disk');
  assert.equal(image.cmdline, 'console=ttyS0 root=/dev/vda');

  const pool = new DirectoryPool({ path: join(dir, 'pool') });
  const vol = await pool.createRootDisk({ volumeId: 'vol-root', sizeGiB: 1, provisioning: 'linked', base: { imageVersionId: image.imageVersionId, path: image.rootDisk, format: 'qcow2' } });
  assert.equal((await backingChain(vol.path))[0]?.['backing-filename'], '../bases/imgv-tiny.qcow2');
  await assertPattern(vol.path, 'qcow2', 0x3c, '1M', '2M');
  await cache.remove('imgv-tiny');
  await assertPattern(vol.path, 'qcow2', 0x3c, '1M', '2M'); // the pool's base does not depend on the cache
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageCache } from './image-cache.ts';
import { packKernelBundle } from './kernel-bundle.ts';
import { StorageError } from './storage-error.ts';

type Ctx = { after(fn: () => unknown): void };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A loopback image server; `routes` answer by path, every request is recorded. */
async function imageServer(t: Ctx, routes: Record<string, (res: ServerResponse) => void>) {
  const requests: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers });
    const route = routes[path];
    if (route) route(res);
    else { res.statusCode = 404; res.end('no such image'); }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, requests };
}

async function tempDir(t: Ctx): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-cache-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const serve = (body: Uint8Array, contentLength = true) => (res: ServerResponse) => {
  if (contentLength) res.setHeader('content-length', body.length);
  else res.write(body); // without a length first: chunked
  res.end(contentLength ? body : undefined);
};

function ref(id: string, url: string, body: Uint8Array, format = 'qcow2') {
  return { imageVersionId: id, url, sha256: sha(body), format, sizeBytes: body.length };
}

async function assertNothingLeft(dir: string, id: string) {
  const left = (await readdir(dir)).filter((n) => n.startsWith(id));
  assert.deepEqual(left, [], `files left for ${id}`);
}

test('downloads a good image, verifies it, writes the marker, and serves it from cache afterwards', async (t) => {
  const body = randomBytes(300_000);
  const srv = await imageServer(t, { '/api/v1/images/img-1/versions/imgv-1/file': serve(body) });
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir, baseUrl: srv.baseUrl });
  const r = ref('imgv-1', '/api/v1/images/img-1/versions/imgv-1/file', body);
  const got = await cache.ensure(r);
  assert.deepEqual(got, { imageVersionId: 'imgv-1', sha256: r.sha256, sizeBytes: body.length, format: 'qcow2', path: join(dir, 'imgv-1.qcow2') });
  assert.ok((await readFile(got.path)).equals(body));
  const marker = JSON.parse(await readFile(join(dir, 'imgv-1.sha256'), 'utf8')) as { sha256: string };
  assert.equal(marker.sha256, r.sha256);
  assert.deepEqual((await readdir(dir)).sort(), ['imgv-1.qcow2', 'imgv-1.sha256']);

  const again = await new ImageCache({ dir, baseUrl: srv.baseUrl }).ensure(r);
  assert.equal(again.path, got.path);
  assert.equal(srv.requests.length, 1, 'a second ensure (even from a new instance) does not download');
});

test('a corrupt download is rejected with both checksums and leaves nothing', async (t) => {
  const good = randomBytes(100_000);
  const bad = Buffer.from(good);
  bad[5000] = (bad[5000] ?? 0) ^ 0xff;
  const srv = await imageServer(t, { '/corrupt': serve(bad) });
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir });
  const r = ref('imgv-corrupt', `${srv.baseUrl}/corrupt`, good);
  await assert.rejects(cache.ensure(r), (err: unknown) => {
    assert.ok(err instanceof StorageError);
    assert.equal(err.code, 'checksum-mismatch');
    assert.equal(err.message, `image imgv-corrupt checksum mismatch: expected ${sha(good)}, got ${sha(bad)}`);
    return true;
  });
  await assertNothingLeft(dir, 'imgv-corrupt');
});

test('a connection closed midway is reported as truncated and leaves nothing', async (t) => {
  const body = randomBytes(1_000_000);
  const srv = await imageServer(t, {
    '/cut': (res) => {
      res.setHeader('content-length', body.length);
      res.write(body.subarray(0, 400_000), () => res.socket?.destroy());
    },
    '/short-chunked': serve(body.subarray(0, 1000), false),
  });
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir });
  await assert.rejects(cache.ensure(ref('imgv-cut', `${srv.baseUrl}/cut`, body)), (err: unknown) => {
    assert.ok(err instanceof StorageError);
    assert.equal(err.code, 'truncated');
    assert.match(err.message, /^image imgv-cut truncated: got \d+ of 1000000 bytes/);
    return true;
  });
  await assert.rejects(cache.ensure(ref('imgv-short', `${srv.baseUrl}/short-chunked`, body)), /image imgv-short truncated: got 1000 of 1000000 bytes$/);
  await assertNothingLeft(dir, 'imgv-cut');
  await assertNothingLeft(dir, 'imgv-short');
});

test('an oversized download is refused from Content-Length, or as it streams without one', async (t) => {
  const body = randomBytes(200_000);
  const bigger = Buffer.concat([body, randomBytes(5)]);
  const srv = await imageServer(t, { '/big': serve(bigger), '/big-chunked': serve(bigger, false) });
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir });
  await assert.rejects(cache.ensure(ref('imgv-big', `${srv.baseUrl}/big`, body)), /image imgv-big too large: server announces 200005 bytes, expected 200000/);
  await assert.rejects(cache.ensure(ref('imgv-big2', `${srv.baseUrl}/big-chunked`, body)), (err: unknown) =>
    err instanceof StorageError && err.code === 'too-large' && /more than the expected 200000 bytes/.test(err.message));
  await assertNothingLeft(dir, 'imgv-big');
});

test('HTTP errors, bad refs and unresolvable URLs fail clearly', async (t) => {
  const srv = await imageServer(t, {});
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir });
  const body = Buffer.from('x');
  await assert.rejects(cache.ensure(ref('imgv-404', `${srv.baseUrl}/nope?token=secret`, body)), (err: unknown) => {
    assert.ok(err instanceof StorageError);
    assert.equal(err.code, 'download-failed');
    assert.equal(err.message, `image imgv-404 download from ${srv.baseUrl}/nope failed: HTTP 404 Not Found`);
    return true;
  });
  await assert.rejects(cache.ensure(ref('imgv-rel', '/relative/without/base', body)), /cannot resolve URL .* without a base URL/);
  await assert.rejects(cache.ensure(ref('imgv-file', 'file:///etc/passwd', body)), /only http\(s\) URLs/);
  await assert.rejects(cache.ensure(ref('../evil', `${srv.baseUrl}/x`, body)), /invalid image version id/);
  await assert.rejects(cache.ensure(ref('imgv-fmt', `${srv.baseUrl}/x`, body, 'vmdk')), /unknown format "vmdk"/);
  await assert.rejects(cache.ensure({ ...ref('imgv-sha', `${srv.baseUrl}/x`, body), sha256: 'abc' }), /invalid sha256/);
  await assert.rejects(cache.ensure(ref('imgv-down', 'http://127.0.0.1:1/x', body)), (err: unknown) => err instanceof StorageError && err.code === 'download-failed');
  const before = srv.requests.length;
  await assert.rejects(cache.ensure({ ...ref('imgv-huge', `${srv.baseUrl}/x`, body), sizeBytes: 2 ** 52 }), (err: unknown) =>
    err instanceof StorageError && err.code === 'no-space' && /image imgv-huge needs 4503599627370496 bytes/.test(err.message));
  assert.equal(srv.requests.length, before, 'no request when the image cannot fit');
  await assertNothingLeft(dir, 'imgv-');
});

test('a stalled transfer is aborted after the idle timeout', async (t) => {
  const body = randomBytes(100_000);
  const srv = await imageServer(t, {
    '/stall': (res) => { res.setHeader('content-length', body.length); res.write(body.subarray(0, 1000)); },
  });
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir, idleTimeoutMs: 150 });
  await assert.rejects(cache.ensure(ref('imgv-stall', `${srv.baseUrl}/stall`, body)), /image imgv-stall download stalled: no data for 150 ms after 1000 of 100000 bytes/);
  await assertNothingLeft(dir, 'imgv-stall');
});

test('concurrent ensure() calls for one version share one download', async (t) => {
  const body = randomBytes(500_000);
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  const srv = await imageServer(t, {
    '/slow': (res) => { res.setHeader('content-length', body.length); res.write(body.subarray(0, 10)); void released.then(() => res.end(body.subarray(10))); },
  });
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir });
  const r = ref('imgv-shared', `${srv.baseUrl}/slow`, body);
  const calls = Array.from({ length: 5 }, () => cache.ensure(r));
  release();
  const results = await Promise.all(calls);
  assert.equal(srv.requests.length, 1);
  assert.ok(results.every((x) => x.path === join(dir, 'imgv-shared.qcow2')));
});

test('a cached file is trusted only with its marker; a stale marker or a changed size triggers a new download', async (t) => {
  const body = randomBytes(50_000);
  const srv = await imageServer(t, { '/img': serve(body) });
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir });
  const r = ref('imgv-m', `${srv.baseUrl}/img`, body, 'raw');
  // the file is there but was never verified (crash before the marker)
  await writeFile(join(dir, 'imgv-m.raw'), body);
  await cache.ensure(r);
  assert.equal(srv.requests.length, 1);
  // someone truncated the file behind our back
  await writeFile(join(dir, 'imgv-m.raw'), body.subarray(0, 10));
  await cache.ensure(r);
  assert.equal(srv.requests.length, 2);
  assert.ok((await readFile(join(dir, 'imgv-m.raw'))).equals(body));
  // a marker for other bytes
  await writeFile(join(dir, 'imgv-m.sha256'), JSON.stringify({ imageVersionId: 'imgv-m', sha256: 'f'.repeat(64), format: 'raw', sizeBytes: body.length }));
  await cache.ensure(r);
  assert.equal(srv.requests.length, 3);
});

test('sends the Authorization header to the server origin only', async (t) => {
  const body = randomBytes(1000);
  const server = await imageServer(t, { '/file': serve(body) });
  const other = await imageServer(t, { '/file': serve(body) });
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir, baseUrl: server.baseUrl, authHeader: () => 'Bearer host-token' });
  await cache.ensure(ref('imgv-a', '/file', body));
  await cache.ensure(ref('imgv-b', `${other.baseUrl}/file`, body));
  await cache.ensure({ ...ref('imgv-c', '/file', body), baseUrl: other.baseUrl });
  assert.equal(server.requests[0]?.headers.authorization, 'Bearer host-token');
  assert.equal(other.requests[0]?.headers.authorization, undefined);
  assert.equal(other.requests[1]?.path, '/file', 'a per-ref baseUrl resolves the relative URL');
  assert.equal(other.requests[1]?.headers.authorization, 'Bearer host-token', 'a per-ref baseUrl names the server');
});

test('a raw image that is mostly zeros stays sparse on disk', async (t) => {
  const body = Buffer.alloc(16 * 1024 * 1024);
  randomBytes(4096).copy(body, 8 * 1024 * 1024);
  const srv = await imageServer(t, { '/raw': serve(body) });
  const dir = await tempDir(t);
  const got = await new ImageCache({ dir }).ensure(ref('imgv-sparse', `${srv.baseUrl}/raw`, body, 'raw'));
  const s = await stat(got.path);
  assert.equal(s.size, body.length);
  assert.ok(s.blocks * 512 < 2 * 1024 * 1024, `allocated ${s.blocks * 512} bytes`);
  assert.ok((await readFile(got.path)).equals(body));
});

test('a kernel bundle is unpacked into <dir>/<id>/ and its parts returned', async (t) => {
  const chunks: Uint8Array[] = [];
  for await (const c of packKernelBundle({ vmlinuz: Buffer.from('KERNEL'), initrd: randomBytes(5000), rootfs: Buffer.from('QFI'), cmdline: 'console=ttyS0' })) chunks.push(c);
  const bundle = Buffer.concat(chunks);
  const srv = await imageServer(t, { '/bundle': serve(bundle), '/not-a-bundle': serve(Buffer.alloc(2048, 1)) });
  const dir = await tempDir(t);
  const cache = new ImageCache({ dir });
  const got = await cache.ensure(ref('imgv-k', `${srv.baseUrl}/bundle`, bundle, 'kernel-initrd'));
  const d = join(dir, 'imgv-k');
  assert.deepEqual(got, {
    imageVersionId: 'imgv-k', sha256: sha(bundle), sizeBytes: bundle.length, format: 'kernel-initrd', path: d,
    kernel: join(d, 'vmlinuz'), initrd: join(d, 'initrd'), rootDisk: join(d, 'rootfs.qcow2'), cmdline: 'console=ttyS0',
  });
  assert.equal(await readFile(got.kernel, 'utf8'), 'KERNEL');
  assert.deepEqual((await readdir(dir)).sort(), ['imgv-k', 'imgv-k.sha256'], 'the tar itself is not kept');
  assert.deepEqual(await cache.ensure(ref('imgv-k', `${srv.baseUrl}/bundle`, bundle, 'kernel-initrd')), got);
  assert.equal(srv.requests.length, 1);

  const junk = Buffer.alloc(2048, 1);
  await assert.rejects(cache.ensure(ref('imgv-junk', `${srv.baseUrl}/not-a-bundle`, junk, 'kernel-initrd')), (err: unknown) =>
    err instanceof StorageError && err.code === 'bad-image' && /image imgv-junk: bad kernel bundle/.test(err.message));
  await assertNothingLeft(dir, 'imgv-junk');
});

test('list() shows verified versions; remove() forgets one; leftovers of a crash are cleared at start', async (t) => {
  const a = randomBytes(1000);
  const b = randomBytes(2000);
  const srv = await imageServer(t, { '/a': serve(a), '/b': serve(b) });
  const dir = await tempDir(t);
  await writeFile(join(dir, 'imgv-old.partial'), 'half a download');
  const cache = new ImageCache({ dir });
  await cache.ensure(ref('imgv-a', `${srv.baseUrl}/a`, a, 'iso'));
  await cache.ensure(ref('imgv-b', `${srv.baseUrl}/b`, b, 'raw'));
  const listed = await cache.list();
  assert.deepEqual(listed.map((e) => [e.imageVersionId, e.format, e.sizeBytes, e.path]), [
    ['imgv-a', 'iso', 1000, join(dir, 'imgv-a.iso')],
    ['imgv-b', 'raw', 2000, join(dir, 'imgv-b.raw')],
  ]);
  await cache.remove('imgv-a');
  await cache.remove('imgv-a'); // removing twice is fine
  await cache.remove('imgv-never');
  assert.deepEqual((await cache.list()).map((e) => e.imageVersionId), ['imgv-b']);
  assert.deepEqual((await readdir(dir)).sort(), ['imgv-b.raw', 'imgv-b.sha256']);
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

describe('image store: streamed, checksummed uploads and downloads', () => {
  let server: KumoServer; let token: string; let close: () => Promise<void>;
  let imageId: string;
  const auth = () => ({ authorization: `Bearer ${token}` });
  before(async () => {
    ({ server, token, close } = await inProcessServer());
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/images', headers: auth(), payload: { name: 'disk', public: true } });
    imageId = res.json().id;
  });
  after(async () => { await close(); });

  const upload = (version: string, body: Buffer, sha256: string) => server.app.inject({
    method: 'PUT', url: `/api/v1/images/${imageId}/versions/${version}/file?format=raw&sha256=${sha256}`,
    headers: { ...auth(), 'content-type': 'application/octet-stream' }, payload: body,
  });

  test('an upload whose checksum matches becomes a ready version that downloads byte for byte', async () => {
    const body = Buffer.alloc(300_000, 7);
    const sha = createHash('sha256').update(body).digest('hex');
    const res = await upload('1', body, sha);
    assert.equal(res.statusCode, 201, res.body);
    const v = res.json();
    assert.equal(v.sizeBytes, body.length);
    assert.equal(v.state, 'ready');
    const dl = await server.app.inject({ method: 'GET', url: `/api/v1/images/${imageId}/versions/${v.id}/file`, headers: auth() });
    assert.equal(dl.statusCode, 200);
    assert.equal(dl.headers['x-kumo-sha256'], sha);
    assert.deepEqual(dl.rawPayload, body);
  });

  test('a corrupt upload is refused and leaves nothing behind', async () => {
    const body = Buffer.from('not what the checksum says');
    const res = await upload('2', body, 'f'.repeat(64));
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /checksum mismatch/);
    // Files only: the image store also holds the snapshot store's directory.
    const files = readdirSync(join(server.ctx.dataDir, 'images'), { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
    assert.equal(files.filter((f) => f.endsWith('.partial')).length, 0, 'no partial file');
    assert.equal(files.length, 1, 'only the good version is stored');
    const versions = await server.app.inject({ method: 'GET', url: `/api/v1/images/${imageId}/versions`, headers: auth() });
    assert.deepEqual(versions.json().items.map((x: { version: string }) => x.version), ['1']);
  });

  test('a duplicate version and a missing checksum are refused', async () => {
    const body = Buffer.from('x');
    const sha = createHash('sha256').update(body).digest('hex');
    assert.equal((await upload('1', body, sha)).statusCode, 409);
    const res = await server.app.inject({ method: 'PUT', url: `/api/v1/images/${imageId}/versions/3/file?format=raw`, headers: { ...auth(), 'content-type': 'application/octet-stream' }, payload: body });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.details.field, 'sha256');
  });
  test('deleting an image removes its versions and their stored files', async () => {
    assert.equal(readdirSync(join(server.ctx.dataDir, 'images'), { withFileTypes: true }).filter((d) => d.isFile()).length, 1);
    const del = await server.app.inject({ method: 'DELETE', url: `/api/v1/images/${imageId}`, headers: auth() });
    assert.equal(del.statusCode, 204, del.body);
    assert.deepEqual(readdirSync(join(server.ctx.dataDir, 'images'), { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name), [], 'the stored file is gone');
    assert.equal((await server.app.inject({ method: 'GET', url: `/api/v1/images/${imageId}/versions`, headers: auth() })).statusCode, 404);
  });
});

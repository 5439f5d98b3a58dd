import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import type { InstanceRow } from '@kumo/db';
import { seedInfrastructure, testDialects } from '@kumo/db/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDwNzbH1W6dJ2bXnYV0k8u6o0rQ2sQ1JmXq7E0z1Yq9c test';

// Deleted instances keep their rows (history) but must not keep the catalog entries they used alive;
// instances that are not deleted must. Through the HTTP stack, on both database dialects.
for (const dialect of testDialects) {
  describe(`deleting catalog entries that instances used (${dialect})`, () => {
    let server: KumoServer; let token: string; let close: () => Promise<void>;
    const usedBy = new Map<'gone' | 'live', { imageId: string; offeringId: string; keypairId: string; instanceId: string }>();
    const used = {
      get gone() { const u = usedBy.get('gone'); assert.ok(u); return u; },
      get live() { const u = usedBy.get('live'); assert.ok(u); return u; },
    };
    const req = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) => {
      const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) as Record<string, unknown> : {} };
    };
    const created = async (url: string, body: unknown) => {
      const r = await req('POST', url, body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    };

    before(async () => {
      ({ server, token, close } = await inProcessServer({ dialect }));
      const repos = server.ctx.repos;
      const infra = await seedInfrastructure(repos, { hosts: 1 });
      const acct = (await repos.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()).id;
      for (const which of ['gone', 'live'] as const) {
        const imageId = await created('/api/v1/images', { name: `img-${which}` });
        const versionId = await created(`/api/v1/images/${imageId}/versions`, { version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64) });
        const offeringId = await created('/api/v1/offerings', { name: `off-${which}`, vcpus: 1, memoryMiB: 256, rootDiskGiB: 1 });
        const keypairId = await created('/api/v1/keypairs', { name: `key-${which}`, publicKey });
        const at = new Date().toISOString();
        const row: InstanceRow = {
          id: newId('instance'), accountId: acct, name: `vm-${which}`, zoneId: infra.zoneId, podId: null, clusterId: null, hostId: null, poolId: null,
          imageId, imageVersionId: versionId, offeringId, keypairId, vcpus: 1, memoryMiB: 256, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0,
          desired: which === 'gone' ? 'deleted' : 'running', phase: which === 'gone' ? 'deleted' : 'running', task: null,
          observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: at, updatedAt: at,
          deletedAt: which === 'gone' ? at : null,
        };
        await repos.instances.insert(row);
        usedBy.set(which, { imageId, offeringId, keypairId, instanceId: row.id });
      }
    });
    after(async () => { await close(); });

    test('regression: deleting a key pair a deleted instance once used answered 500', async () => {
      const r = await req('DELETE', `/api/v1/keypairs/${used.gone.keypairId}`);
      assert.equal(r.status, 204, JSON.stringify(r.body));
      assert.equal((await req('GET', `/api/v1/keypairs/${used.gone.keypairId}`)).status, 404);
      const gone = await server.ctx.repos.instances.getAny(used.gone.instanceId);
      assert.equal(gone?.keypairId, null, 'the deleted instance let go of the key pair');
      assert.equal(gone?.name, 'vm-gone', 'the deleted instance itself is kept');
    });

    test('regression: deleting an image a deleted instance once used answered 500', async () => {
      const r = await req('DELETE', `/api/v1/images/${used.gone.imageId}`);
      assert.equal(r.status, 204, JSON.stringify(r.body));
      assert.equal((await req('GET', `/api/v1/images/${used.gone.imageId}`)).status, 404);
      assert.deepEqual(await server.ctx.repos.imageVersions.ofImage(used.gone.imageId), [], 'its versions went with it');
      const gone = await server.ctx.repos.instances.getAny(used.gone.instanceId);
      assert.deepEqual([gone?.imageId, gone?.imageVersionId], [null, null]);
    });

    test('regression: deleting an offering a deleted instance once used was refused forever', async () => {
      const r = await req('DELETE', `/api/v1/offerings/${used.gone.offeringId}`);
      assert.equal(r.status, 204, JSON.stringify(r.body));
      assert.equal((await server.ctx.repos.instances.getAny(used.gone.instanceId))?.offeringId, null);
    });

    for (const [what, path, key] of [['a key pair', 'keypairs', 'keypairId'], ['an image', 'images', 'imageId'], ['an offering', 'offerings', 'offeringId']] as const) {
      test(`deleting ${what} a live instance uses is refused with 409 naming the instance`, async () => {
        const id = used.live[key];
        const r = await req('DELETE', `/api/v1/${path}/${id}`);
        assert.equal(r.status, 409, JSON.stringify(r.body));
        const error = r.body.error as { code: string; message: string; details: { instanceIds: string[] } };
        assert.equal(error.code, 'in_use');
        assert.match(error.message, /vm-live/);
        assert.deepEqual(error.details.instanceIds, [used.live.instanceId]);
        assert.equal((await req('GET', `/api/v1/${path}/${id}`)).status, 200, 'nothing was deleted');
        assert.equal((await server.ctx.repos.instances.getAny(used.live.instanceId))?.[key], id, 'the live instance keeps it');
      });
    }
  });
}

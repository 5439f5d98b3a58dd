import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import { seedInfrastructure } from '@kumo/db/testing';
import { inProcessServer } from '../testing/in-process-server.ts';
import type { KumoServer } from '../build-server.ts';

/** The HA settings through the API: a zone's lease/margin/concurrency (admins), an instance's HA flag and priority. */
describe('HA settings API', () => {
  let server: KumoServer; let token: string; let close: () => Promise<void>;
  const call = async (method: 'GET' | 'PATCH' | 'POST', url: string, payload?: object) => {
    const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> & { ha: Record<string, unknown>; error?: { details?: { field?: string }; message: string } } };
  };
  let zoneId = ''; let instanceId = '';

  before(async () => {
    ({ server, token, close } = await inProcessServer());
    const repos = server.ctx.repos;
    const infra = await seedInfrastructure(repos, { hosts: 1 });
    zoneId = infra.zoneId;
    const acct = (await repos.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()).id;
    const inst = await repos.db.selectFrom('instances').selectAll().executeTakeFirst();
    instanceId = inst?.id ?? '';
    if (!inst) {
      const imageId = newId('image'); const versionId = newId('imageVersion'); const offeringId = newId('offering');
      const now = new Date().toISOString();
      await repos.images.insert({ id: imageId, accountId: acct, name: 'img', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now });
      await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now });
      await repos.offerings.insert({ id: offeringId, name: 'ha-offering', description: '', vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 1, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now });
      const op = await call('POST', '/api/v1/instances', { name: 'web', zoneId, imageId, offeringId, start: false });
      assert.equal(op.status, 202, JSON.stringify(op.body));
      instanceId = String(op.body.resourceId);
    }
  });
  after(async () => { await close(); });

  test('a zone shows its HA settings (defaults), an admin changes them, a margin above half the lease is refused naming the field', async () => {
    const z = await call('GET', `/api/v1/zones/${zoneId}`);
    assert.deepEqual(z.body.ha, { leaseMs: 20_000, fenceMarginMs: 5_000, restartConcurrency: 4 });
    const u = await call('PATCH', `/api/v1/zones/${zoneId}`, { ha: { leaseMs: 30_000, restartConcurrency: 2 } });
    assert.equal(u.status, 200, JSON.stringify(u.body));
    assert.deepEqual(u.body.ha, { leaseMs: 30_000, fenceMarginMs: 5_000, restartConcurrency: 2 });
    const bad = await call('PATCH', `/api/v1/zones/${zoneId}`, { ha: { fenceMarginMs: 20_000 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.details?.field, 'ha.fenceMarginMs');
    assert.deepEqual((await call('GET', `/api/v1/zones/${zoneId}`)).body.ha, { leaseMs: 30_000, fenceMarginMs: 5_000, restartConcurrency: 2 }, 'nothing changed');
  });

  test('an instance of an HA offering is HA; PATCH turns it off and sets its priority', async () => {
    const before = await call('GET', `/api/v1/instances/${instanceId}`);
    assert.equal(before.body.ha.enabled, true, 'from the offering');
    const u = await call('PATCH', `/api/v1/instances/${instanceId}`, { ha: false, haPriority: 7 });
    assert.equal(u.status, 200, JSON.stringify(u.body));
    assert.deepEqual(u.body.ha, { enabled: false, priority: 7, restarts: 0, lastRestartAt: null });
    const bad = await call('PATCH', `/api/v1/instances/${instanceId}`, { haPriority: 5000 });
    assert.equal(bad.status, 400);
  });
});

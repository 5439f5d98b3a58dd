import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import { seedInfrastructure, testDialects } from '@kumo/db/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */

interface Who { accountId: string; token: string }

/** Tenants do not see infrastructure: host and pool ids, host counts; they pin pods and clusters only when dedicated to them. */
for (const dialect of testDialects) {
  describe(`what tenants see of the infrastructure on ${dialect}`, () => {
    let server: KumoServer; let close: () => Promise<void>;
    let admin: Who; let alice: Who;
    let zoneId: string; let podId: string; let clusterId: string; let hostId: string; let poolId: string; let imageId: string; let offeringId: string;
    let instanceId: string;
    const call = async (who: Who, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
      const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${who.token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
      return { status: res.statusCode, body: res.body ? res.json() : null, raw: res.body };
    };
    const create = (who: Who, extra: Record<string, unknown> = {}) => call(who, 'POST', '/api/v1/instances', { name: `vm-${newId('volume').slice(-6)}`, zoneId, imageId, offeringId, nics: [], ...extra });

    before(async () => {
      let token: string;
      ({ server, close, token } = await inProcessServer({ dialect }));
      admin = { accountId: (await server.app.inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { authorization: `Bearer ${token}` } })).json().accountId, token };
      const r = await call(admin, 'POST', '/api/v1/accounts', { name: 'alice', username: 'alice', password: 'alice-secret-pw-1' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      alice = { accountId: r.body.id, token: (await server.ctx.auth.login('alice', 'alice-secret-pw-1')).token };
      const repos = server.ctx.repos;
      const infra = await seedInfrastructure(repos, { hosts: 3 });
      zoneId = infra.zoneId; podId = infra.podId; clusterId = infra.clusterId; hostId = infra.hosts[0]!.id; poolId = infra.poolIds[0]!;
      imageId = newId('image'); offeringId = newId('offering');
      const versionId = newId('imageVersion'); const now = new Date().toISOString();
      await repos.images.insert({ id: imageId, accountId: admin.accountId, name: 'tiny', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now });
      await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now });
      await repos.offerings.insert({ id: offeringId, name: 'small', description: '', vcpus: 1, memoryMiB: 256, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now });
      const op = await create(alice);
      assert.equal(op.status, 202, JSON.stringify(op.body));
      instanceId = op.body.resourceId;
      // As the scheduler would have placed it, then failed to place it again.
      await server.ctx.repos.db.updateTable('instances').set({ hostId, poolId, errorReason: `no host fits: 3 hosts in zone ${zoneId}; memory removed 3` }).where('id', '=', instanceId).execute();
      await server.ctx.ops.finish(op.body.id, 'failed', `no host fits: 3 hosts in zone ${zoneId}; memory removed 3`, { code: 'no_capacity', message: `no host fits: 3 hosts in zone ${zoneId}; memory removed 3` });
      await server.ctx.events.record({ accountId: alice.accountId, resourceType: 'instance', resourceId: instanceId, kind: 'instance.started', message: `started on ${hostId}` });
    });
    after(async () => { await close(); });

    test('instances: a tenant sees no host or pool id and no host counts; an admin sees them', async () => {
      const mine = await call(alice, 'GET', `/api/v1/instances/${instanceId}`);
      assert.equal(mine.status, 200);
      assert.equal(mine.body.hostId, null); assert.equal(mine.body.poolId, null);
      assert.doesNotMatch(mine.raw, new RegExp(`${hostId}|${poolId}|3 hosts`));
      assert.match(mine.body.errorReason, /^no capacity/);
      const list = await call(alice, 'GET', '/api/v1/instances');
      assert.ok(list.body.items.every((i: any) => i.hostId === null && i.poolId === null));
      const adm = await call(admin, 'GET', `/api/v1/instances/${instanceId}`);
      assert.deepEqual([adm.body.hostId, adm.body.poolId], [hostId, poolId]);
      assert.match(adm.body.errorReason, /3 hosts in zone/);
    });

    test('operations, events and errors: placement failures name no hosts to tenants', async () => {
      const ops = await call(alice, 'GET', `/api/v1/operations?resourceId=${instanceId}`);
      assert.equal(ops.status, 200);
      const failed = ops.body.items.find((o: any) => o.status === 'failed');
      assert.ok(failed, JSON.stringify(ops.body));
      assert.match(failed.message, /^no capacity/); assert.match(failed.error.message, /^no capacity/);
      assert.doesNotMatch(ops.raw, /hosts in zone/);
      const events = await call(alice, 'GET', `/api/v1/events?resourceId=${instanceId}`);
      assert.ok(events.body.items.some((e: any) => e.message === 'started on a host'), JSON.stringify(events.body));
      assert.doesNotMatch(events.raw, new RegExp(hostId));
      const adminEvents = await call(admin, 'GET', `/api/v1/events?resourceId=${instanceId}`);
      assert.ok(adminEvents.body.items.some((e: any) => e.message === `started on ${hostId}`));
    });

    test('volumes: a tenant sees no pool id', async () => {
      const vol = await call(alice, 'POST', '/api/v1/volumes', { name: 'data', zoneId, sizeGiB: 1 });
      assert.ok(vol.status < 300, JSON.stringify(vol.body));
      await server.ctx.repos.db.updateTable('volumes').set({ poolId }).where('accountId', '=', alice.accountId).execute();
      const list = await call(alice, 'GET', '/api/v1/volumes');
      assert.ok(list.body.items.length > 0);
      assert.doesNotMatch(list.raw, new RegExp(poolId));
      assert.match((await call(admin, 'GET', '/api/v1/volumes')).raw, new RegExp(poolId));
    });

    test('pinning: a tenant cannot choose a pod or cluster (existing or not) unless it is dedicated to the account; admins can', async () => {
      for (const extra of [{ podId }, { clusterId }, { podId: newId('pod') }]) {
        const r = await create(alice, extra);
        assert.equal(r.status, 403, JSON.stringify(r.body));
        assert.equal(r.body.error.details.field, Object.keys(extra)[0]);
      }
      assert.equal((await create(admin, { clusterId })).status, 202);
      assert.equal((await call(alice, 'GET', '/api/v1/dedications')).status, 403);
      assert.equal((await call(alice, 'POST', '/api/v1/dedications', { kind: 'pod', id: podId, accountId: alice.accountId })).status, 403);
      const d = await call(admin, 'POST', '/api/v1/dedications', { kind: 'pod', id: podId, accountId: alice.accountId });
      assert.equal(d.status, 409, 'the admin\'s instance is pinned to a cluster of that pod: in use');
      assert.equal(d.body.error.code, 'in_use');
      await server.ctx.repos.db.updateTable('instances').set({ phase: 'deleted' }).where('accountId', '=', admin.accountId).execute();
      const ok = await call(admin, 'POST', '/api/v1/dedications', { kind: 'pod', id: podId, accountId: alice.accountId });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.equal((await create(alice, { clusterId })).status, 202, 'a cluster in a pod dedicated to the account');
      assert.equal((await create(alice, { podId })).status, 202);
      assert.deepEqual((await call(admin, 'GET', '/api/v1/dedications')).body.items.map((x: any) => [x.kind, x.id, x.accountId]), [['pod', podId, alice.accountId]]);
      // host_dedication_skipped_checks: the host's own PATCH goes through the same checks as /api/v1/dedications.
      const patched = await server.app.inject({ method: 'PATCH', url: `/api/v1/hosts/${hostId}`, headers: { authorization: `Bearer ${admin.token}` }, payload: { dedicatedAccountId: admin.accountId } });
      assert.equal(patched.statusCode, 409, patched.body);
      assert.equal(patched.json().error.code, 'conflict');
      assert.equal((await call(admin, 'DELETE', `/api/v1/dedications/pod/${podId}`)).status, 204);
      assert.equal((await create(alice, { podId })).status, 403);
    });
  });
}

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instance, InstanceMigrationRecord, MigrationCandidates, MigrationPolicy, Operation } from '@kumo/api';
import type { Dialect } from '@kumo/db';
import { testDialects } from '@kumo/db/testing';
import { eventually, startTestCloud, type TestCloud } from './testing/test-cloud.ts';

/**
 * Live migration through the whole server (REST → MigrationService → controller → agents), with
 * fake hosts that migrate between each other in this process (driver-fake's fake-migration.ts).
 * Disks are on each host's local pool, so every move also mirrors and re-homes the root disk.
 */
async function launch(cloud: TestCloud, name: string): Promise<{ id: string; sourceId: string }> {
  const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
    query: { wait: true }, body: { name, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
  });
  assert.equal(op.status, 'succeeded', op.message);
  return { id: op.resourceId, sourceId: (await cloud.client.get<Instance>('instances', op.resourceId)).hostId! };
}
const sim = (cloud: TestCloud, hostId: string) => cloud.hosts.find((h) => h.agent.hostId === hostId)!;
/** Where a copy of the instance runs, by host id. */
const runningOn = async (cloud: TestCloud, id: string) => {
  const out: string[] = [];
  for (const h of cloud.hosts) if ((await h.driver.inspect(id)).power === 'running') out.push(h.agent.hostId!);
  return out;
};
const waitOp = (cloud: TestCloud, opId: string) => eventually(async () => {
  const o = await cloud.client.get<Operation>('operations', opId);
  return ['succeeded', 'failed', 'cancelled'].includes(o.status) ? o : undefined;
}, `operation ${opId} to end`, 90_000);

for (const dialect of testDialects as Dialect[]) {
  describe(`instance migration on ${dialect}`, () => {
    test('a running guest moves live with its memory and local disk; history has the figures; capacity follows', async () => {
      const cloud = await startTestCloud({ hosts: 3, dialect });
      try {
        const { id, sourceId } = await launch(cloud, 'mover');
        await sim(cloud, sourceId).driver.consoleWrite(id, Buffer.from('COUNTER=41\r'));
        const op = await cloud.client.request<Operation>('POST', `/api/v1/instances/${id}/migrate`, { body: {} });
        const done = await waitOp(cloud, op.id);
        assert.equal(done.status, 'succeeded', done.message);
        assert.match(done.message, /moved live from .* to .*downtime \d+ ms/);
        const inst = await cloud.client.get<Instance>('instances', id);
        assert.notEqual(inst.hostId, sourceId);
        assert.deepEqual(await runningOn(cloud, id), [inst.hostId], 'exactly one copy runs, on the host the database names');
        assert.equal((await sim(cloud, sourceId).driver.inspect(id)).reason, 'not defined', 'the source copy is gone');
        const target = sim(cloud, inst.hostId!);
        assert.equal(target.driver.host.guests.get(id)?.env['COUNTER'], '41', 'the guest kept its memory');
        const vols = await cloud.server.ctx.repos.db.selectFrom('volumes').selectAll().where('instanceId', '=', id).execute();
        const rootId = vols[0]!.id;
        assert.ok(target.volumes.has(rootId) && !sim(cloud, sourceId).volumes.has(rootId), 'the root disk moved and the source file was removed');
        const pool = await cloud.server.ctx.repos.db.selectFrom('pools').selectAll().where('id', '=', vols[0]!.poolId).executeTakeFirstOrThrow();
        assert.equal(pool.hostId, inst.hostId, 'the volume row names the target\'s local pool');
        const hosts = await cloud.server.ctx.repos.db.selectFrom('hosts').select(['id', 'memoryAllocatedMiB']).execute();
        assert.equal(hosts.find((h) => h.id === sourceId)?.memoryAllocatedMiB, 0, 'the source\'s capacity was released');
        assert.ok((hosts.find((h) => h.id === inst.hostId)?.memoryAllocatedMiB ?? 0) > 0, 'the target holds it');
        const history = await cloud.client.request<{ items: InstanceMigrationRecord[] }>('GET', `/api/v1/instances/${id}/migrations`);
        assert.equal(history.items.length, 1);
        assert.equal(history.items[0]!.state, 'succeeded');
        assert.ok((history.items[0]!.result?.passes ?? 0) >= 1 && history.items[0]!.result!.diskBytes > 0, 'the figures of the stream and the disk mirror');
        const row = await cloud.server.ctx.repos.db.selectFrom('migrations').select('endpoint').where('instanceId', '=', id).executeTakeFirstOrThrow();
        const nbdPort = (JSON.parse(row.endpoint ?? '{}') as { nbd?: { port: number } }).nbd?.port ?? 0;
        assert.ok(nbdPort >= 49152 && nbdPort <= 49407, `the target's NBD server listened on a port of the transfer range (${nbdPort})`);
        assert.deepEqual(await cloud.server.ctx.repos.db.selectFrom('hostPorts').selectAll().execute(), [], 'the migration\'s ports were released');
        assert.equal(inst.task, null);
      } finally { await cloud.close(); }
    });

    test('bad input changes nothing: unknown host, same host, live for a stopped instance, a cold move of a running one', async () => {
      const cloud = await startTestCloud({ hosts: 2, dialect });
      try {
        const { id, sourceId } = await launch(cloud, 'stay');
        const ask = (body: object) => cloud.client.request<Operation>('POST', `/api/v1/instances/${id}/migrate`, { body }).then(() => null, (e: { status: number; code: string; details?: { field?: string } }) => e);
        const unknown = await ask({ hostId: 'no-such-host' });
        assert.deepEqual([unknown?.status, unknown?.code, unknown?.details?.field], [400, 'bad_request', 'hostId']);
        const same = await ask({ hostId: sourceId });
        assert.deepEqual([same?.status, same?.details?.field], [400, 'hostId']);
        const cold = await ask({ live: false });
        assert.deepEqual([cold?.status, cold?.details?.field], [409, 'live']);
        await cloud.client.request('POST', `/api/v1/instances/${id}/stop`, { query: { wait: true }, body: {} });
        const live = await ask({ live: true });
        assert.deepEqual([live?.status, live?.details?.field], [400, 'live']);
        assert.equal((await cloud.server.ctx.repos.migrations.listOfInstance({ accountId: 'x', admin: true }, id)).length, 0, 'no attempt was recorded');
        assert.equal((await cloud.client.get<Instance>('instances', id)).hostId, sourceId);
      } finally { await cloud.close(); }
    });

    test('the candidates route lists where the instance could go and why not; the zone\'s migration policy reads, changes and refuses bad input naming the field', async () => {
      const cloud = await startTestCloud({ hosts: 3, dialect });
      try {
        const { id, sourceId } = await launch(cloud, 'where');
        const others = cloud.hosts.map((h) => h.agent.hostId!).filter((h) => h !== sourceId);
        await cloud.client.request('POST', `/api/v1/hosts/${others[1]}/actions`, { body: { action: 'disable' } });
        const c = await cloud.client.request<MigrationCandidates>('GET', `/api/v1/instances/${id}/migration-candidates`);
        assert.equal(c.mode, 'live');
        assert.deepEqual(c.candidates.map((x) => x.hostId), [others[0]]);
        assert.ok(c.rejected.some((r) => r.hostId === others[1] && r.reason.length > 0), `the disabled host with its reason: ${JSON.stringify(c.rejected)}`);
        const zone = cloud.defaults.zoneId;
        const policy = await cloud.client.request<MigrationPolicy>('GET', `/api/v1/zones/${zone}/migration-policy`);
        assert.deepEqual([policy.downtimeLimitMs, policy.autoConverge, policy.postcopyAfterPasses], [300, true, null], 'the defaults');
        const changed = await cloud.client.request<MigrationPolicy>('PATCH', `/api/v1/zones/${zone}/migration-policy`, { body: { downtimeLimitMs: 50, postcopyAfterPasses: 4, retryNextHost: false } });
        assert.deepEqual([changed.downtimeLimitMs, changed.postcopyAfterPasses, changed.retryNextHost, changed.maxPerHost], [50, 4, false, 2]);
        assert.equal((await cloud.server.ctx.repos.migrations.policy(zone)).downtimeLimitMs, 50, 'stored: migrations use it');
        const bad = await cloud.client.request('PATCH', `/api/v1/zones/${zone}/migration-policy`, { body: { downtimeLimitMs: 0 } }).then(() => null, (e: { status: number; message: string }) => e);
        assert.equal(bad?.status, 400);
        assert.match(bad?.message ?? '', /downtimeLimitMs/);
        assert.equal((await cloud.server.ctx.repos.migrations.policy(zone)).downtimeLimitMs, 50, 'unchanged');
      } finally { await cloud.close(); }
    });

    test('cancel mid-stream: the guest runs on at the source, the target copy and disk are gone, the operation ends cancelled', async () => {
      const cloud = await startTestCloud({ hosts: 2, dialect });
      try {
        const { id, sourceId } = await launch(cloud, 'cancelme');
        const src = sim(cloud, sourceId);
        src.driver.migrationFaults.dirtyRatio = 1; // never converges by itself
        src.driver.migrationFaults.passMs = 50;
        await cloud.server.ctx.repos.migrations.setPolicy(cloud.defaults.zoneId, { autoConverge: 0 }, new Date().toISOString());
        const op = await cloud.client.request<Operation>('POST', `/api/v1/instances/${id}/migrate`, { body: {} });
        const live = await eventually(async () => {
          const o = await cloud.client.get<Operation>('operations', op.id);
          return (o.progressDetail?.migration?.pass ?? 0) >= 2 ? o : undefined;
        }, 'live migration figures in the operation');
        assert.ok(live.progressDetail!.migration!.ramTotalBytes > 0);
        await cloud.client.request('POST', `/api/v1/operations/${op.id}/cancel`);
        const done = await waitOp(cloud, op.id);
        assert.equal(done.status, 'cancelled', done.message);
        const inst = await cloud.client.get<Instance>('instances', id);
        assert.equal(inst.hostId, sourceId);
        assert.equal(inst.task, null);
        assert.deepEqual(await runningOn(cloud, id), [sourceId]);
        const other = cloud.hosts.find((h) => h.agent.hostId !== sourceId)!;
        assert.equal((await other.driver.inspect(id)).reason, 'not defined', 'the target copy was destroyed');
        assert.equal(other.volumes.count(), 0, 'the target disk was removed');
        const row = await cloud.server.ctx.repos.db.selectFrom('instances').select('targetHostId').where('id', '=', id).executeTakeFirstOrThrow();
        assert.equal(row.targetHostId, null);
        const hosts = await cloud.server.ctx.repos.db.selectFrom('hosts').select(['id', 'memoryAllocatedMiB']).execute();
        assert.equal(hosts.find((h) => h.id === other.agent.hostId)?.memoryAllocatedMiB, 0, 'the target reservation was released');
      } finally { await cloud.close(); }
    });

    test('the target dies mid-stream: the guest runs on at the source, and the policy retries on the next host', async () => {
      const cloud = await startTestCloud({ hosts: 3, dialect });
      try {
        const { id, sourceId } = await launch(cloud, 'retry');
        const first = (await cloud.server.ctx.migrations.candidates(id)).candidates[0]!.hostId;
        sim(cloud, first).driver.migrationFaults.targetDiesAfterPasses = 0;
        const op = await cloud.client.request<Operation>('POST', `/api/v1/instances/${id}/migrate`, { body: {} });
        const done = await waitOp(cloud, op.id);
        assert.equal(done.status, 'succeeded', done.message);
        const inst = await cloud.client.get<Instance>('instances', id);
        assert.ok(inst.hostId !== sourceId && inst.hostId !== first, 'it landed on the next candidate');
        assert.deepEqual(await runningOn(cloud, id), [inst.hostId]);
        assert.equal((await sim(cloud, first).driver.inspect(id)).reason, 'not defined');
        const history = await cloud.client.request<{ items: InstanceMigrationRecord[] }>('GET', `/api/v1/instances/${id}/migrations`);
        assert.deepEqual(history.items.map((m) => [m.attempt, m.state]), [[2, 'succeeded'], [1, 'failed']]);
        assert.match(history.items[1]!.error ?? '', /QEMU exited/);
      } finally { await cloud.close(); }
    });
  });
}

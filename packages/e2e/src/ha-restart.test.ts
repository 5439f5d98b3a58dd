import { describe, test } from 'node:test';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Instance, Operation } from '@kumo/api';
import { AgentClient, fakeBlocklist, type SimulatedHost } from '@kumo/agent';
import { startTestCloud, eventually, type TestCloud } from './testing/test-cloud.ts';

/**
 * HA on fake hosts (real server, real agents over WebSocket): short leases so that a host's loss is
 * judged in about a second. Zone settings: lease 3 s, the host stops its HA guests 1 s before
 * it ends; heartbeats every 0.5 s.
 */
const leaseMs = 3000;

async function haCloud(hosts: number, concurrency = 4): Promise<TestCloud> {
  const cloud = await startTestCloud({ hosts, controller: { heartbeatIntervalMs: 500, hostDownAfterMs: 6000 } });
  await cloud.server.ctx.repos.db.updateTable('zones').set({ haLeaseMs: leaseMs, haFenceMarginMs: 1000, haRestartConcurrency: concurrency }).execute();
  // Root disks go to the roomy rbd pool (shared storage: restartable elsewhere).
  await cloud.client.create('pools', { name: 'ceph', clusterId: cloud.defaults.clusterId, kind: 'rbd', rbdPool: 'kumo', capacityGiB: 100_000 });
  return cloud;
}

async function create(cloud: TestCloud, name: string, body: Record<string, unknown> = {}): Promise<Instance> {
  const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
    query: { wait: true }, body: { name, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, ...body },
  });
  assert.equal(op.status, 'succeeded', op.message);
  return cloud.client.get<Instance>('instances', op.resourceId);
}

const hostOf = (cloud: TestCloud, inst: { hostId: string | null }): SimulatedHost => cloud.hosts.find((h) => h.agent.hostId === inst.hostId)!;
const row = async (cloud: TestCloud, id: string) => cloud.server.ctx.repos.db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const hostRow = async (cloud: TestCloud, id: string) => cloud.server.ctx.repos.db.selectFrom('hosts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const kindsOf = async (cloud: TestCloud, resourceId: string): Promise<string[]> =>
  (await cloud.client.listAll<{ kind: string }>('events', { resourceId })).map((e) => e.kind);

describe('HA restarts (fake hosts)', () => {
  test('a cut host: its agent stops its HA guests, its lease expires, it is fenced, then its HA instances restart elsewhere by priority, one at a time', async () => {
    const cloud = await haCloud(1, 1);
    try {
      const a = cloud.hosts[0]!;
      const low = await create(cloud, 'ha-low', { ha: true, haPriority: 1 });
      const high = await create(cloud, 'ha-high', { ha: true, haPriority: 9 });
      const mid = await create(cloud, 'ha-mid', { ha: true, haPriority: 5 });
      const plain = await create(cloud, 'not-ha');
      assert.deepEqual(high.ha, { enabled: true, priority: 9, restarts: 0, lastRestartAt: null });
      assert.equal(plain.ha.enabled, false);
      await cloud.addHosts(2, 'spare');
      const aId = a.agent.hostId!;
      await eventually(async () => (a.agent.lease.deadlineMs() !== null && a.agent.lease.haInstances().length === 3) || null, 'A to hold a lease for its 3 HA guests');

      const cutAt = Date.now();
      let maxInFlight = 0;
      const sampler = setInterval(() => { maxInFlight = Math.max(maxInFlight, cloud.server.ha.inFlight()); }, 5);
      a.agent.cutNetwork();
      await eventually(async () => a.agent.lease.fencedInstances.length === 3 || null, `A to stop its 3 HA guests itself (stopped ${a.agent.lease.fencedInstances.length})`, 5000);
      const selfFencedAt = Date.now();
      for (const i of [low, high, mid]) assert.equal((await a.driver.inspect(i.id)).power, 'stopped', 'HA guest killed on the cut host');
      assert.equal((await a.driver.inspect(plain.id)).power, 'running', 'a guest that is not HA is left alone');
      const leaseAtCut = (await hostRow(cloud, aId)).leaseExpiresAt!;
      assert.ok(selfFencedAt < Date.parse(leaseAtCut), 'the host stopped its guests before its lease ended on the server');

      const ids = [high.id, mid.id, low.id];
      await eventually(async () => {
        for (const id of ids) { const r = await row(cloud, id); if (r.hostId === aId || r.phase !== 'running') return null; }
        return true;
      }, 'the 3 HA instances to run on other hosts', 15_000);
      clearInterval(sampler);
      const backAt = Date.now();
      const fenced = await hostRow(cloud, aId);
      assert.equal(fenced.fenceState, 'fenced');
      const shown = await cloud.client.get<{ fence: { state: string; method: string | null }; leaseExpiresAt: string | null }>('hosts', aId);
      assert.equal(shown.fence.state, 'fenced', 'the API shows the fence state');
      assert.match(shown.fence.method ?? '', /blocklist/);
      assert.match(fenced.fenceMethod ?? '', /rbd blocklist of 198\.18\.0\.1/);
      assert.ok(fakeBlocklist.has('198.18.0.1'), 'A\'s storage clients are blocklisted');
      assert.ok(Date.parse(fenced.fencedAt!) >= Date.parse(leaseAtCut), 'fenced only after the lease expired');
      const rows = await Promise.all(ids.map((id) => row(cloud, id)));
      for (const r of rows) {
        assert.ok(Date.parse(r.haLastRestartAt!) >= Date.parse(fenced.fencedAt!), `${r.name} restarted only after fencing`);
        assert.equal(r.haRestarts, 1);
        assert.equal(r.haRestartedFrom, aId);
      }
      const order = [...rows].sort((x, y) => x.haLastRestartAt!.localeCompare(y.haLastRestartAt!) || 0).map((r) => r.name);
      assert.deepEqual(order, ['ha-high', 'ha-mid', 'ha-low'], 'restarted by priority');
      assert.equal(maxInFlight, 1, 'never more restarts at once than the zone allows');
      assert.equal((await row(cloud, plain.id)).hostId, aId, 'a guest that is not HA stays with its host');
      for (const id of ids) {
        await eventually(async () => (await kindsOf(cloud, id)).includes('instance.ha-restart') || null, `the ha-restart event of ${id}`);
        await eventually(async () => (await kindsOf(cloud, id)).includes('alert.ha-restart') || null, `the ha-restart alert of ${id}`);
      }
      await eventually(async () => (await kindsOf(cloud, aId)).includes('alert.host-fenced') || null, 'the host-fenced alert of the lost host');
      assert.ok(backAt - cutAt < 15_000, `back within 15 s with a 3 s lease (took ${backAt - cutAt} ms)`);

      // The host comes back: new generation, its stale copies destroyed, then unblocklisted.
      a.agent.restoreNetwork();
      await eventually(async () => (await hostRow(cloud, aId)).fenceState === 'none' || null, 'A to be let back in', 10_000);
      assert.equal(fakeBlocklist.has('198.18.0.1'), false, 'A is off the blocklist');
      for (const id of ids) assert.equal((await a.driver.inspect(id)).reason, 'not defined', 'stale copy destroyed on A');
      assert.equal((await row(cloud, high.id)).haRestartedFrom, null);
      assert.ok((await kindsOf(cloud, aId)).includes('host.unfenced'));
      for (const id of ids) assert.equal((await hostOf(cloud, await row(cloud, id)).driver.inspect(id)).power, 'running', 'the restarted copy runs on');
    } finally { await cloud.close(); }
  });

  test('the agent alone is killed and comes back within the lease: nothing is fenced or restarted, the agent re-adopts its guests', async () => {
    const cloud = await haCloud(2);
    let again: AgentClient | null = null;
    try {
      const inst = await create(cloud, 'ha-stays', { ha: true });
      const a = hostOf(cloud, inst);
      const aId = a.agent.hostId!;
      const token = a.agent.currentToken();
      a.agent.kill(); // the agent process dies; the host and its guest run on
      await new Promise((r) => setTimeout(r, 400));
      again = new AgentClient({ serverUrl: cloud.url, token, hostName: a.name, address: '198.18.0.1', driver: a.driver, volumes: a.volumes });
      again.start();
      await again.connected();
      await new Promise((r) => setTimeout(r, leaseMs * 2));
      const r = await row(cloud, inst.id);
      assert.equal(r.hostId, aId, 'still on its host');
      assert.equal(r.haRestarts, 0);
      assert.equal(r.phase, 'running');
      assert.equal((await a.driver.inspect(inst.id)).power, 'running', 'the guest never stopped');
      assert.equal((await hostRow(cloud, aId)).fenceState, 'none');
      assert.equal(again.lease.fencedInstances.length, 0);
    } finally { await again?.close(); await cloud.close(); }
  });

  test('a restart that fails on one host is retried on the next', async () => {
    const cloud = await haCloud(1);
    try {
      const inst = await create(cloud, 'ha-retry', { ha: true });
      const [b, c] = await cloud.addHosts(2, 'spare');
      // C is busier (a filler lands there by tag), so the spread scheduler tries B first; B fails that start.
      await cloud.server.ctx.repos.db.updateTable('hosts').set({ tags: '["busy"]' }).where('id', '=', c!.agent.hostId!).execute();
      await create(cloud, 'filler', { hostTags: ['busy'] });
      b!.driver.inject('start', { kind: 'fail', message: 'disk image unreadable' });
      const a = cloud.hosts[0]!;
      a.agent.cutNetwork();
      await eventually(async () => { const r = await row(cloud, inst.id); return (r.hostId === c!.agent.hostId && r.phase === 'running') || null; }, 'the instance to run on C', 15_000);
      const r = await row(cloud, inst.id);
      assert.equal(r.haRestarts, 2, 'B, then C');
      await eventually(async () => (await kindsOf(cloud, inst.id)).includes('instance.ha-restart') || null, 'the ha-restart event');
      assert.ok((await kindsOf(cloud, inst.id)).includes('instance.ha-retry'));
      a.agent.restoreNetwork();
    } finally { await cloud.close(); }
  });

  test('a shared directory pool: the host touches its HA volumes\' lease files; restarted elsewhere only once they are stale', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kumo-shared-pool-'));
    mkdirSync(join(dir, 'volumes')); // fake hosts make no volume files; a real pool has the directory
    const cloud = await startTestCloud({ hosts: 1, controller: { heartbeatIntervalMs: 500, hostDownAfterMs: 6000 } });
    try {
      await cloud.server.ctx.repos.db.updateTable('zones').set({ haLeaseMs: leaseMs, haFenceMarginMs: 1000 }).execute();
      await cloud.client.create('pools', { name: 'nfs', clusterId: cloud.defaults.clusterId, kind: 'shared', path: dir, capacityGiB: 100_000 });
      const inst = await create(cloud, 'ha-shared', { ha: true });
      const vol = await cloud.server.ctx.repos.db.selectFrom('volumes').select('path').where('instanceId', '=', inst.id).executeTakeFirstOrThrow();
      assert.ok(vol.path.startsWith(dir), 'the root disk is on the shared pool');
      const leaseFile = `${vol.path}.lease`;
      await eventually(async () => existsSync(leaseFile) || null, 'the host to touch the lease file');
      await cloud.addHosts(1, 'spare');
      const a = cloud.hosts[0]!;
      const aId = a.agent.hostId!;
      a.agent.cutNetwork();
      const lastTouchByA = statSync(leaseFile).mtimeMs;
      await eventually(async () => { const r = await row(cloud, inst.id); return (r.hostId !== aId && r.phase === 'running') || null; }, 'the instance to run on the spare host', 20_000);
      const h = await hostRow(cloud, aId);
      assert.match(h.fenceMethod ?? '', /1 volume lease file\(s\) stale/);
      assert.ok(Date.parse(h.fencedAt!) - lastTouchByA >= leaseMs, 'fenced only once A\'s lease file was a whole lease old');
      await eventually(async () => (statSync(leaseFile).mtimeMs > Date.parse(h.fencedAt!)) || null, 'the new host to hold (touch) the lease file');
      a.agent.restoreNetwork();
    } finally { await cloud.close(); rmSync(dir, { recursive: true, force: true }); }
  });

  test('an HA instance on a local disk is not restarted elsewhere, and the reason is recorded', async () => {
    const cloud = await startTestCloud({ hosts: 1, controller: { heartbeatIntervalMs: 500, hostDownAfterMs: 6000 } });
    try {
      await cloud.server.ctx.repos.db.updateTable('zones').set({ haLeaseMs: leaseMs, haFenceMarginMs: 1000 }).execute();
      const inst = await create(cloud, 'ha-local', { ha: true });
      await cloud.addHosts(1, 'spare');
      const aId = cloud.hosts[0]!.agent.hostId;
      cloud.hosts[0]!.agent.cutNetwork();
      await eventually(async () => (await kindsOf(cloud, inst.id)).includes('instance.ha-unprotected') || null, 'the unprotected event', 10_000);
      const events = await cloud.client.listAll<{ kind: string; message: string }>('events', { resourceId: inst.id });
      assert.match(events.find((e) => e.kind === 'instance.ha-unprotected')!.message, /local pool/);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await row(cloud, inst.id)).hostId, aId, 'not moved');
      cloud.hosts[0]!.agent.restoreNetwork();
    } finally { await cloud.close(); }
  });
});

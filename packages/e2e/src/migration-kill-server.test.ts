import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Instance, type InstanceMigrationRecord, type Operation } from '@kumo/api';
import { simulateHosts, type SimulatedHost } from '@kumo/agent';
import { ServerProcess, freePort } from './testing/server-process.ts';
import { provisionThroughApi as provision } from './testing/provision-cloud.ts';
import { eventually } from './testing/test-cloud.ts';

/**
 * The server killed -9 during a live migration, at each state the controller records: after the
 * restart it resumes from the database (re-attaching to the stream's job on the source by its key,
 * or finding the source 'paused (migrated)' and finishing the switch), and in the end exactly one
 * copy runs, on the host the database names, with nothing left on the others.
 */
test('kill -9 of the server mid-migration: exactly one copy runs and hostId is right', { timeout: 600_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumo-migkill-'));
  const srv = new ServerProcess(dataDir, await freePort());
  let hosts: SimulatedHost[] = [];
  try {
    await srv.start();
    const client = await srv.adminClient();
    const cloud = await provision(client);
    // Slow enough that the kill lands inside each state: a waiting copy takes 400 ms to set up, a memory pass 150 ms.
    hosts = await simulateHosts({ serverUrl: srv.url, token: cloud.joinToken, count: 3, cpus: 16, memoryMiB: 65536, delays: { start: 400, stop: 50, other: 50 } });
    for (const h of hosts) { h.driver.migrationFaults.passMs = 150; h.driver.migrationFaults.dirtyRatio = 0.6; }
    const created = await client.request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'survivor', zoneId: cloud.zoneId, imageId: cloud.imageId, offeringId: cloud.offeringId } });
    assert.equal(created.status, 'succeeded', created.message);
    const id = created.resourceId;
    const hostIdByName = new Map(hosts.map((h) => [h.name, h.agent.hostId]));

    for (const point of ['preparing', 'migrating'] as const) {
      const before = (await client.get<Instance>('instances', id)).hostId;
      const op = await client.request<Operation>('POST', `/api/v1/instances/${id}/migrate`, { body: {} });
      await eventually(async () => {
        const h = await client.request<{ items: InstanceMigrationRecord[] }>('GET', `/api/v1/instances/${id}/migrations`);
        return h.items[0]?.operationId === op.id && h.items[0].state === point;
      }, `the migration to reach ${point}`, 60_000);
      await srv.kill9();
      await srv.start();
      const done = await eventually(async () => {
        const o = await client.get<Operation>('operations', op.id);
        return ['succeeded', 'failed', 'cancelled'].includes(o.status) ? o : undefined;
      }, `the migration killed in ${point} to end after the restart`, 180_000);
      assert.equal(done.status, 'succeeded', `killed in ${point}: ${done.message}`);
      const inst = await client.get<Instance>('instances', id);
      assert.notEqual(inst.hostId, before, `killed in ${point}: it moved`);
      assert.equal(inst.task, null);
      const running = [];
      for (const h of hosts) if ((await h.driver.inspect(id)).power === 'running') running.push(h.name);
      assert.equal(running.length, 1, `killed in ${point}: exactly one copy runs (${running.join(', ')})`);
      assert.equal(hostIdByName.get(running[0]!), inst.hostId, `killed in ${point}: it runs where the database says`);
      const defined = hosts.filter((h) => h.driver.host.guests.has(id)).map((h) => h.name);
      assert.deepEqual(defined, running, `killed in ${point}: no copy is left on another host`);
    }
  } finally {
    await Promise.all(hosts.map((h) => h.agent.close()));
    await srv.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

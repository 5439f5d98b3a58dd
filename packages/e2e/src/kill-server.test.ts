import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Instance, type Operation } from '@kumo/api';
import { simulateHosts, type SimulatedHost } from '@kumo/agent';
import { ServerProcess, freePort } from './testing/server-process.ts';
import { provisionThroughApi as provision } from './testing/provision-cloud.ts';
import { eventually } from './testing/test-cloud.ts';

test('kill -9 of the server mid-operation loses, duplicates and strands nothing', { timeout: 240_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumo-kill-'));
  const srv = new ServerProcess(dataDir, await freePort());
  let hosts: SimulatedHost[] = [];
  try {
    await srv.start();
    const client = await srv.adminClient();
    const cloud = await provision(client);
    // Slow fake hypervisors, so that kills land while starts are in flight.
    hosts = await simulateHosts({ serverUrl: srv.url, token: cloud.joinToken, count: 3, cpus: 16, memoryMiB: 65536, delays: { start: 400, stop: 200, other: 100 } });

    const n = 24;
    const ops: Operation[] = [];
    for (let i = 0; i < n; i++) {
      ops.push(await client.create<Operation>('instances', { name: `vm${i}`, zoneId: cloud.zoneId, imageId: cloud.imageId, offeringId: cloud.offeringId }));
    }
    const hostIdByName = new Map(hosts.map((h) => [h.name, h.agent.hostId]));
    // Kill while the controller is mid-way, restart, and kill again.
    await new Promise((r) => setTimeout(r, 300));
    const unfinished = (await client.list<Operation>('operations', { limit: 1000 })).items.filter((o) => o.status === 'pending' || o.status === 'running').length;
    assert.ok(unfinished > 0, 'the kill lands while operations are in flight');
    await srv.kill9();
    await srv.start();
    await new Promise((r) => setTimeout(r, 900));
    await srv.kill9();
    await srv.start();

    const settled = async () => {
      const page = await client.list<Operation>('operations', { limit: 1000 });
      return page.items.every((o) => ['succeeded', 'failed', 'cancelled'].includes(o.status)) ? page.items : null;
    };
    const finished = await eventually(settled, 'all operations to end after the restarts', 120_000);
    assert.equal(finished.filter((o) => o.kind === 'instance.create').length, n, 'no operation lost');
    for (const o of finished) assert.equal(o.status, 'succeeded', `${o.kind} ${o.resourceId}: ${o.message}`);

    const instances = await client.listAll<Instance>('instances');
    assert.equal(instances.length, n, 'no instance lost or duplicated in the database');
    for (const inst of instances) {
      assert.equal(inst.phase, 'running', inst.name);
      assert.equal(inst.task, null, `${inst.name} is not stuck`);
      const runningOn = hosts.filter((h) => h.driver.host.guests.has(inst.id));
      assert.equal(runningOn.length, 1, `${inst.name} runs on exactly one host`);
      assert.equal(hostIdByName.get(runningOn[0]!.name), inst.hostId, `${inst.name} runs where the database says`);
    }
    assert.equal(hosts.reduce((s, h) => s + h.driver.runningCount(), 0), n, 'no stray guests');

    // Now delete half of them and kill during the deletes.
    const victims = instances.slice(0, n / 2);
    for (const v of victims) await client.request('DELETE', `/api/v1/instances/${v.id}`);
    await new Promise((r) => setTimeout(r, 100));
    const deleting = (await client.list<Operation>('operations', { limit: 1000, status: 'running' })).items.length
      + (await client.list<Operation>('operations', { limit: 1000, status: 'pending' })).items.length;
    assert.ok(deleting > 0, 'the second kill lands while deletes are in flight');
    await srv.kill9();
    await srv.start();
    await eventually(settled, 'deletes to finish after the restart', 120_000);
    const left = await client.listAll<Instance>('instances');
    assert.equal(left.length, n / 2);
    assert.equal(hosts.reduce((s, h) => s + h.driver.runningCount(), 0), n / 2, 'deleted guests are gone from the hosts');
    const hostRows = await client.listAll<{ cpuAllocated: number; memoryAllocatedMiB: number; instanceCount: number }>('hosts');
    assert.equal(hostRows.reduce((s, h) => s + h.cpuAllocated, 0), n / 2, 'capacity was released exactly once per deleted instance');
    assert.equal(hostRows.reduce((s, h) => s + h.memoryAllocatedMiB, 0), (n / 2) * 256);
  } finally {
    await Promise.all(hosts.map((h) => h.agent.close()));
    await srv.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

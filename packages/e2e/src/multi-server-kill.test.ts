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
import { freshPostgresDatabase } from './testing/fresh-postgres-database.ts';

const serverCount = 3;
const hostCount = 60;
const creates = 90;
const hostCpus = 4;

/**
 * [control-plane-ha] Three servers on one PostgreSQL, simulated hosts spread over them, creates
 * sent to all three; one server is killed -9 while they run. Its agents dial another server, its
 * shards are taken over when their leases end, and every operation finishes exactly once.
 */
test('three servers on PostgreSQL, kill -9 of one mid-way: nothing lost, doubled, stuck or over capacity; its agents move within 10 s', {
  timeout: 420_000,
}, async () => {
  const db = await freshPostgresDatabase('kumo_cpha');
  const dirs = Array.from({ length: serverCount }, () => mkdtempSync(join(tmpdir(), 'kumo-cpha-')));
  const servers: ServerProcess[] = [];
  let hosts: SimulatedHost[] = [];
  try {
    for (const dir of dirs) servers.push(new ServerProcess(dir, await freePort(), { KUMO_DATABASE_URL: db.url }));
    for (const s of servers) await s.start(); // one at a time: the first migrates and seeds; tsx compiles once

    const clients = await Promise.all(servers.map((s) => s.adminClient()));
    const cloud = await provision(clients[0]!);
    process.stdout.write('# servers up, cloud provisioned\n');
    hosts = await simulateHosts({
      serverUrl: servers[0]!.url, serverUrls: servers.map((s) => s.url), token: cloud.joinToken, count: hostCount,
      cpus: hostCpus, memoryMiB: 16384, delays: { start: 300, stop: 100, other: 50 }, connectBatch: 30, metrics: false,
    });
    process.stdout.write('# hosts connected\n');
    const victim = servers[1]!;
    const victimsAgents = hosts.filter((h) => h.agent.currentServerUrl() === victim.url);
    assert.ok(victimsAgents.length >= hostCount / serverCount - 1, `the hosts are spread over the servers (${victimsAgents.length} on the victim)`);

    // creates spread over the three servers, all at once
    const ops = await Promise.all(Array.from({ length: creates }, (_, i) => clients[i % serverCount]!.create<Operation>('instances', {
      name: `vm${i}`, zoneId: cloud.zoneId, imageId: cloud.imageId, offeringId: cloud.offeringId,
    })));
    assert.equal(new Set(ops.map((o) => o.resourceId)).size, creates);
    process.stdout.write('# creates accepted\n');
    const survivor = clients[0]!;
    const unfinished = async () => (await survivor.list<Operation>('operations', { limit: 1000 })).items.filter((o) => o.status === 'pending' || o.status === 'running').length;
    assert.ok(await unfinished() > 0, 'the kill lands while operations are in flight');
    await victim.kill9();
    const killedAt = Date.now();

    // its agents reconnect to another server within 10 s
    await Promise.all(victimsAgents.map((h) => eventually(async () => h.agent.hostId !== null && h.agent.currentServerUrl() !== victim.url, `${h.name} to reconnect`, 10_000)));
    const reconnectMs = Date.now() - killedAt;
    assert.ok(reconnectMs <= 10_000, `agents reconnected in ${reconnectMs} ms`);

    const settled = async () => {
      const page = await survivor.list<Operation>('operations', { limit: 1000 });
      return page.items.every((o) => ['succeeded', 'failed', 'cancelled'].includes(o.status)) ? page.items : null;
    };
    const finished = await eventually(settled, 'every operation to end after the kill', 180_000);
    const finishedMs = Date.now() - killedAt;
    assert.equal(finished.filter((o) => o.kind === 'instance.create').length, creates, 'no operation lost');
    for (const o of finished) assert.equal(o.status, 'succeeded', `${o.kind} ${o.resourceId}: ${o.message}`);

    const instances = await survivor.listAll<Instance>('instances');
    assert.equal(instances.length, creates, 'no instance lost or duplicated');
    const hostIdByName = new Map(hosts.map((h) => [h.name, h.agent.hostId]));
    for (const inst of instances) {
      assert.equal(inst.phase, 'running', inst.name);
      assert.equal(inst.task, null, `${inst.name} is not stuck`);
      const runningOn = hosts.filter((h) => h.driver.host.guests.has(inst.id));
      assert.equal(runningOn.length, 1, `${inst.name} runs on exactly one host`);
      assert.equal(hostIdByName.get(runningOn[0]!.name), inst.hostId, `${inst.name} runs where the database says`);
    }
    for (const h of hosts) assert.ok(h.driver.runningCount() <= hostCpus, `${h.name} runs ${h.driver.runningCount()} guests on ${hostCpus} cpus`);
    const hostRows = await survivor.listAll<{ name: string; cpus: number; cpuAllocated: number }>('hosts');
    for (const h of hostRows) assert.ok(h.cpuAllocated <= h.cpus, `${h.name} is over capacity: ${h.cpuAllocated}/${h.cpus}`);
    assert.equal(hostRows.reduce((s, h) => s + h.cpuAllocated, 0), creates, 'capacity taken exactly once per instance');
    process.stdout.write(`# multi-server kill: ${victimsAgents.length} agents reconnected in ${reconnectMs} ms; all ${creates} creates done ${finishedMs} ms after the kill\n`);
  } catch (e) {
    for (const [i, s] of servers.entries()) {
      const errors = s.output.split('\n').filter((l) => /"level":(50|60)/.test(l)).slice(-5);
      if (errors.length) process.stdout.write(`# server ${i} errors:\n${errors.map((l) => `#   ${l.slice(0, 1500)}`).join('\n')}\n`);
    }
    throw e;
  } finally {
    await Promise.all(hosts.map((h) => h.agent.close()));
    for (const s of servers) await s.stop();
    await db.drop().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});


import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instance, Operation } from '@kumo/api';
import { AgentClient, FakeDriver, FakeVolumeManager } from '@kumo/agent';
import { AgentCallError } from '@kumo/server';
import { startTestCloud, eventually, type TestCloud } from './testing/test-cloud.ts';
import { AgentClientV1 } from './testing/agent-client-v1.ts';

const create = async (cloud: TestCloud, name: string): Promise<Instance> => {
  const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
    query: { wait: true }, body: { name, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
  });
  assert.equal(op.status, 'succeeded', op.message);
  return cloud.client.get<Instance>('instances', op.resourceId);
};

const generationOf = async (cloud: TestCloud, hostId: string): Promise<number> =>
  (await cloud.server.ctx.repos.db.selectFrom('hosts').select('generation').where('id', '=', hostId).executeTakeFirstOrThrow()).generation;

test('an agent speaking protocol 1 works against this server for every method protocol 1 knows', async () => {
  const cloud = await startTestCloud({ hosts: 0 });
  const driver = new FakeDriver({ hostname: 'old-agent' });
  const v1 = new AgentClientV1({ serverUrl: cloud.url, token: cloud.joinToken, hostName: 'old-agent', address: '127.0.0.1', driver, volumes: new FakeVolumeManager('/var/lib/kumo/old') });
  v1.start();
  try {
    await v1.connected();
    const host = await cloud.server.ctx.repos.db.selectFrom('hosts').selectAll().where('name', '=', 'old-agent').executeTakeFirstOrThrow();
    assert.equal(host.protocol, 1);
    assert.deepEqual(JSON.parse(host.capabilities ?? '[]'), ['save-restore', 'pause', 'serial-console'], 'what protocol-1 agents could do');
    let inst = await create(cloud, 'on-v1');
    assert.equal(inst.hostId, host.id);
    assert.equal((await driver.inspect(inst.id)).power, 'running');
    for (const [action, phase] of [['stop', 'stopped'], ['start', 'running'], ['reboot', 'running'], ['pause', 'paused'], ['resume', 'running'], ['save', 'saved'], ['restore', 'running']] as const) {
      const o = await cloud.client.request<Operation>('POST', `/api/v1/instances/${inst.id}/${action}`, { query: { wait: true }, body: {} });
      assert.equal(o.status, 'succeeded', `${action}: ${o.message}`);
      inst = await cloud.client.get<Instance>('instances', inst.id);
      assert.equal(inst.phase, phase, action);
    }
    const log = await cloud.client.requestText('GET', `/api/v1/instances/${inst.id}/console/log`);
    assert.match(log, /KUMO-BOOT-OK/, 'consoleLog (a base64 string result) is understood');
    const inspect = await cloud.server.ctx.gateway.call(host.id, 'instance.inspect', { instanceId: inst.id }, 5000);
    assert.equal(inspect.power, 'running', 'typed result from a v1 agent');
    await assert.rejects(cloud.server.ctx.gateway.call(host.id, 'job.cancel', { jobId: 'job-x' }, 5000),
      (e: AgentCallError) => e.code === 'unsupported_by_agent' && /protocol 1/.test(e.message), 'methods v1 lacks are refused before sending');
    const del = await cloud.client.request<Operation>('DELETE', `/api/v1/instances/${inst.id}`, { query: { wait: true } });
    assert.equal(del.status, 'succeeded');
    assert.equal((await driver.list()).length, 0);
  } finally {
    await v1.close();
    await cloud.close();
  }
});

test('fencing: every registration gets a new generation; reports of an older one are ignored', async () => {
  const cloud = await startTestCloud({ hosts: 1 });
  try {
    const h = cloud.hosts[0]!;
    const hostId = h.agent.hostId!;
    const g1 = await generationOf(cloud, hostId);
    assert.equal(h.agent.generation, g1, 'the welcome told the agent its generation');
    h.agent.dropConnection();
    await eventually(async () => (h.agent.isConnected() && h.agent.generation === g1 + 1) || null, 'the agent to re-register');
    assert.equal(await generationOf(cloud, hostId), g1 + 1);

    const inst = await create(cloud, 'fenced-1');
    const staleBefore = cloud.server.ctx.gateway.staleReports;
    h.agent.generation = g1; // a report made under the previous registration
    h.driver.guestPoweroff(inst.id);
    await eventually(async () => cloud.server.ctx.gateway.staleReports > staleBefore || null, 'the stale report to be counted');
    assert.equal((await cloud.client.get<Instance>('instances', inst.id)).phase, 'running', 'the stale report changed nothing');
    // The same fact reported under the current registration (the inventory of the next hello) counts.
    h.agent.dropConnection();
    await eventually(async () => (await cloud.client.get<Instance>('instances', inst.id)).phase === 'stopped' || null, 'the current report to count');
    assert.equal(h.agent.generation, g1 + 2);
  } finally {
    await cloud.close();
  }
});

test('a host declared down that returns re-registers and destroys the guests that were started elsewhere meanwhile', async () => {
  const cloud = await startTestCloud({ hosts: 2, controller: { heartbeatIntervalMs: 200, hostDownAfterMs: 3000 } });
  let revived: AgentClient | null = null;
  try {
    const inst = await create(cloud, 'moved-1');
    const a = cloud.hosts.find((x) => x.agent.hostId === inst.hostId)!;
    const b = cloud.hosts.find((x) => x !== a)!;
    const aId = a.agent.hostId!;
    const gBefore = await generationOf(cloud, aId);
    const token = a.agent.currentToken();
    a.agent.kill(); // the host vanishes; its guest keeps running there (the driver still has it)
    await eventually(async () => (await cloud.client.get<{ state: string }>('hosts', aId)).state === 'down' || null, 'host A to be down', 10_000);
    // What HA does: the instance is rebound to B and started there.
    await cloud.server.ctx.repos.db.updateTable('instances').set({ hostId: b.agent.hostId!, phase: 'stopped', version: inst.version + 50 }).where('id', '=', inst.id).execute();
    cloud.server.ctx.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    await eventually(async () => (await b.driver.inspect(inst.id)).power === 'running' || null, 'the guest to run on B');
    assert.equal((await a.driver.inspect(inst.id)).power, 'running', 'the old copy still runs on A while A is away');

    revived = new AgentClient({ serverUrl: cloud.url, token, hostName: a.name, address: '127.0.0.1', driver: a.driver, volumes: a.volumes });
    revived.start();
    await revived.connected();
    assert.equal(revived.generation, gBefore + 1, 'A re-registered under a new generation');
    await eventually(async () => (await a.driver.inspect(inst.id)).reason === 'not defined' || null, 'the copy on A to be destroyed');
    assert.equal((await b.driver.inspect(inst.id)).power, 'running', 'B\'s copy runs on');
    const after = await cloud.client.get<Instance>('instances', inst.id);
    assert.equal(after.hostId, b.agent.hostId);
    assert.equal(after.phase, 'running');
    const events = await cloud.client.list<{ kind: string }>('events', { resourceId: inst.id, limit: 100 });
    assert.ok(events.items.some((e) => e.kind === 'instance.stray'));
  } finally {
    await revived?.close();
    await cloud.close();
  }
});

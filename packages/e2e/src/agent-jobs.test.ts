import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type Instance, type Operation } from '@kumo/api';
import { AgentClient, FakeVolumeManager } from '@kumo/agent';
import { SteppedSaveDriver } from '@kumo/agent/testing';
import { startTestCloud, eventually, type TestCloud } from './testing/test-cloud.ts';

/**
 * Agent protocol v2 through the whole cloud: instance saves run as jobs on the host, their progress
 * shows in the operation, a cancel undoes them, a dropped link neither restarts nor loses them, and
 * actions a host cannot do are refused by the API before anything is asked of it.
 */
describe('agent jobs and capabilities over the real agent protocol', () => {
  let cloud: TestCloud;
  let driver: SteppedSaveDriver;
  let agent: AgentClient;
  const extraAgents: AgentClient[] = [];

  async function addHost(name: string, d: SteppedSaveDriver): Promise<AgentClient> {
    const a = new AgentClient({
      serverUrl: cloud.url, token: cloud.joinToken, hostName: name, address: '127.0.0.1', driver: d, volumes: new FakeVolumeManager(`/var/lib/kumo/${name}`),
      reconnect: { minMs: 50, maxMs: 200 },
    });
    a.start();
    await a.connected();
    extraAgents.push(a);
    return a;
  }

  before(async () => {
    cloud = await startTestCloud({ hosts: 0 });
    driver = new SteppedSaveDriver('slow-saver', 40, 25); // a save takes about a second
    agent = await addHost('slow-saver', driver);
  });
  after(async () => {
    await Promise.all(extraAgents.map((a) => a.close()));
    await cloud.close();
  });

  const createOn = async (name: string, hostName: string): Promise<Instance> => {
    const host = await cloud.client.list<{ id: string; name: string }>('hosts', { name: hostName });
    const others = (await cloud.client.list<{ id: string; name: string }>('hosts', {})).items.filter((h) => h.name !== hostName);
    for (const h of others) await cloud.server.ctx.repos.db.updateTable('hosts').set({ adminState: 'disabled' }).where('id', '=', h.id).execute();
    try {
      const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
        query: { wait: true }, body: { name, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
      });
      assert.equal(op.status, 'succeeded', op.message);
      const inst = await cloud.client.get<Instance>('instances', op.resourceId);
      assert.equal(inst.hostId, host.items[0]!.id);
      return inst;
    } finally {
      for (const h of others) await cloud.server.ctx.repos.db.updateTable('hosts').set({ adminState: 'enabled' }).where('id', '=', h.id).execute();
    }
  };
  const act = (id: string, action: string) => cloud.client.request<Operation>('POST', `/api/v1/instances/${id}/${action}`, { body: {} });

  test('a save runs as a job: its progress shows in the operation, then it succeeds once', async () => {
    const inst = await createOn('saver-1', 'slow-saver');
    const before = driver.saves;
    const op = await act(inst.id, 'save');
    const seen = await eventually(async () => {
      const o = await cloud.client.get<Operation>('operations', op.id);
      return o.progressDetail && (o.progressDetail.bytesDone ?? 0) > 0 ? o : null;
    }, 'progress in the operation');
    assert.equal(seen.progressDetail?.phase, 'saving memory');
    assert.equal(seen.progressDetail?.bytesTotal, 40 * 1_048_576);
    assert.match(seen.message, /saving memory \(\d+\.\d of 40\.0 MiB\)/);
    const final = await cloud.client.waitOperation(op.id, { timeoutMs: 20_000 });
    assert.equal(final.status, 'succeeded', final.message);
    assert.equal((await cloud.client.get<Instance>('instances', inst.id)).phase, 'saved');
    assert.equal(driver.saves - before, 1, 'the host did the work once');
  });

  test('cancelling a save: the job stops, the guest runs on, the operation ends cancelled', async () => {
    const inst = await createOn('saver-2', 'slow-saver');
    const op = await act(inst.id, 'save');
    await eventually(async () => (await cloud.client.get<Operation>('operations', op.id)).progressDetail, 'the job to be under way');
    const asked = await cloud.client.request<Operation>('POST', `/api/v1/operations/${op.id}/cancel`);
    assert.ok(asked.cancelRequestedAt, 'the cancel request is recorded');
    const final = await cloud.client.waitOperation(op.id, { timeoutMs: 20_000 });
    assert.equal(final.status, 'cancelled', final.message);
    const after = await cloud.client.get<Instance>('instances', inst.id);
    assert.equal(after.phase, 'running');
    assert.equal(after.desired, 'running');
    assert.equal(after.task, null);
    assert.equal((await driver.inspect(inst.id)).power, 'running', 'the guest runs on the host');
    await assert.rejects(cloud.client.request('POST', `/api/v1/operations/${op.id}/cancel`), (e: ApiError) => e.code === 'not_cancellable');
  });

  test('an operation whose work cannot be undone is not cancellable', async () => {
    const inst = await createOn('saver-3', 'slow-saver');
    const op = await act(inst.id, 'reboot');
    await assert.rejects(cloud.client.request('POST', `/api/v1/operations/${op.id}/cancel`), (e: ApiError) => e.code === 'not_cancellable' || e.code === 'conflict');
    await cloud.client.waitOperation(op.id);
  });

  test('the link drops in the middle of a save: the job runs on, the server re-attaches, the save happens once', async () => {
    const inst = await createOn('saver-4', 'slow-saver');
    const before = driver.saves;
    const op = await act(inst.id, 'save');
    await eventually(async () => (await cloud.client.get<Operation>('operations', op.id)).progressDetail, 'the job to be under way');
    agent.dropConnection();
    const final = await cloud.client.waitOperation(op.id, { timeoutMs: 30_000 });
    assert.equal(final.status, 'succeeded', final.message);
    assert.equal((await cloud.client.get<Instance>('instances', inst.id)).phase, 'saved');
    assert.equal(driver.saves - before, 1, 'not restarted');
  });

  test('an action the host cannot do is refused with 409 capability_missing, and nothing is asked of the host', async () => {
    const limited = new SteppedSaveDriver('no-save', 1, 20, ['pause', 'serial-console']);
    await addHost('no-save', limited);
    const inst = await createOn('limited-1', 'no-save');
    const opsBefore = (await cloud.client.list<Operation>('operations', { resourceId: inst.id })).items.length;
    await assert.rejects(act(inst.id, 'save'), (e: ApiError) => {
      assert.equal(e.code, 'capability_missing');
      assert.match(e.message, /save-restore/);
      assert.deepEqual((e.details as { capability: string }).capability, 'save-restore');
      return true;
    });
    assert.equal(limited.saves, 0);
    assert.equal((await cloud.client.list<Operation>('operations', { resourceId: inst.id })).items.length, opsBefore, 'no operation was created');
    const pause = await cloud.client.waitOperation((await act(inst.id, 'pause')).id);
    assert.equal(pause.status, 'succeeded', 'what it can do still works');
  });
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type Instance, type Operation } from '@kumo/api';
import { startTestCloud, eventually, type TestCloud } from './testing/test-cloud.ts';

describe('instance lifecycle against fake hosts over the real agent protocol', () => {
  let cloud: TestCloud;
  before(async () => { cloud = await startTestCloud({ hosts: 2 }); });
  after(async () => { await cloud.close(); });

  const create = (name: string, extra: Record<string, unknown> = {}) => cloud.client.request<Operation>('POST', '/api/v1/instances', {
    query: { wait: true },
    body: { name, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, ...extra },
  });

  test('create → running, stop, start, reboot, pause, resume, delete', async () => {
    const op = await create('web-1');
    assert.equal(op.status, 'succeeded', op.message);
    assert.equal(op.kind, 'instance.create');
    let inst = await cloud.client.get<Instance>('instances', op.resourceId);
    assert.equal(inst.phase, 'running');
    assert.equal(inst.task, null);
    assert.ok(inst.hostId);
    const host = cloud.hosts.find((h) => h.agent.hostId === inst.hostId)!;
    assert.equal((await host.driver.inspect(inst.id)).power, 'running', 'the fake hypervisor really runs it');

    for (const [action, phase, power] of [['stop', 'stopped', 'stopped'], ['start', 'running', 'running'], ['reboot', 'running', 'running'], ['pause', 'paused', 'paused'], ['resume', 'running', 'running'], ['save', 'saved', 'saved'], ['restore', 'running', 'running'], ['save', 'saved', 'saved'], ['stop', 'stopped', 'stopped'], ['start', 'running', 'running']] as const) {
      const o = await cloud.client.request<Operation>('POST', `/api/v1/instances/${inst.id}/${action}`, { query: { wait: true }, body: {} });
      assert.equal(o.status, 'succeeded', `${action}: ${o.message}`);
      inst = await cloud.client.get<Instance>('instances', inst.id);
      assert.equal(inst.phase, phase, action);
      assert.equal((await host.driver.inspect(inst.id)).power, power, action);
      assert.equal(inst.observed.power, power, `${action}: observed follows the host's reply`);
    }
    const del = await cloud.client.request<Operation>('DELETE', `/api/v1/instances/${inst.id}`, { query: { wait: true } });
    assert.equal(del.status, 'succeeded');
    await assert.rejects(cloud.client.get('instances', inst.id), (e: ApiError) => e.code === 'not_found');
    assert.equal((await host.driver.inspect(inst.id)).reason, 'not defined', 'nothing left on the host');
    assert.equal(host.volumes.count(), 0, 'the root volume was deleted on the host');
    const h = await cloud.client.get<{ cpuAllocated: number; memoryAllocatedMiB: number }>('hosts', host.agent.hostId!);
    assert.equal(h.cpuAllocated, 0, 'capacity released');
    assert.equal(h.memoryAllocatedMiB, 0);
  });

  test('an action not allowed in the current phase is a 409 with the reason', async () => {
    const op = await create('web-2');
    const id = op.resourceId;
    await assert.rejects(cloud.client.instanceAction(id, 'resume'), (e: ApiError) => {
      assert.equal(e.code, 'invalid_state');
      assert.match(e.message, /cannot resume an instance that is running/);
      return true;
    });
    await cloud.client.request('DELETE', `/api/v1/instances/${id}`, { query: { wait: true } });
  });

  test('a second action while one is in progress is refused as busy', async () => {
    const slow = await startTestCloud({ hosts: 1, delays: { stop: 400 } });
    try {
      const op = await slow.client.request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'busy', zoneId: slow.defaults.zoneId, imageId: slow.imageId, offeringId: slow.defaults.offeringIds.small } });
      await slow.client.instanceAction(op.resourceId, 'stop');
      await assert.rejects(slow.client.instanceAction(op.resourceId, 'start'), (e: ApiError) => e.code === 'instance_busy' || e.code === 'invalid_state');
    } finally { await slow.close(); }
  });

  test('racing writers: of concurrent actions on one instance exactly one wins, the others get 409', async () => {
    const op = await create('racer');
    const id = op.resourceId;
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => cloud.client.instanceAction(id, 'stop')));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1, 'one stop is accepted');
    for (const l of lost) {
      const e = l.reason as ApiError;
      assert.equal(e.status, 409, String(e));
      assert.ok(['conflict', 'instance_busy', 'invalid_state'].includes(e.code), e.code);
    }
    await cloud.client.waitOperation((won[0] as PromiseFulfilledResult<Operation>).value.id);
    assert.equal((await cloud.client.get<Instance>('instances', id)).phase, 'stopped');
    const ops = await cloud.client.listAll<Operation>('operations', { resourceId: id });
    assert.equal(ops.filter((o) => o.kind === 'instance.stop').length, 1, 'only the winner left an operation');
  });

  test('an Idempotency-Key makes a retried create return the same operation', async () => {
    const body = { name: 'idem-1', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small };
    const a = await cloud.client.create<Operation>('instances', body, { 'idempotency-key': 'retry-me' });
    const b = await cloud.client.create<Operation>('instances', body, { 'idempotency-key': 'retry-me' });
    assert.equal(a.id, b.id);
    await assert.rejects(cloud.client.create('instances', { ...body, name: 'idem-2' }, { 'idempotency-key': 'retry-me' }), (e: ApiError) => e.code === 'idempotency_mismatch');
    const list = await cloud.client.listAll<Instance>('instances', { name: 'idem-1' });
    assert.equal(list.length, 1);
    await cloud.client.waitOperation(a.id);
  });

  test('a start failure puts the instance in error with the hypervisor\'s message', async () => {
    for (const h of cloud.hosts) h.driver.failNextStart('qemu-system-x86_64: -drive file=/missing.qcow2: Could not open');
    const op = await create('broken');
    assert.equal(op.status, 'failed');
    assert.match(op.error?.message ?? '', /Could not open/);
    const inst = await cloud.client.get<Instance>('instances', op.resourceId);
    assert.equal(inst.phase, 'error');
    assert.match(inst.errorReason ?? '', /Could not open/);
    // a user's start retries it, and this time the host starts it
    for (const h of cloud.hosts) h.driver.clearFaults('start');
    const retry = await cloud.client.request<Operation>('POST', `/api/v1/instances/${inst.id}/start`, { query: { wait: true }, body: {} });
    assert.equal(retry.status, 'succeeded', retry.message);
    assert.equal((await cloud.client.get<Instance>('instances', inst.id)).phase, 'running');
  });

  test('a guest that powers itself off is observed stopped, and stays stopped', async () => {
    const op = await create('self-off');
    const inst = await cloud.client.get<Instance>('instances', op.resourceId);
    const host = cloud.hosts.find((h) => h.agent.hostId === inst.hostId)!;
    host.driver.guestPoweroff(inst.id);
    const after = await eventually(async () => {
      const i = await cloud.client.get<Instance>('instances', inst.id);
      return i.phase === 'stopped' ? i : null;
    }, 'instance observed stopped');
    assert.equal(after.desired, 'stopped');
    assert.equal(after.observed.power, 'stopped');
  });

  test('a crashed guest that should run is started again', async () => {
    const op = await create('crashy');
    const inst = await cloud.client.get<Instance>('instances', op.resourceId);
    const host = cloud.hosts.find((h) => h.agent.hostId === inst.hostId)!;
    host.driver.guestCrash(inst.id);
    await eventually(async () => (await host.driver.inspect(inst.id)).power === 'running', 'restart after crash');
    const i = await cloud.client.get<Instance>('instances', inst.id);
    assert.equal(i.desired, 'running');
  });

  test('placement failure says which filter removed how many hosts', async () => {
    const huge = await cloud.client.create<{ id: string }>('offerings', { name: 'huge', vcpus: 64, memoryMiB: 1024, rootDiskGiB: 1 });
    const op = await create('too-big', { offeringId: huge.id });
    assert.equal(op.status, 'failed');
    assert.equal(op.error?.code, 'no_capacity');
    assert.match(op.error?.message ?? '', /cpu removed 2/);
  });
});

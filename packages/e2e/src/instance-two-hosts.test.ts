import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PowerState } from '@kumo/core';
import type { Instance, Operation } from '@kumo/api';
import { startTestCloud } from './testing/test-cloud.ts';

/**
 * An instance on two hosts while it moves (docs/operators.md, "An instance on two hosts"): the copy on
 * hostId may run; the copy on targetHostId is kept only while it waits (incoming or paused); every
 * other copy is destroyed. Fake hosts over the real agent protocol (the destroys go to the agents);
 * each host's report is applied and awaited, so the order of reports is the test's.
 */
test('inventory sync keeps a waiting copy on the target host and destroys every other copy', async () => {
  const cloud = await startTestCloud({ hosts: 3 });
  try {
    const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true }, body: { name: 'mover', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
    });
    assert.equal(op.status, 'succeeded', op.message);
    const id = op.resourceId;
    const sourceId = (await cloud.client.get<Instance>('instances', id)).hostId!;
    const [source, target, third] = [
      cloud.hosts.find((h) => h.agent.hostId === sourceId)!,
      ...cloud.hosts.filter((h) => h.agent.hostId !== sourceId),
    ];
    assert.ok(source && target && third);
    const db = cloud.server.ctx.repos.db;
    const setTarget = (hostId: string | null) => db.updateTable('instances').set({ targetHostId: hostId }).where('id', '=', id).execute();
    /** A copy appears on `host` in `power`, and the host's report of it is folded in. */
    const report = async (host: typeof target, power: PowerState) => {
      host.driver.copyFrom(source.driver, id, power);
      await cloud.server.controller.inventory.apply(host.agent.hostId!, [{ instanceId: id, power }], false);
    };
    const powerOn = async (host: typeof target) => (await host.driver.inspect(id)).power;
    const defined = async (host: typeof target) => (await host.driver.inspect(id)).reason !== 'not defined';

    await setTarget(target.agent.hostId!);
    await report(target, 'incoming');
    assert.equal(await powerOn(target), 'incoming', 'an incoming copy on the target is expected, not a stray');
    await report(target, 'paused');
    assert.equal(await powerOn(target), 'paused', 'a paused copy on the target is kept too');
    let inst = await cloud.client.get<Instance>('instances', id);
    assert.equal(inst.hostId, sourceId, 'the database says the source copy is the one that runs');
    assert.equal(inst.observed.power, 'running', 'observed describes the copy on hostId, not the waiting one');
    assert.equal(await powerOn(source), 'running');

    // A copy on a third host is a stray even during a move.
    await report(third, 'incoming');
    assert.equal(await defined(third), false, 'a copy on neither host is destroyed');

    // Only one copy may run: a running copy on the target loses to the source named by hostId.
    await report(target, 'running');
    assert.equal(await defined(target), false, 'the running copy on the target is destroyed');
    assert.equal(await powerOn(source), 'running', 'the source copy keeps running');
    const events = await cloud.client.listAll<{ kind: string; message: string }>('events', { resourceId: id });
    assert.ok(events.some((e) => e.kind === 'instance.stray' && /may only wait, incoming or paused/.test(e.message)), 'the event says why');

    // The move is called off: the target is cleared, and its copy becomes a stray at its next report.
    await report(target, 'incoming');
    assert.equal(await powerOn(target), 'incoming');
    await setTarget(null);
    await report(target, 'incoming');
    assert.equal(await defined(target), false, 'with no target, the copy there is destroyed');
    inst = await cloud.client.get<Instance>('instances', id);
    assert.equal(inst.phase, 'running');
    assert.equal(await powerOn(source), 'running', 'exactly one copy ran throughout');
  } finally { await cloud.close(); }
});

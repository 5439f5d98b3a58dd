import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeDriverCapabilities, FakeDriver } from '@kumo/driver-fake';
import { AgentClient, FakeVolumeManager } from '@kumo/agent';
import type { DiskSpec } from '@kumo/core';
import type { Operation, Volume } from '@kumo/api';
import { startTestCloud, eventually } from './testing/test-cloud.ts';

/**
 * A fake host that hot-plugs disks: it keeps the disks of its guests by volume id (plugging the
 * same disk again is a no-op, as the driver contract says) and can hold the next plug, so that its
 * agent can be killed while the attach is in flight.
 */
class PluggingDriver extends FakeDriver {
  readonly disks = new Map<string, DiskSpec>();
  plugs = 0;
  private hold: Promise<void> | null = null;
  constructor(hostname: string) { super({ hostname, capabilities: [...fakeDriverCapabilities, 'hot-attach-disk'] }); }
  holdNextPlug(): void { this.hold = new Promise<void>(() => undefined); } // never released: the agent dies first
  override async attachDisk(instanceId: string, disk: DiskSpec): Promise<void> {
    this.plugs++;
    const hold = this.hold;
    this.hold = null;
    if (hold) await hold;
    this.disks.set(`${instanceId}/${disk.volumeId}`, disk);
  }
}

test('the agent killed -9 during an attach: the volume waits in a stated phase, and once the agent is back the attach finishes, once', { timeout: 120_000 }, async () => {
  const cloud = await startTestCloud({ hosts: 0, controller: { heartbeatIntervalMs: 200 } });
  const driver = new PluggingDriver('plugger');
  const volumes = new FakeVolumeManager('/var/lib/kumo/plugger');
  const agent = new AgentClient({ serverUrl: cloud.url, token: cloud.joinToken, hostName: 'plugger', address: '127.0.0.1', driver, volumes });
  let again: AgentClient | null = null;
  try {
    agent.start();
    await agent.connected();
    const vm = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true }, body: { name: 'vm', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
    });
    assert.equal(vm.status, 'succeeded', vm.message);
    const created = await cloud.client.request<Operation>('POST', '/api/v1/volumes', { query: { wait: true }, body: { name: 'data', zoneId: cloud.defaults.zoneId, sizeGiB: 2 } });
    assert.equal(created.status, 'succeeded', created.message);
    const volumeId = created.resourceId;

    driver.holdNextPlug();
    const attach = await cloud.client.request<Operation>('POST', `/api/v1/volumes/${volumeId}/attach`, { body: { instanceId: vm.resourceId } });
    await eventually(async () => driver.plugs === 1, 'the plug reached the driver');
    agent.kill(); // the agent dies mid-attach: no reply, no goodbye

    const waiting = await eventually(async () => {
      const v = await cloud.client.request<Volume>('GET', `/api/v1/volumes/${volumeId}`);
      return v.task === 'attaching' ? v : null;
    }, 'the volume shows that it is being attached');
    assert.equal(waiting.instanceId, null, 'not attached until a host confirmed it');
    assert.equal(waiting.phase, 'ready');
    const op = await cloud.client.request<Operation>('GET', `/api/v1/operations/${attach.id}`);
    assert.ok(op.status === 'running' || op.status === 'pending', `the operation waits for the host (${op.status}: ${op.message})`);

    // The agent comes back (same host, its guest still running): the attach is asked again and completes.
    again = new AgentClient({ serverUrl: cloud.url, token: agent.currentToken(), hostName: 'plugger', address: '127.0.0.1', driver, volumes });
    again.start();
    await again.connected();
    const done = await cloud.client.waitOperation(attach.id);
    assert.equal(done.status, 'succeeded', done.message);
    const v = await cloud.client.request<Volume>('GET', `/api/v1/volumes/${volumeId}`);
    assert.equal(v.instanceId, vm.resourceId);
    assert.equal(v.pciSlot, 0x11);
    assert.equal(v.task, null);
    assert.equal(driver.plugs, 2, 'asked once more after the agent came back, not more');
    assert.equal(driver.disks.get(`${vm.resourceId}/${volumeId}`)?.pciSlot, 0x11, 'plugged at the slot the volume keeps');
  } finally {
    agent.kill();
    await again?.close();
    await cloud.close();
  }
});

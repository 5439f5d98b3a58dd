import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instance, Operation } from '@kumo/api';
import { AgentClient } from '@kumo/agent';
import { startTestCloud, eventually } from './testing/test-cloud.ts';

/** Failure injection with the fake driver: hung starts, crashed and rebooted hosts. */
describe('host failures', () => {
  test('a start that hangs times out, is retried, then ends in error with the reason', async () => {
    const cloud = await startTestCloud({
      hosts: 1,
      controller: { timeouts: { startMs: 300, stopGraceExtraMs: 1000, quickMs: 2000, provisionMs: 2000 }, maxRetries: 2, baseBackoffMs: 50, maxBackoffMs: 100 },
    });
    try {
      const h = cloud.hosts[0]!;
      for (let i = 0; i < 3; i++) h.driver.hangNextStart();
      const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
        query: { wait: true, waitTimeoutSec: 30 },
        body: { name: 'hangs', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
      });
      assert.equal(op.status, 'failed');
      assert.match(op.error?.message ?? '', /did not finish instance\.start within/);
      const inst = await cloud.client.get<Instance>('instances', op.resourceId);
      assert.equal(inst.phase, 'error');
      assert.equal(inst.task, null, 'not stuck in starting');
    } finally { await cloud.close(); }
  });

  test('a crashed host goes disconnected then down; when it comes back empty, its instances are started again', async () => {
    const cloud = await startTestCloud({ hosts: 1, controller: { heartbeatIntervalMs: 100, hostDownAfterMs: 600 } });
    try {
      const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
        query: { wait: true }, body: { name: 'survivor', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
      });
      assert.equal(op.status, 'succeeded');
      const h = cloud.hosts[0]!;
      const hostId = h.agent.hostId!;
      h.agent.kill(); // the machine dies: no goodbye
      await eventually(async () => (await cloud.client.get<{ state: string }>('hosts', hostId)).state === 'disconnected', 'host disconnected');
      await eventually(async () => (await cloud.client.get<{ state: string }>('hosts', hostId)).state === 'down', 'host down');
      const events = await cloud.client.listAll<{ kind: string; resourceId: string }>('events', { resourceId: hostId });
      assert.ok(events.some((e) => e.kind === 'host.down'));

      // It reboots: same host, hypervisor empty. The agent rejoins with its host token.
      h.driver.wipe();
      const again = new AgentClient({ serverUrl: cloud.url, token: h.agent.currentToken(), hostName: h.name, address: '198.18.0.1', driver: h.driver, volumes: h.volumes });
      again.start();
      try {
        await again.connected();
        assert.equal(again.hostId, hostId, 'the same host record');
        await eventually(async () => (await h.driver.inspect(op.resourceId)).power === 'running', 'instance started again on the rebooted host');
        const inst = await cloud.client.get<Instance>('instances', op.resourceId);
        assert.equal(inst.desired, 'running');
        await eventually(async () => (await cloud.client.get<Instance>('instances', op.resourceId)).phase === 'running', 'phase running');
        // Liveness arrives over the wire: on a loaded machine a 100 ms heartbeat can be late, and the
        // host monitor then shows `disconnected` until the next beat brings it back up.
        await eventually(async () => (await cloud.client.get<{ state: string }>('hosts', hostId)).state === 'up', 'host up again');
      } finally { await again.close(); }
    } finally { await cloud.close(); }
  });
});

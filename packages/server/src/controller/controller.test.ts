import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FakeClock, newId } from '@kumo/core';
import { createRepos, openDatabase, type Repos } from '@kumo/db';
import { seedAccount, seedInfrastructure } from '@kumo/db/testing';
import { AgentGateway } from '../gateway/agent-gateway.ts';
import { EventLog } from '../services/event-log.ts';
import { Notifier } from '../services/notifier.ts';
import { OperationService } from '../services/operation-service.ts';
import { Controller, defaultControllerOptions } from './controller.ts';
import { parseWorkKey, workKey } from './reconciler.ts';

async function withController(fn: (c: { controller: Controller; repos: Repos; ops: OperationService; infra: Awaited<ReturnType<typeof seedInfrastructure>>; accountId: string }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-ctl-'));
  const h = await openDatabase({ dataDir: dir });
  const clock = new FakeClock(Date.UTC(2026, 11, 7));
  const log = pino({ level: 'silent' });
  const repos = createRepos(h.db);
  const notifier = new Notifier();
  const events = new EventLog(repos, clock, notifier);
  const ops = new OperationService(repos, clock, notifier);
  const gateway = new AgentGateway(repos, clock, events, notifier, log, { heartbeatIntervalMs: 10_000, helloTimeoutMs: 10_000 });
  const controller = new Controller(repos, gateway, ops, events, notifier, clock, log, { ...defaultControllerOptions, workers: 2 });
  try {
    const infra = await seedInfrastructure(repos, { hosts: 2 });
    const accountId = await seedAccount(repos, 'tenant');
    await fn({ controller, repos, ops, infra, accountId });
  } finally {
    await controller.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const until = async (what: string, fn: () => Promise<boolean>) => {
  for (let i = 0; i < 2000; i++) { if (await fn()) return; await new Promise((r) => setImmediate(r)); }
  throw new Error(`never: ${what}`);
};

test('work keys name the kind and the id', () => {
  assert.equal(workKey('volume', 'vol-1'), 'volume:vol-1');
  assert.deepEqual(parseWorkKey('host:host-01'), { kind: 'host', id: 'host-01' });
  assert.deepEqual(parseWorkKey('odd'), { kind: '', id: 'odd' });
});

test('one reconciler per kind', async () => {
  await withController(async ({ controller }) => {
    assert.throws(() => controller.register(controller.hosts), /a reconciler for host is registered already/);
  });
});

/** The kill -9 property for every kind: what is unfinished is found from the database alone. */
test('resync finds unfinished work of every registered kind from the database alone', async () => {
  await withController(async ({ controller, repos, ops, infra, accountId }) => {
    const [h0] = infra.hosts;
    await repos.db.updateTable('hosts').set({ adminState: 'preparing-maintenance' }).where('id', '=', h0!.id).execute();
    const volumeId = newId('volume');
    const now = new Date().toISOString();
    await repos.volumes.insert({
      id: volumeId, accountId, instanceId: null, poolId: infra.poolIds[1]!, kind: 'data', sizeGiB: 1, format: 'qcow2', provisioning: 'linked',
      path: '/p/v', createdAt: now, desired: 'ready', phase: 'pending', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now,
      pciSlot: null, serial: volumeId.slice(0, 20),
    });
    const op = ops.newRow({ accountId, kind: 'host.maintenance', resourceType: 'host', resourceId: h0!.id });
    await repos.operations.insert(op);
    // The host's operation and its unsettled state are the same key: counted once.
    assert.equal(await controller.resync(), 2);
    assert.equal(controller.queue.length(), 2);

    // Running it: the host with no busy instance reaches in-maintenance and its operation succeeds;
    // the volume waits for its host's agent (not connected here) without failing.
    await controller.start();
    await until('host in maintenance', async () => (await repos.hosts.getAny(h0!.id))?.adminState === 'in-maintenance');
    await until('operation ended', async () => (await repos.operations.getAny(op.id))?.status === 'succeeded');
    assert.match((await repos.operations.getAny(op.id))!.message, /no guests remain/);
    const vol = (await repos.volumes.getAny(volumeId))!;
    assert.equal(vol.phase, 'pending');
    assert.equal(vol.errorReason, null, 'waiting for a host is not a failure');
  });
});

test('an instance change wakes its host (and its target host) only while that host prepares maintenance', async () => {
  await withController(async ({ controller, repos, infra, accountId }) => {
    const [h0, h1] = infra.hosts;
    const now = new Date().toISOString();
    const imageId = newId('image'); const versionId = newId('imageVersion'); const offeringId = newId('offering');
    await repos.images.insert({ id: imageId, accountId, name: 'img', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now });
    await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now });
    await repos.offerings.insert({ id: offeringId, name: 'o', description: '', vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now });
    const id = newId('instance');
    await repos.instances.insert({
      id, accountId, name: 'vm', zoneId: infra.zoneId, podId: null, clusterId: null, hostId: h0!.id, poolId: null, imageId, imageVersionId: versionId,
      offeringId, keypairId: null, vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'running',
      task: 'stopping', observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', targetHostId: h1!.id, version: 1, createdAt: now, updatedAt: now, deletedAt: null,
    });
    const change = { kind: 'instance' as const, id, accountId };
    assert.deepEqual(await controller.hosts.keysFor(change), [], 'no host is preparing');
    await repos.db.updateTable('hosts').set({ adminState: 'preparing-maintenance' }).where('id', '=', h1!.id).execute();
    assert.deepEqual(await controller.hosts.keysFor(change), [`host:${h1!.id}`], 'the target host is woken');
    await repos.db.updateTable('hosts').set({ adminState: 'preparing-maintenance' }).where('id', '=', h0!.id).execute();
    assert.deepEqual((await controller.hosts.keysFor(change)).sort(), [`host:${h0!.id}`, `host:${h1!.id}`].sort());
    assert.deepEqual(await controller.instances.keysFor({ kind: 'volume', id: 'vol-x', accountId, instanceId: id }), [`instance:${id}`], 'a volume wakes its instance');
    assert.deepEqual(await controller.hosts.guests(h1!.id), { total: 1, busy: 1 }, 'an instance moving to a host counts there');
  });
});

test('several servers: the controller queues and reconciles only resources its leases cover, and resyncs when it gains some', async () => {
  await withController(async ({ controller, repos, ops, infra, accountId }) => {
    const [h0, h1] = infra.hosts;
    for (const h of [h0!, h1!]) {
      await repos.db.updateTable('hosts').set({ adminState: 'preparing-maintenance' }).where('id', '=', h.id).execute();
      await repos.operations.insert(ops.newRow({ accountId, kind: 'host.maintenance', resourceType: 'host', resourceId: h.id }));
    }
    const mine = new Set([h0!.id]);
    let gained: (() => void) | null = null;
    controller.ownership = { owns: (id) => mine.has(id), onGained: (fn) => { gained = fn; return () => { gained = null; }; } };
    assert.equal(await controller.resync(), 1, 'only the owned host is queued');
    await controller.start();
    await until('owned host in maintenance', async () => (await repos.hosts.getAny(h0!.id))?.adminState === 'in-maintenance');
    assert.equal((await repos.hosts.getAny(h1!.id))?.adminState, 'preparing-maintenance', 'another server\'s host is left alone');
    controller.enqueue('host', h1!.id); // a change seen here for a resource it does not own is dropped
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await repos.hosts.getAny(h1!.id))?.adminState, 'preparing-maintenance');
    mine.add(h1!.id);
    assert.ok(gained, 'the controller listens for gained shards');
    (gained as () => void)();
    await until('gained host in maintenance', async () => (await repos.hosts.getAny(h1!.id))?.adminState === 'in-maintenance');
  });
});

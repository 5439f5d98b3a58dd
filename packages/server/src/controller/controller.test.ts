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

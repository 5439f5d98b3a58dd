import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import { createRepos, openDatabase, type OperationRow, type Repos, type Scope } from '@kumo/db';
import { seedAccount, seedInfrastructure, seedInstance } from '@kumo/db/testing';
import { EventLog } from '../services/event-log.ts';
import { HostService } from '../services/host-service.ts';
import { HostEvacuationService } from '../services/host-evacuation-service.ts';
import type { MigrateRequest, MigrationCandidates, MigrationMode, MigrationRequester } from '../services/migration-types.ts';
import { Notifier } from '../services/notifier.ts';
import { OperationService } from '../services/operation-service.ts';
import { WaitError } from './errors.ts';
import { HostEvacuation } from './host-evacuation.ts';
import { migrationMover } from './host-evacuation-wiring.ts';
import { HostReconciler } from './host-reconciler.ts';

let admin = { scope: { accountId: 'acct-system', admin: true }, username: 'root' };

/**
 * The migration service as the evacuation sees it: request() starts an instance.migrate operation
 * (the instance's task is `migrating`, its target set) which the test finishes with complete() or
 * fail(); instances in `refuse` are refused with a reason, as when no host fits.
 */
class FakeMigrations implements MigrationRequester {
  readonly inFlight = new Map<string, { opId: string; target: string }>();
  readonly refuse = new Map<string, string>();
  readonly cancelled: string[] = [];
  maxInFlight = 0;
  requests = 0;
  constructor(private readonly repos: Repos, private readonly ops: OperationService, private readonly targets: string[]) {}

  async request(scope: Scope, instanceId: string, req: MigrateRequest): Promise<OperationRow> {
    this.requests++;
    if (this.refuse.has(instanceId)) throw new ApiError('no_capacity', 'no host can take the instance');
    const target = this.targets[this.inFlight.size % this.targets.length]!;
    const op = this.ops.newRow({ accountId: scope.accountId, kind: 'instance.migrate', resourceType: 'instance', resourceId: instanceId, params: req });
    await this.repos.operations.insert(op);
    await this.ops.start(op, 'migrating', 10);
    await this.repos.db.updateTable('instances').set({ task: 'migrating', targetHostId: target }).where('id', '=', instanceId).execute();
    this.inFlight.set(instanceId, { opId: op.id, target });
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight.size);
    return op;
  }

  candidates(instanceId: string, mode: MigrationMode = 'live'): Promise<MigrationCandidates> {
    const reason = this.refuse.get(instanceId);
    return Promise.resolve({ instanceId, mode, candidates: reason ? [] : [{ hostId: this.targets[0]!, hostName: 'h1' }], rejected: reason ? [{ hostId: this.targets[0]!, hostName: 'h1', reason }] : [] });
  }

  async complete(instanceId: string): Promise<void> {
    const m = this.inFlight.get(instanceId)!;
    await this.repos.db.updateTable('instances').set({ task: null, targetHostId: null, hostId: m.target }).where('id', '=', instanceId).execute();
    await this.ops.finish(m.opId, 'succeeded', 'moved');
    this.inFlight.delete(instanceId);
  }

  async fail(instanceId: string, why: string): Promise<void> {
    const m = this.inFlight.get(instanceId)!;
    await this.repos.db.updateTable('instances').set({ task: null, targetHostId: null }).where('id', '=', instanceId).execute();
    await this.ops.finish(m.opId, 'failed', why, { code: 'operation_failed', message: why });
    this.inFlight.delete(instanceId);
  }
}

interface World {
  repos: Repos; ops: OperationService; hosts: HostService; view: HostEvacuationService; migrations: FakeMigrations;
  hostId: string; instanceIds: string[]; stops: string[];
  /** A server: a host reconciler with its evacuation (a restart builds a new one over the same database). */
  server(): HostReconciler;
  /** One reconcile pass: true when the host reached in-maintenance, false while it waits. */
  pass(r: HostReconciler): Promise<boolean>;
}

async function withWorld(guests: number, fn: (w: World) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-evac-'));
  const h = await openDatabase({ dataDir: dir });
  try {
    const clock = new FakeClock(Date.UTC(2026, 11, 7));
    const repos = createRepos(h.db);
    const notifier = new Notifier();
    const events = new EventLog(repos, clock, notifier);
    const ops = new OperationService(repos, clock, notifier);
    const infra = await seedInfrastructure(repos, { hosts: 3 });
    const accountId = await seedAccount(repos, 'tenant');
    admin = { scope: { accountId: await seedAccount(repos, 'ops', 'admin'), admin: true }, username: 'root' };
    const hostId = infra.hosts[0]!.id;
    const instanceIds: string[] = [];
    for (let i = 0; i < guests; i++) {
      const id = await seedInstance(repos, accountId, infra.zoneId);
      await repos.db.updateTable('instances').set({ hostId, phase: 'running', desired: 'running', name: `g${i}` }).where('id', '=', id).execute();
      instanceIds.push(id);
    }
    const migrations = new FakeMigrations(repos, ops, [infra.hosts[1]!.id, infra.hosts[2]!.id]);
    const stops: string[] = [];
    const stop = async (id: string, by: string) => {
      stops.push(id);
      await repos.db.updateTable('instances').set({ desired: 'stopped', task: 'stopping' }).where('id', '=', id).execute();
      const op = ops.newRow({ accountId: by, kind: 'instance.stop', resourceType: 'instance', resourceId: id });
      await repos.operations.insert(op);
      return op;
    };
    const hosts = new HostService(repos, ops, events, notifier, clock);
    const server = () => {
      const r = new HostReconciler(repos, ops, events, notifier, clock, { pollMs: 10 });
      r.useEvacuation(new HostEvacuation(repos, events, clock, migrationMover(migrations, (id) => { migrations.cancelled.push(id); return Promise.resolve(); }), stop));
      return r;
    };
    const pass = async (r: HostReconciler) => {
      try { await r.reconcile(hostId); } catch (e) { if (!(e instanceof WaitError)) throw e; return false; }
      return (await repos.hosts.getAny(hostId))!.adminState === 'in-maintenance';
    };
    await fn({ repos, ops, hosts, view: new HostEvacuationService(repos, hosts), migrations, hostId, instanceIds, stops, server, pass });
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const states = async (w: World) => Object.fromEntries((await w.view.view(admin.scope, w.hostId)).items.map((i) => [i.name, i.state]));

test('a host with 4 running guests evacuates: all end on other hosts, never more than `concurrency` migrating, then in-maintenance', async () => {
  await withWorld(4, async (w) => {
    const op = await w.hosts.requestMaintenance(admin, w.hostId, { concurrency: 2 });
    const r = w.server();
    assert.equal(await w.pass(r), false);
    assert.deepEqual(await states(w), { g0: 'migrating', g1: 'migrating', g2: 'pending', g3: 'pending' });
    assert.match((await w.repos.operations.getAny(op.id))!.message, /2 pending, 2 migrating/);
    assert.equal(await w.pass(r), false, 'nothing finished: nothing more starts');
    assert.equal(w.migrations.inFlight.size, 2);
    let passes = 0;
    for (let done = false; !done; passes++) {
      assert.ok(w.migrations.inFlight.size <= 2 && passes < 10);
      await w.migrations.complete([...w.migrations.inFlight.keys()][0]!);
      done = await w.pass(r);
    }
    assert.equal(passes, 4, 'one pass per finished migration');
    assert.equal(w.migrations.maxInFlight, 2, 'concurrency honoured');
    assert.deepEqual(await states(w), { g0: 'moved', g1: 'moved', g2: 'moved', g3: 'moved' });
    const left = await w.repos.db.selectFrom('instances').select('hostId').where('id', 'in', w.instanceIds).execute();
    assert.ok(left.every((i) => i.hostId !== w.hostId), 'every guest is on another host');
    const done = (await w.repos.operations.getAny(op.id))!;
    assert.equal(done.status, 'succeeded');
    assert.match(done.message, /no guests remain/);
    const v = await w.view.view(admin.scope, w.hostId);
    assert.deepEqual(v.options, { concurrency: 2, stoppedInstances: 'leave', stopRemaining: false });
    assert.equal(v.counts.moved, 4);
  });
});

test('a guest that cannot move is listed with its reason, the host waits, and stopRemaining stops it', async () => {
  await withWorld(2, async (w) => {
    const [movable, stuck] = w.instanceIds as [string, string];
    w.migrations.refuse.set(stuck, 'its disks are on a local pool and h1 cannot receive them');
    const op = await w.hosts.requestMaintenance(admin, w.hostId);
    const r = w.server();
    assert.equal(await w.pass(r), false);
    await w.migrations.complete(movable);
    assert.equal(await w.pass(r), false, 'a blocked guest keeps the host preparing');
    const v = await w.view.view(admin.scope, w.hostId);
    const blocked = v.items.find((i) => i.instanceId === stuck)!;
    assert.equal(blocked.state, 'blocked');
    assert.match(blocked.reason ?? '', /no host can take the instance \(h1: its disks are on a local pool/);
    const waiting = (await w.repos.operations.getAny(op.id))!;
    assert.match(waiting.message, /cannot move: g1 \(.*\)\. Stop them \(kumo host maintenance h0 --stop-remaining\) or cancel maintenance \(kumo host enable h0\)/);
    assert.equal((await w.repos.hosts.getAny(w.hostId))!.adminState, 'preparing-maintenance');
    assert.deepEqual(w.stops, [], 'nothing is stopped before the operator chooses');

    const same = await w.hosts.requestMaintenance(admin, w.hostId, { stopRemaining: true });
    assert.equal(same.id, op.id, 'asking again updates the evacuation under way');
    assert.equal(await w.pass(r), false);
    assert.deepEqual(w.stops, [stuck]);
    assert.equal(await w.pass(r), false, 'the stop is asked once');
    assert.deepEqual(w.stops, [stuck]);
    await w.repos.db.updateTable('instances').set({ phase: 'stopped', task: null }).where('id', '=', stuck).execute();
    assert.equal(await w.pass(r), true);
    assert.equal((await states(w)).g1, 'stopped');
    assert.match((await w.repos.operations.getAny(op.id))!.message, /1 stopped guest remains on it/);
  });
});

test('a failed migration is listed with its reason and not retried; stopped guests are left or moved per policy', async () => {
  await withWorld(3, async (w) => {
    const [a, b, c] = w.instanceIds as [string, string, string];
    await w.repos.db.updateTable('instances').set({ phase: 'stopped', desired: 'stopped' }).where('id', '=', c).execute();
    await w.hosts.requestMaintenance(admin, w.hostId, { stoppedInstances: 'move', concurrency: 4 });
    const r = w.server();
    assert.equal(await w.pass(r), false);
    assert.deepEqual(await states(w), { g0: 'migrating', g1: 'migrating', g2: 'migrating' }, 'the stopped one moves cold');
    await w.migrations.fail(a, 'target QEMU exited');
    await w.migrations.complete(b);
    await w.migrations.complete(c);
    assert.equal(await w.pass(r), false);
    const v = await w.view.view(admin.scope, w.hostId);
    const failed = v.items.find((i) => i.instanceId === a)!;
    assert.equal(failed.state, 'failed');
    assert.match(failed.reason ?? '', /migration failed: target QEMU exited/);
    const before = w.migrations.requests;
    assert.equal(await w.pass(r), false);
    assert.equal(w.migrations.requests, before, 'a failed migration is not retried by itself');
  });
  await withWorld(2, async (w) => {
    await w.repos.db.updateTable('instances').set({ phase: 'stopped', desired: 'stopped' }).where('id', '=', w.instanceIds[1]!).execute();
    await w.hosts.requestMaintenance(admin, w.hostId);
    const r = w.server();
    assert.equal(await w.pass(r), false);
    assert.deepEqual(await states(w), { g0: 'migrating', g1: 'stopped' }, 'leave (the default): a stopped guest stays');
    await w.migrations.complete(w.instanceIds[0]!);
    assert.equal(await w.pass(r), true);
  });
});

test('cancel maintenance (enable) stops the evacuation: no new migration starts, the ones under way are asked to cancel', async () => {
  await withWorld(3, async (w) => {
    const op = await w.hosts.requestMaintenance(admin, w.hostId, { concurrency: 1 });
    const r = w.server();
    assert.equal(await w.pass(r), false);
    assert.equal(w.migrations.inFlight.size, 1);
    const first = [...w.migrations.inFlight.values()][0]!;
    await w.hosts.requestEnable(admin, w.hostId);
    assert.equal(await w.pass(r), false);
    assert.equal((await w.repos.operations.getAny(op.id))!.status, 'cancelled');
    assert.deepEqual(w.migrations.cancelled, [first.opId]);
    await w.pass(r);
    assert.equal(w.migrations.requests, 1, 'nothing more is migrated');
    assert.deepEqual(w.migrations.cancelled, [first.opId], 'cancelled once');
    const v = await w.view.view(admin.scope, w.hostId);
    assert.equal(v.adminState, 'enabled');
    assert.equal(v.operationId, null);
    assert.ok(v.items.every((i) => i.state === 'pending' || i.reason === 'maintenance cancelled'));

    // A new maintenance starts a fresh evacuation.
    await w.migrations.complete([...w.migrations.inFlight.keys()][0]!);
    await w.hosts.requestMaintenance(admin, w.hostId, { concurrency: 3 });
    assert.equal(await w.pass(r), false);
    assert.equal(w.migrations.inFlight.size, 2, 'the two guests still on the host migrate');
    assert.equal((await w.view.view(admin.scope, w.hostId)).items.length, 2);
  });
});

test('a server restarted mid-evacuation resumes from the database: migrations under way are followed, not asked again', async () => {
  await withWorld(4, async (w) => {
    const op = await w.hosts.requestMaintenance(admin, w.hostId, { concurrency: 2 });
    assert.equal(await w.pass(w.server()), false);
    assert.equal(w.migrations.requests, 2);
    // The first server is gone (kill -9): a new reconciler and evacuation over the same database.
    const restarted = w.server();
    assert.equal(await w.pass(restarted), false);
    assert.equal(w.migrations.requests, 2, 'the migrations under way are not asked again');
    for (let i = 0; i < 10 && !(await w.pass(restarted)); i++) {
      for (const id of [...w.migrations.inFlight.keys()]) await w.migrations.complete(id);
    }
    assert.equal((await w.repos.hosts.getAny(w.hostId))!.adminState, 'in-maintenance');
    assert.equal(w.migrations.requests, 4);
    assert.equal(w.migrations.maxInFlight, 2);
    assert.equal((await w.repos.operations.getAny(op.id))!.status, 'succeeded');
  });
});

test('bad maintenance options are refused naming the field, and change nothing', async () => {
  await withWorld(1, async (w) => {
    await assert.rejects(w.hosts.requestMaintenance(admin, w.hostId, { concurrency: 0 }), (e: ApiError) => e.code === 'bad_request' && (e.details as { field: string }).field === 'concurrency');
    await assert.rejects(w.hosts.requestMaintenance(admin, w.hostId, { stoppedInstances: 'drop' as 'move' }), (e: ApiError) => (e.details as { field: string }).field === 'stoppedInstances');
    assert.equal((await w.repos.hosts.getAny(w.hostId))!.adminState, 'enabled');
  });
});

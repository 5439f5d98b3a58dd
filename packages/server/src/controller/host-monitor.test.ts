import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '@kumo/core';
import { createRepos, openDatabase } from '@kumo/db';
import { seedInfrastructure } from '@kumo/db/testing';
import { HostMonitor } from './host-monitor.ts';
import { EventLog } from '../services/event-log.ts';
import { Notifier } from '../services/notifier.ts';

test('heartbeats missed: up → disconnected → down, on the injected clock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-hm-'));
  const h = await openDatabase({ dataDir: dir });
  try {
    const repos = createRepos(h.db);
    const clock = new FakeClock(Date.UTC(2026, 10, 22));
    const infra = await seedInfrastructure(repos, { hosts: 2 });
    const at = (ms: number) => new Date(ms).toISOString();
    for (const host of infra.hosts) await repos.db.updateTable('hosts').set({ lastHeartbeatAt: at(clock.now()) }).where('id', '=', host.id).execute();
    const notifier = new Notifier();
    const changes: string[] = [];
    notifier.subscribe((c) => { if (c.kind === 'host') changes.push(c.id); });
    const connected = new Set(infra.hosts.map((x) => x.id));
    const monitor = new HostMonitor(repos, clock, new EventLog(repos, clock, notifier), notifier,
      { heartbeatIntervalMs: 10_000, missedBeatsForDisconnected: 3, downAfterMs: 120_000 }, (id) => connected.has(id));
    const state = async (id: string) => (await repos.db.selectFrom('hosts').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
    const [a, b] = [infra.hosts[0]!.id, infra.hosts[1]!.id];

    clock.advance(25_000);
    await monitor.check();
    assert.equal(await state(a), 'up', 'two missed beats are tolerated');
    // b keeps beating
    const beat = async () => repos.db.updateTable('hosts').set({ lastHeartbeatAt: at(clock.now()) }).where('id', '=', b).execute();
    await beat();
    clock.advance(6_000);
    await monitor.check();
    assert.equal(await state(a), 'disconnected');
    assert.equal(await state(b), 'up');
    await beat();
    clock.advance(60_000);
    await monitor.check();
    assert.equal(await state(a), 'disconnected', 'not down before downAfterMs');
    clock.advance(60_000);
    await monitor.check();
    assert.equal(await state(a), 'down');
    assert.equal(await state(b), 'disconnected', 'b stopped beating too');
    connected.delete(b);
    assert.deepEqual([...changes].sort(), [a, a, b].sort());
    const events = await repos.db.selectFrom('events').select(['kind', 'resourceId']).orderBy('id').execute();
    assert.deepEqual(events.map((e) => `${e.kind} ${e.resourceId === a ? 'a' : 'b'}`).sort(), ['host.disconnected a', 'host.down a', 'host.disconnected b'].sort());
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Regression: a connected host that missed a few beats (a loaded machine) stayed `disconnected` until its agent reconnected. */
test('a host that missed heartbeats but is still connected comes back up when its beats resume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-hm-'));
  const h = await openDatabase({ dataDir: dir });
  try {
    const repos = createRepos(h.db);
    const clock = new FakeClock(Date.UTC(2026, 11, 7));
    const infra = await seedInfrastructure(repos, { hosts: 1 });
    const id = infra.hosts[0]!.id;
    const beat = () => repos.db.updateTable('hosts').set({ lastHeartbeatAt: new Date(clock.now()).toISOString() }).where('id', '=', id).execute();
    const state = async () => (await repos.db.selectFrom('hosts').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
    await beat();
    const notifier = new Notifier();
    let connected = true;
    const monitor = new HostMonitor(repos, clock, new EventLog(repos, clock, notifier), notifier,
      { heartbeatIntervalMs: 10_000, missedBeatsForDisconnected: 3, downAfterMs: 120_000 }, () => connected);
    clock.advance(31_000);
    await monitor.check();
    assert.equal(await state(), 'disconnected', 'beats missed');
    await beat();
    await monitor.check();
    assert.equal(await state(), 'up', 'beating again over the same connection');
    connected = false;
    await monitor.check();
    assert.equal(await state(), 'disconnected', 'a fresh beat does not count without a connection');
    await monitor.check();
    assert.equal(await state(), 'disconnected', 'and it does not come back up without one');
    const kinds = (await repos.db.selectFrom('events').select('kind').execute()).map((e) => e.kind).sort();
    assert.deepEqual(kinds, ['host.disconnected', 'host.disconnected', 'host.up'], 'each change is an event');
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});


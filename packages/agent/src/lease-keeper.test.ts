import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, type InstanceSpec } from '@kumo/core';
import { FakeDriver } from '@kumo/driver-fake';
import { LeaseKeeper } from './lease-keeper.ts';
import { leaseAges, touchLeaseFiles } from './storage-fencing.ts';

const spec = (id: string): InstanceSpec => ({ instanceId: id, name: id, vcpus: 1, memoryMiB: 64, disks: [], nics: [], boot: {}, stopTimeoutSec: 1 });
const silent = { warn: () => undefined, error: () => undefined };
const lease = (renewedAt: string, haInstanceIds: string[], leaseFiles: string[] = []) =>
  ({ type: 'lease' as const, renewedAt, leaseMs: 20_000, marginMs: 5_000, haInstanceIds, leaseFiles });

test('the lease keeper kills only the HA guests, at (heartbeat sent + lease − margin), and only once the renewals stop', async () => {
  const clock = new FakeClock();
  const driver = new FakeDriver({ hostname: 'h', delays: { start: 0, stop: 0, other: 0 } });
  for (const id of ['ha-1', 'ha-2', 'plain']) await driver.start(spec(id));
  const keeper = new LeaseKeeper({ driver, clock, log: silent, checkIntervalMs: 100, touch: async () => 0 });
  keeper.start();
  try {
    await keeper.check();
    assert.equal(keeper.deadlineMs(), null, 'never leased: nothing to judge');
    // A heartbeat at t0; its renewal arrives 3 s later (a slow link): the lease counts from t0.
    const t0 = clock.now();
    keeper.heartbeatSent('hb-1');
    clock.advance(3_000);
    keeper.renewed(lease('hb-1', ['ha-1', 'ha-2']));
    assert.equal(keeper.deadlineMs(), t0 + 15_000);
    keeper.renewed(lease('not-mine', ['ha-1'])); // a renewal for a heartbeat this process never sent counts nothing
    assert.equal(keeper.deadlineMs(), t0 + 15_000);
    // Renewed again at t0+10 s: the deadline moves on.
    clock.advance(7_000);
    keeper.heartbeatSent('hb-2');
    keeper.renewed(lease('hb-2', ['ha-1', 'ha-2']));
    assert.equal(keeper.deadlineMs(), t0 + 25_000);
    clock.advance(14_900); // t0 + 24.9 s
    await keeper.check();
    assert.deepEqual(keeper.fencedInstances, [], 'not before the deadline');
    clock.advance(100);
    await keeper.check();
    assert.deepEqual(keeper.fencedInstances, ['ha-1', 'ha-2']);
    assert.equal((await driver.inspect('ha-1')).power, 'stopped');
    assert.equal((await driver.inspect('ha-2')).power, 'stopped');
    assert.equal((await driver.inspect('plain')).power, 'running', 'a guest that is not HA runs on');
    await keeper.check();
    assert.equal(keeper.fencedInstances.length, 2, 'once per lapse');
  } finally { keeper.stop(); }
});

test('lease files: touched while the lease holds, their age read by another host; a missing file is null', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-lease-'));
  try {
    const a = join(dir, 'vol-a.qcow2.lease');
    const b = join(dir, 'vol-b.qcow2.lease');
    const now = Date.now();
    assert.equal(await touchLeaseFiles([a, b, join(dir, 'no-such-dir', 'x.lease')], now), 1, 'a file in a missing directory cannot be touched');
    assert.ok(Math.abs((await stat(a)).mtimeMs - now) < 1000);
    await utimes(b, new Date(now - 60_000), new Date(now - 60_000)); // b's host stopped renewing a minute ago
    const { agesMs } = await leaseAges({ paths: [a, b, join(dir, 'gone.lease')] }, now + 2_000);
    assert.ok(agesMs[0]! >= 1_000 && agesMs[0]! <= 3_000, `a is fresh (${agesMs[0]} ms)`);
    assert.ok(agesMs[1]! >= 61_000, `b is stale (${agesMs[1]} ms)`);
    assert.equal(agesMs[2], null);
    await writeFile(b, 'x');
    assert.equal(await touchLeaseFiles([b], now + 5_000), 0, 'an existing file is touched in place');
  } finally { await rm(dir, { recursive: true, force: true }); }
});

// The source side of a live migration against a scripted QMP peer (MockMigrationQemu): the exact
// QMP sequences of a shared-storage and a local-disk migration, the post-copy switch, and that
// cancel, timeout, a dying target and a failing mirror leave the guest running on the source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type IncomingEndpoint, type JobProgress, type MigrationPolicy } from '@kumo/core';
import { migrationHarness } from '../testing/migration-harness.ts';
import type { QueryMigrate } from './migration-stats.ts';
import { migrateInstance } from './migrate-source.ts';
import { rejectsWith } from '../testing/rejects-with.ts';

const MiB = 1024 * 1024;
const policy: MigrationPolicy = { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 64 * MiB, autoConverge: true, postcopyAfterPasses: null, timeoutMs: 60_000 };
const shared: IncomingEndpoint = { uri: 'tcp:10.0.0.2:49152' };
const local: IncomingEndpoint = { uri: 'tcp:10.0.0.2:49152', nbd: { host: '10.0.0.2', port: 49153, exports: ['vol-root', 'vol-data'] } };

function pass(n: number, extra: QueryMigrate = {}): QueryMigrate {
  return {
    status: 'active', 'expected-downtime': 40, 'cpu-throttle-percentage': n > 2 ? 20 : 0, ...extra,
    ram: { transferred: n * 50 * MiB, remaining: 10 * MiB, total: 128 * MiB, 'dirty-sync-count': n, 'dirty-pages-rate': 100, 'page-size': 4096 },
  };
}
const completed: QueryMigrate = {
  status: 'completed', 'total-time': 1200, downtime: 18, 'setup-time': 7,
  ram: { transferred: 150 * MiB, remaining: 0, total: 128 * MiB, 'dirty-sync-count': 3, 'dirty-pages-rate': 0, 'page-size': 4096 },
};

test('migrate on shared storage: capabilities, parameters, migrate, polls to completed; the source ends paused (migrated) with QEMU\'s figures', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.script = [pass(1), pass(2), pass(3), completed];
    const progress: JobProgress[] = [];
    const result = await h.pump(migrateInstance(h.ctx, 'i-1', shared, policy, { onProgress: (p) => progress.push(p) }));
    assert.deepEqual(h.qemu.changes(), [
      { execute: 'migrate-set-capabilities', arguments: { capabilities: [
        { capability: 'events', state: true }, { capability: 'auto-converge', state: true }, { capability: 'postcopy-ram', state: false },
      ] } },
      { execute: 'migrate-set-parameters', arguments: { 'downtime-limit': 300, 'max-bandwidth': 64 * MiB } },
      { execute: 'migrate', arguments: { uri: 'tcp:10.0.0.2:49152' } },
    ]);
    assert.deepEqual(result, { totalMs: 1200, downtimeMs: 18, setupMs: 7, ramTransferredBytes: 150 * MiB, passes: 3, postcopy: false, diskBytes: 0 });
    assert.deepEqual(await h.ctx.statusOf(h.rec, true), { instanceId: 'i-1', power: 'paused', reason: 'migrated' });
    const first = progress.find((p) => p.migration?.stage === 'pre-copy');
    assert.deepEqual(first?.migration, {
      stage: 'pre-copy', pass: 1, ramTransferredBytes: 50 * MiB, ramRemainingBytes: 10 * MiB, ramTotalBytes: 128 * MiB,
      dirtyRateBytesPerSec: 100 * 4096, expectedDowntimeMs: 40, diskRemainingBytes: 0, throttlePercent: 0,
    });
    assert.equal(progress.at(-1)?.migration?.stage, 'completing');
    await rejectsWith(migrateInstance(h.ctx, 'i-1', shared, policy), 'invalid_state', 'already migrated away');
  } finally {
    await h.close();
  }
});

test('migrate with local disks mirrors each disk to its NBD export (write-blocking) until ready, then migrates, then cancels the mirrors', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.script = [pass(1), completed];
    const progress: JobProgress[] = [];
    const result = await h.pump(migrateInstance(h.ctx, 'i-1', local, { ...policy, maxBandwidthBytesPerSec: 0 }, { onProgress: (p) => progress.push(p) }));
    const ch = h.qemu.changes();
    assert.deepEqual(ch.slice(0, 4), [
      { execute: 'blockdev-add', arguments: { driver: 'nbd', 'node-name': 'nbd-vol-root', export: 'vol-root', server: { type: 'inet', host: '10.0.0.2', port: '49153' } } },
      { execute: 'blockdev-mirror', arguments: { 'job-id': 'mig-vol-root', device: 't-vol-root', target: 'nbd-vol-root', sync: 'top', 'copy-mode': 'write-blocking' } },
      { execute: 'blockdev-add', arguments: { driver: 'nbd', 'node-name': 'nbd-vol-data', export: 'vol-data', server: { type: 'inet', host: '10.0.0.2', port: '49153' } } },
      { execute: 'blockdev-mirror', arguments: { 'job-id': 'mig-vol-data', device: 't-vol-data', target: 'nbd-vol-data', sync: 'top', 'copy-mode': 'write-blocking' } },
    ]);
    assert.deepEqual(ch.slice(4).map((c) => c.execute), [
      'migrate-set-capabilities', 'migrate-set-parameters', 'migrate', 'block-job-cancel', 'block-job-cancel', 'blockdev-del', 'blockdev-del',
    ]);
    assert.deepEqual(ch[5]?.arguments, { 'downtime-limit': 300, 'max-bandwidth': 1_000_000_000_000 }, 'unlimited bandwidth');
    assert.deepEqual(ch[7]?.arguments, { device: 'mig-vol-root', force: true });
    const mirroring = progress.filter((p) => p.migration?.stage === 'mirroring-disks');
    assert.equal(mirroring[0]?.migration?.diskRemainingBytes, 20 * MiB);
    assert.equal(result.diskBytes, 20 * MiB);
    assert.equal(h.qemu.jobs.size + h.qemu.nbdNodes.size, 0);
  } finally {
    await h.close();
  }
});

test('after policy.postcopyAfterPasses passes the migration switches to post-copy (migrate-start-postcopy) and says so', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.script = [pass(1), pass(2), pass(3), pass(4), completed];
    const stages = new Set<string>();
    const result = await h.pump(migrateInstance(h.ctx, 'i-1', shared, { ...policy, postcopyAfterPasses: 2 }, { onProgress: (p) => stages.add(p.migration?.stage ?? '') }));
    const ch = h.qemu.changes();
    assert.deepEqual((ch[0]?.arguments?.['capabilities'] as unknown[])[2], { capability: 'postcopy-ram', state: true });
    assert.equal(ch.filter((c) => c.execute === 'migrate-start-postcopy').length, 1);
    assert.ok(stages.has('post-copy'), [...stages].join());
    assert.equal(result.postcopy, true);
  } finally {
    await h.close();
  }
});

test('cancel (signal) sends migrate_cancel, cancels the mirrors, and the guest keeps running on the source', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.script = [pass(1)];
    const ac = new AbortController();
    let polls = 0;
    const p = migrateInstance(h.ctx, 'i-1', local, policy, { signal: ac.signal, onProgress: (pr) => { if (pr.migration?.stage === 'pre-copy' && ++polls === 1) ac.abort(); } });
    await rejectsWith(h.pump(p), 'cancelled', 'keeps running on this host');
    const names = h.qemu.changes().map((c) => c.execute);
    assert.ok(names.includes('migrate_cancel'), names.join());
    assert.equal(h.qemu.jobs.size + h.qemu.nbdNodes.size, 0, 'mirrors and NBD nodes are gone');
    assert.deepEqual(await h.ctx.statusOf(h.rec, true), { instanceId: 'i-1', power: 'running' });
    await rejectsWith(migrateInstance(h.ctx, 'i-1', shared, policy, { signal: ac.signal }), 'cancelled', 'cancelled');
  } finally {
    await h.close();
  }
});

test('policy.timeoutMs cancels a migration that does not converge (DriverError timeout); a guest QEMU left stopped is continued', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.script = [pass(1), pass(2), { ...pass(3), status: 'device' }];
    const p = migrateInstance(h.ctx, 'i-1', shared, { ...policy, timeoutMs: 2000 });
    // QEMU stopped the vCPUs for the final copy when the cancel lands
    setTimeout(() => { h.qemu.runState = 'paused'; }, 5);
    await rejectsWith(h.pump(p), 'timeout', 'did not complete within 2000 ms');
    const names = h.qemu.changes().map((c) => c.execute);
    assert.ok(names.includes('migrate_cancel'));
    assert.equal(names.at(-1), 'cont');
    assert.equal(h.qemu.runState, 'running');
  } finally {
    await h.close();
  }
});

test('the target dying mid-stream (status failed) is a clear host_failure and the guest keeps running', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.script = [pass(1), { status: 'failed', 'error-desc': 'Unable to write to socket: Connection reset by peer' }];
    await rejectsWith(h.pump(migrateInstance(h.ctx, 'i-1', shared, policy)), 'host_failure', 'failed: Unable to write to socket: Connection reset by peer; the guest keeps running');
    assert.deepEqual(await h.ctx.statusOf(h.rec, true), { instanceId: 'i-1', power: 'running' });
  } finally {
    await h.close();
  }
});

test('an unreachable NBD listener or a failing mirror stops before the memory stream; nothing of the mirrors is left', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.failOn.add('blockdev-add');
    await rejectsWith(h.pump(migrateInstance(h.ctx, 'i-1', local, policy)), 'host_failure', 'cannot mirror its disks to 10.0.0.2:49153');
    assert.ok(!h.qemu.changes().some((c) => c.execute === 'migrate'));
    h.qemu.failOn.clear();
    h.qemu.mirrorStep = 1024;
    const p = migrateInstance(h.ctx, 'i-1', local, policy);
    // Fail the data disk's mirror once it exists (a fixed 30 ms timer raced its creation under load).
    const failWhenStarted = setInterval(() => {
      if (!h.qemu.jobs.has('mig-vol-data')) return;
      clearInterval(failWhenStarted);
      h.qemu.failMirror('mig-vol-data', 'Input/output error');
    }, 5);
    await rejectsWith(h.pump(p), 'host_failure', 'disk mirror mig-vol-data failed: Input/output error');
    assert.ok(!h.qemu.changes().some((c) => c.execute === 'migrate'));
    assert.equal(h.qemu.jobs.size + h.qemu.nbdNodes.size, 0);
    assert.equal(h.qemu.runState, 'running');
  } finally {
    await h.close();
  }
});

test('a bad policy or target names the field and changes nothing', async () => {
  const h = await migrationHarness();
  try {
    await rejectsWith(migrateInstance(h.ctx, 'i-1', shared, { ...policy, downtimeLimitMs: 0 }), 'invalid_state', 'downtimeLimitMs');
    await rejectsWith(migrateInstance(h.ctx, 'i-1', shared, { ...policy, postcopyAfterPasses: 0.5 }), 'invalid_state', 'postcopyAfterPasses');
    await rejectsWith(migrateInstance(h.ctx, 'i-1', { uri: 'http://x' }, policy), 'invalid_state', 'uri');
    await rejectsWith(migrateInstance(h.ctx, 'i-2', shared, policy), 'not_found', 'i-2');
    assert.deepEqual(h.qemu.changes(), []);
  } finally {
    await h.close();
  }
});

test('regression migration_result_zero_total_time: a completed status without total-time yet is asked again', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.script = [pass(1), { status: 'completed', ram: { ...completed.ram } }, completed];
    const result = await h.pump(migrateInstance(h.ctx, 'i-1', shared, policy));
    assert.equal(result.totalMs, 1200);
    assert.equal(result.downtimeMs, 18);
  } finally {
    await h.close();
  }
});

test('regression migration_result_zero_total_time_reported_as_0: a completed status with total-time 0 is asked again', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.script = [pass(1), { status: 'completed', 'total-time': 0, downtime: 0, ram: { ...completed.ram } }, completed];
    const result = await h.pump(migrateInstance(h.ctx, 'i-1', shared, policy));
    assert.equal(result.totalMs, 1200);
    assert.equal(result.downtimeMs, 18);
  } finally {
    await h.close();
  }
});

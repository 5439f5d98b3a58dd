// A new agent re-adopting QEMUs in the middle of a migration (readoptMigrationState) against a
// scripted QMP peer: a waiting copy is watched again, a copy whose stream completed while no agent
// ran takes over, a source that migrated away is reported 'migrated' again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { migratedReason } from '@kumo/core';
import { migrationHarness } from '../testing/migration-harness.ts';
import { writeJsonAtomic } from '../instance-record.ts';
import { finishIncoming, readoptMigrationState } from './incoming.ts';

const endpoint = { uri: 'tcp:127.0.0.1:49200', nbd: { host: '127.0.0.1', port: 49301, exports: ['vol-root'] } };

test('a copy still waiting for its stream is watched again: it shows incoming, and takes over on MIGRATION completed', async () => {
  const h = await migrationHarness();
  try {
    await writeJsonAtomic(h.rec.paths.incomingFile, endpoint);
    h.qemu.runState = 'inmigrate';
    await readoptMigrationState(h.ctx, h.rec, h.live);
    assert.equal((await h.ctx.statusOf(h.rec, true)).power, 'incoming');
    const finished = finishIncoming(h.ctx, 'i-1', { timeoutMs: 30_000 });
    h.qemu.runState = 'paused';
    h.qemu.emit('MIGRATION', { status: 'completed' });
    assert.deepEqual(await finished, { instanceId: 'i-1', power: 'running' });
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['nbd-server-stop', 'cont']);
    assert.equal(existsSync(h.rec.paths.incomingFile), false, 'the marker goes once it took over');
  } finally {
    await h.close();
  }
});

test('a copy whose stream completed while no agent ran takes over at re-adoption (as its agent would have)', async () => {
  const h = await migrationHarness();
  try {
    await writeJsonAtomic(h.rec.paths.incomingFile, endpoint);
    h.qemu.runState = 'paused';
    h.qemu.script = [{ status: 'completed' }];
    h.qemu.migrateStatus = 'active';
    await readoptMigrationState(h.ctx, h.rec, h.live);
    assert.deepEqual(await finishIncoming(h.ctx, 'i-1', { timeoutMs: 30_000 }), { instanceId: 'i-1', power: 'running' });
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['nbd-server-stop', 'cont']);
  } finally {
    await h.close();
  }
});

test('a copy that took over before its agent died only loses its marker; a plain running guest is left alone', async () => {
  const h = await migrationHarness();
  try {
    await writeJsonAtomic(h.rec.paths.incomingFile, endpoint);
    await readoptMigrationState(h.ctx, h.rec, h.live);
    assert.equal(h.rec.incoming, undefined);
    assert.equal(existsSync(h.rec.paths.incomingFile), false);
    await readoptMigrationState(h.ctx, h.rec, h.live);
    assert.deepEqual(h.qemu.changes(), [], 'nothing sent to QEMU');
    assert.equal((await h.ctx.statusOf(h.rec, true)).power, 'running');
  } finally {
    await h.close();
  }
});

test('a source that migrated away is reported paused (migrated) again; a paused guest without the marker is just paused', async () => {
  const h = await migrationHarness();
  try {
    h.qemu.runState = 'postmigrate';
    await readoptMigrationState(h.ctx, h.rec, h.live);
    assert.deepEqual(await h.ctx.statusOf(h.rec, true), { instanceId: 'i-1', power: 'paused' });
    await writeFile(h.rec.paths.migratedAwayFile, 'x\n');
    await readoptMigrationState(h.ctx, h.rec, h.live);
    assert.deepEqual(await h.ctx.statusOf(h.rec, true), { instanceId: 'i-1', power: 'paused', reason: migratedReason });
  } finally {
    await h.close();
  }
});

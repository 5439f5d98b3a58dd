// backupDisk against a scripted QMP peer: target created with qemu-img, blockdev-add, blockdev-backup
// sync=full, progress from query-jobs, job-cancel on abort, the target removed on failure or cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverError, type JobProgress } from '@kumo/core';
import { backupDisk } from './instance-disk-backup.ts';
import { liveHarness } from './testing/live-harness.ts';

const data = { volumeId: 'vol-a', path: '/pool/vol-a.qcow2', format: 'qcow2' as const, pciSlot: 0x11, serial: 'vol-a' };

test('backupDisk: creates the target, runs blockdev-backup sync=full to completion with progress, then blockdev-del of the target', async () => {
  const h = await liveHarness({ disks: [data] });
  const out = await mkdtemp(join(tmpdir(), 'kumo-backup-'));
  try {
    const progress: JobProgress[] = [];
    const target = join(out, 'a.qcow2');
    const r = await backupDisk(h.ctx, 'i-1', 'vol-a', { path: target, format: 'qcow2' }, { onProgress: (p) => progress.push(p) });
    assert.equal(r.bytes, 16 * 1024 * 1024);
    assert.ok(existsSync(target), 'the target file stays');
    assert.deepEqual(h.qemu.changes(), [
      { execute: 'blockdev-add', arguments: { driver: 'qcow2', 'node-name': 'bk-vol-a', file: { driver: 'file', filename: target } } },
      { execute: 'blockdev-backup', arguments: { 'job-id': 'backup-vol-a', device: 'f-vol-a', target: 'bk-vol-a', sync: 'full' } },
      { execute: 'blockdev-del', arguments: { 'node-name': 'bk-vol-a' } },
    ]);
    assert.deepEqual(progress.at(-1), { phase: 'copying disk', bytesDone: 16 * 1024 * 1024, bytesTotal: 16 * 1024 * 1024, percent: 100 });
    await assert.rejects(backupDisk(h.ctx, 'i-1', 'vol-a', { path: target, format: 'qcow2' }), (e: unknown) => e instanceof DriverError && e.code === 'invalid_state' && e.message.includes('exists already'));
    await assert.rejects(backupDisk(h.ctx, 'i-1', 'vol-x', { path: join(out, 'x.qcow2'), format: 'raw' }), (e: unknown) => e instanceof DriverError && e.code === 'not_found');
  } finally {
    await h.close();
    await rm(out, { recursive: true, force: true });
  }
});

test('backupDisk: an abort sends job-cancel, waits for BLOCK_JOB_CANCELLED, deletes the target node and file → cancelled', async () => {
  const h = await liveHarness({ disks: [data] });
  const out = await mkdtemp(join(tmpdir(), 'kumo-backup-'));
  try {
    h.qemu.backupHolds = true;
    const ac = new AbortController();
    const progress: JobProgress[] = [];
    const target = join(out, 'a.raw');
    const p = backupDisk(h.ctx, 'i-1', 'vol-a', { path: target, format: 'raw' }, { signal: ac.signal, onProgress: (x) => progress.push(x) });
    while (progress.length === 0) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(target));
    ac.abort();
    await assert.rejects(p, (e: unknown) => e instanceof DriverError && e.code === 'cancelled');
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['blockdev-add', 'blockdev-backup', 'job-cancel', 'blockdev-del']);
    assert.ok(!existsSync(target), 'no target file is left');
    // an already aborted signal changes nothing
    await assert.rejects(backupDisk(h.ctx, 'i-1', 'vol-a', { path: target, format: 'raw' }, { signal: AbortSignal.abort() }), (e: unknown) => e instanceof DriverError && e.code === 'cancelled');
    assert.equal(h.qemu.changes().length, 4);
  } finally {
    await h.close();
    await rm(out, { recursive: true, force: true });
  }
});

test('backupDisk: a failing blockdev-backup removes the target node and file; a target that exists is never touched', async () => {
  const h = await liveHarness({ disks: [data] });
  const out = await mkdtemp(join(tmpdir(), 'kumo-backup-'));
  try {
    h.qemu.failOn.add('blockdev-backup');
    const target = join(out, 'a.qcow2');
    await assert.rejects(backupDisk(h.ctx, 'i-1', 'vol-a', { path: target, format: 'qcow2' }), (e: unknown) => e instanceof DriverError && e.message.includes('blockdev-backup failed'));
    assert.deepEqual(h.qemu.changes().map((c) => c.execute), ['blockdev-add', 'blockdev-backup', 'blockdev-del']);
    assert.ok(!existsSync(target));
    const mine = join(out, 'mine.qcow2');
    await writeFile(mine, 'keep');
    await assert.rejects(backupDisk(h.ctx, 'i-1', 'vol-a', { path: mine, format: 'qcow2' }));
    assert.ok(existsSync(mine));
  } finally {
    await h.close();
    await rm(out, { recursive: true, force: true });
  }
});

test('backupDisk: QEMU going away mid-copy ends the call with host_failure (regression: the wait for the job event never ended) and removes the target', async () => {
  const h = await liveHarness({ disks: [data] });
  const out = await mkdtemp(join(tmpdir(), 'kumo-backup-'));
  try {
    h.qemu.backupHolds = true;
    const target = join(out, 'lost.qcow2');
    const progress: JobProgress[] = [];
    const p = backupDisk(h.ctx, 'i-1', 'vol-a', { path: target, format: 'qcow2' }, { onProgress: (x) => progress.push(x) });
    while (progress.length === 0) await new Promise((r) => setTimeout(r, 20));
    await h.qemu.mock.close(); // the QMP peer (QEMU) is gone
    await assert.rejects(p, (e: unknown) => e instanceof DriverError && e.code === 'host_failure' && /closed during the copy/.test(e.message));
    assert.ok(!existsSync(target), 'no target file is left');
  } finally {
    await h.close();
    await rm(out, { recursive: true, force: true });
  }
});

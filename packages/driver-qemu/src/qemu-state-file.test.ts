import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverError, type JobProgress } from '@kumo/core';
import { QmpClient } from './qmp-client.ts';
import { saveGuestState } from './qemu-state-file.ts';
import { MockQmp, event, send, type Cmd } from './testing/mock-qmp.ts';

const total = 64 * 1024 * 1024;

/**
 * QEMU's side of a save, scripted: `migrate` connects to the driver's socket and streams `chunks`
 * of 64 KiB every 5 ms, query-migrate reports what was sent, migrate_cancel stops the stream and
 * reports the migration cancelled; when all chunks are sent the migration completes.
 */
function fakeQemuSave(chunks: number) {
  let sent = 0;
  let stream: Socket | null = null;
  let timer: NodeJS.Timeout | null = null;
  let qmpConn: Socket | null = null;
  const finish = (status: 'completed' | 'cancelled') => {
    if (timer) clearInterval(timer);
    stream?.end();
    if (qmpConn) send(qmpConn, event('MIGRATION', { status }));
  };
  const onCommand = (cmd: Cmd, conn: Socket) => {
    qmpConn = conn;
    switch (cmd.execute) {
      case 'migrate': {
        send(conn, { return: {}, id: cmd.id });
        const path = String(cmd.arguments?.['uri']).replace(/^unix:/, '');
        stream = connect(path, () => {
          timer = setInterval(() => {
            if (sent >= chunks) { finish('completed'); return; }
            stream?.write(Buffer.alloc(65536, sent % 251));
            sent++;
          }, 5);
        });
        return;
      }
      case 'query-migrate': {
        const done = sent * 65536;
        send(conn, { return: { status: 'active', ram: { transferred: done, remaining: total - done * (total / (chunks * 65536)), total } }, id: cmd.id });
        return;
      }
      case 'migrate_cancel': send(conn, { return: {}, id: cmd.id }); finish('cancelled'); return;
      default: send(conn, { return: {}, id: cmd.id });
    }
  };
  return { onCommand, sentChunks: () => sent };
}

async function withSave(chunks: number, fn: (a: { qmp: QmpClient; mock: MockQmp; dir: string; sentChunks: () => number }) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-save-'));
  const qemu = fakeQemuSave(chunks);
  const mock = new MockQmp(join(dir, 'qmp.sock'), qemu.onCommand);
  await mock.listen();
  const qmp = await QmpClient.connect(mock.path);
  try { await fn({ qmp, mock, dir, sentChunks: qemu.sentChunks }); } finally {
    qmp.close();
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('a save streams the guest state to a file and reports RAM progress from query-migrate', async () => {
  await withSave(40, async ({ qmp, mock, dir }) => {
    const progress: JobProgress[] = [];
    const statePath = join(dir, 'vm.state');
    await saveGuestState(qmp, { socketPath: join(dir, 'save.sock'), statePath, timeoutMs: 10_000, progressIntervalMs: 20, bandwidthBytesPerSec: 8 << 20, job: { onProgress: (p) => progress.push(p) } });
    assert.equal(readFileSync(statePath).length, 40 * 65536, 'every byte QEMU sent is in the file');
    assert.equal(existsSync(`${statePath}.partial`), false);
    assert.ok(progress.length > 0, 'progress was reported');
    assert.ok(progress.every((p) => p.phase === 'saving memory' && p.bytesTotal === total));
    const params = mock.received.find((c) => c.execute === 'migrate-set-parameters');
    assert.equal(params?.arguments?.['max-bandwidth'], 8 << 20, 'the bandwidth limit reaches QEMU');
  });
});

test('a save cancelled through its signal sends migrate_cancel, rejects cancelled and leaves no file', async () => {
  await withSave(10_000, async ({ qmp, mock, dir, sentChunks }) => {
    const ac = new AbortController();
    const statePath = join(dir, 'vm.state');
    const save = saveGuestState(qmp, {
      socketPath: join(dir, 'save.sock'), statePath, timeoutMs: 10_000, progressIntervalMs: 20,
      job: { signal: ac.signal, onProgress: (p) => { if ((p.bytesDone ?? 0) > 0) ac.abort(); } },
    });
    await assert.rejects(save, (e: DriverError) => e instanceof DriverError && e.code === 'cancelled');
    assert.ok(mock.received.some((c) => c.execute === 'migrate_cancel'));
    assert.ok(sentChunks() < 10_000, 'QEMU stopped streaming');
    assert.equal(existsSync(statePath), false);
    assert.equal(existsSync(`${statePath}.partial`), false);
  });
});

test('a save whose signal was aborted before it began never asks QEMU to migrate', async () => {
  await withSave(10, async ({ qmp, mock, dir }) => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(saveGuestState(qmp, { socketPath: join(dir, 'save.sock'), statePath: join(dir, 's'), timeoutMs: 5000, job: { signal: ac.signal } }),
      (e: DriverError) => e.code === 'cancelled');
    assert.equal(mock.received.some((c) => c.execute === 'migrate'), false);
  });
});

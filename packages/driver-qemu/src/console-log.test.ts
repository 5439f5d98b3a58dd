// ConsoleLog against real files in a temp directory; an O_APPEND file descriptor
// stands in for QEMU's chardev logfile (QEMU opens it with O_APPEND: logappend=on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLog } from './console-log.ts';
import type { DriverLogger } from './driver-logger.ts';

const warnings: string[] = [];
const logger: DriverLogger = { debug: () => {}, info: () => {}, warn: (_o, msg) => warnings.push(msg), error: () => {} };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-console-log-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function consoleLogIn(dir: string, limit: number): ConsoleLog {
  return new ConsoleLog({ live: join(dir, 'console.log'), older: join(dir, 'console.log.1') }, limit, logger, 'i-test');
}

test('ConsoleLog: no files yet reads as empty; prepare makes the live file exist, owner-only, keeping its content', async () => {
  await withDir(async (dir) => {
    const c = consoleLogIn(dir, 16);
    assert.equal((await c.read()).length, 0);
    assert.equal(await c.rotate(), false);
    await c.prepare();
    assert.equal((await stat(c.files.live)).mode & 0o777, 0o600);
    await writeFile(c.files.live, 'booted\n', { flag: 'a' });
    await chmod(c.files.live, 0o644); // as QEMU would have created it
    await c.prepare();
    assert.equal((await c.read()).toString(), 'booted\n');
    assert.equal((await stat(c.files.live)).mode & 0o777, 0o600);
  });
});

test('ConsoleLog: an O_APPEND writer (QEMU) keeps writing from offset 0 after a rotation, with no hole', async () => {
  await withDir(async (dir) => {
    const c = consoleLogIn(dir, 10);
    await c.prepare();
    const fd = openSync(c.files.live, 'a');
    try {
      writeSync(fd, '0123456789abc');
      assert.equal(await c.rotate(), true);
      writeSync(fd, 'XY');
      assert.equal((await readFile(c.files.older)).toString(), '3456789abc');
      assert.equal((await readFile(c.files.live)).toString(), 'XY');
      assert.equal((await stat(c.files.older)).mode & 0o777, 0o600);
      assert.equal((await c.read()).toString(), '56789abcXY');
      writeSync(fd, 'Z'.repeat(12));
      assert.equal(await c.rotate(), true);
      assert.equal((await readFile(c.files.older)).toString(), 'Z'.repeat(10), 'the older file is replaced');
      assert.equal((await c.read()).toString(), 'Z'.repeat(10));
    } finally {
      closeSync(fd);
    }
  });
});

test('ConsoleLog: while watched, output seen on the socket triggers the rotation once the bound is reached', async () => {
  await withDir(async (dir) => {
    const c = consoleLogIn(dir, 100);
    await c.prepare();
    const fd = openSync(c.files.live, 'a');
    try {
      c.watch();
      for (let i = 0; i < 30; i++) {
        const line = Buffer.from(`line ${String(i).padStart(2, '0')}\n`); // 8 bytes
        writeSync(fd, line); // QEMU logs it …
        c.noteOutput(line); // … and sends it on the socket
      }
      await c.unwatch();
      const live = await readFile(c.files.live);
      const older = await readFile(c.files.older);
      assert.ok(older.length >= 100, 'rotated at least once');
      assert.ok(live.length < 100, `live file below the bound (${live.length})`);
      const all = Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(2, '0')}\n`).join('');
      assert.equal((await c.read()).toString(), all.slice(-100));
    } finally {
      closeSync(fd);
    }
  });
});

test('ConsoleLog: a QEMU that does not log itself is logged by the driver, in order, bounded', async () => {
  await withDir(async (dir) => {
    const c = consoleLogIn(dir, 64);
    c.writer = 'driver';
    c.watch();
    let all = '';
    for (let i = 0; i < 50; i++) {
      const chunk = `<${i}>`;
      all += chunk;
      c.noteOutput(Buffer.from(chunk));
    }
    const view = (await c.read()).toString();
    await c.unwatch();
    assert.equal(view, all.slice(-64));
    assert.ok((await stat(c.files.live)).size < 64);
    assert.equal((await stat(c.files.live)).mode & 0o777, 0o600);
  });
});

test('ConsoleLog: a live file that grew past the bound while nobody watched is cut back to its tail', async () => {
  await withDir(async (dir) => {
    const c = consoleLogIn(dir, 1024);
    await writeFile(c.files.older, 'x'.repeat(1024));
    await writeFile(c.files.live, `${'y'.repeat(50_000)}END`);
    c.watch();
    const view = await c.read(); // queued behind the first check
    await c.unwatch();
    assert.equal(view.length, 1024);
    assert.ok(view.toString().endsWith('yyyEND'));
    assert.equal((await stat(c.files.older)).size, 1024);
    assert.equal((await stat(c.files.live)).size, 0);
  });
  assert.deepEqual(warnings, []);
});

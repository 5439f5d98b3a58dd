// The durable console log with a real guest (the tiny image, TCG here, root, cgroups):
// what the guest printed before a driver restart, and while no driver was attached,
// is in consoleLog() of the next driver; the files stay bounded; destroy removes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTinyImage } from '@kumo/image-tiny';
import { QemuDriver, type QemuDriverOptions } from '../qemu-driver.ts';
import type { DriverLogger } from '../driver-logger.ts';
import { waitConsole, waitFor } from './console-wait.ts';
import { removeCgroupParent, tinyGuestSpec } from './test-guest.ts';

const LIMIT = 8 * 1024;
const quietLogger: DriverLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

test('console log survives driver restarts', { timeout: 240_000 }, async (t) => {
  const image = await buildTinyImage({ outDir: '/var/tmp/kumo-test-cache/tiny' });
  const work = await mkdtemp('/var/tmp/kumo-qemu-console-');
  const stateDir = join(work, 'state');
  const suffix = `${process.pid % 100000}`;
  const cgroupParent = `kumo-test-cl-${suffix}`;
  const id = `it-cl-${suffix}`;
  const opts: QemuDriverOptions = { stateDir, accel: 'tcg', cgroupParent, consoleLogBytes: LIMIT, logger: quietLogger };
  const drivers: QemuDriver[] = [];
  const newDriver = (): QemuDriver => {
    const d = new QemuDriver(opts);
    drivers.push(d);
    return d;
  };

  t.after(async () => {
    for (const d of drivers) await d.close().catch(() => {});
    const cleaner = new QemuDriver(opts);
    await cleaner.destroy(id).catch(() => {});
    await cleaner.close();
    await removeCgroupParent(cgroupParent);
    await rm(work, { recursive: true, force: true });
  });

  const spec = await tinyGuestSpec({ id, name: 'cl-vm', image, overlay: join(work, 'root.qcow2') });
  const liveFile = join(stateDir, id, 'console.log');
  const olderFile = join(stateDir, id, 'console.log.1');
  const fileText = async (p: string): Promise<string> => (await readFile(p).catch(() => Buffer.alloc(0))).toString('latin1');
  /**
   * Type a command that prints later, and close the driver once the guest echoed the
   * whole line, newline included: input still queued in QEMU's socket buffer (the UART
   * takes 16 bytes at a time) is dropped when the client goes away.
   */
  const typeThenClose = async (d: QemuDriver, command: string): Promise<void> => {
    await d.consoleWrite(id, Buffer.from(`${command}\n`));
    await waitConsole(d, id, `${command}\r\n`, 1, 20_000);
    await d.close();
  };

  const d1 = newDriver();
  await t.test('the guest boots; QEMU writes console.log (owner-only) itself', async () => {
    await d1.start(spec);
    await waitConsole(d1, id, 'KUMO-BOOT-OK', 1, 60_000);
    assert.match(await fileText(liveFile), /KUMO-BOOT-OK/);
    assert.equal((await stat(liveFile)).mode & 0o777, 0o600);
  });

  let d2!: QemuDriver;
  await t.test('after a driver restart the log has the boot and the output printed while no driver was attached', async () => {
    const pid = d1.pidOf(id);
    // $((6*7)) in the typed command is echoed as typed; "away-42" only appears when the
    // shell runs the echo, 3 s later, when no driver is connected to the console.
    await typeThenClose(d1, 'sleep 3; echo away-$((6*7))');
    await waitFor('QEMU to log away-42 with no driver attached', async () => (await fileText(liveFile)).includes('away-42'), 20_000);
    d2 = newDriver();
    assert.deepEqual(await d2.list(), [{ instanceId: id, power: 'running' }]);
    assert.equal(d2.pidOf(id), pid, 're-adopted, not restarted');
    const log = (await d2.consoleLog(id)).toString('latin1');
    assert.match(log, /KUMO-BOOT-OK/, 'output from before the restart');
    assert.match(log, /away-42/, 'output from while no driver was attached');
    await d2.consoleWrite(id, Buffer.from('echo back-$((2+3))\n'));
    await waitConsole(d2, id, 'back-5', 1, 20_000);
  });

  await t.test('while a driver is attached the files stay bounded and the log is the last consoleLogBytes', async () => {
    // The marker comes after a pause: during a burst with a client connected, QEMU 7.2
    // may log a byte twice (README, "Console log"), so nothing exact is matched inside it.
    await d2.consoleWrite(id, Buffer.from('seq 1 3000; sleep 1; echo seq-done-$((1+1))\n'));
    await waitConsole(d2, id, 'seq-done-2', 1, 30_000);
    const log = await d2.consoleLog(id);
    assert.equal(log.length, LIMIT);
    const live = (await stat(liveFile)).size;
    const older = (await stat(olderFile)).size;
    assert.ok(live < 2 * LIMIT, `console.log ${live} bytes`);
    assert.equal(older, LIMIT, 'console.log.1 holds exactly consoleLogBytes');
    assert.equal((await stat(olderFile)).mode & 0o777, 0o600);
  });

  let d3!: QemuDriver;
  await t.test('a log that grew past the bound while no driver ran is cut back by the next one, keeping its tail', async () => {
    await typeThenClose(d2, 'sleep 3; seq 1 5000; sleep 1; echo big-away-$((7*8))');
    await waitFor('QEMU to log big-away-56 with no driver attached', async () => (await fileText(liveFile)).includes('big-away-56'), 30_000);
    const grown = (await stat(liveFile)).size;
    assert.ok(grown > 2 * LIMIT, `console.log grew to ${grown} bytes with no driver to bound it`);
    d3 = newDriver();
    const log = (await d3.consoleLog(id)).toString('latin1');
    assert.equal(log.length, LIMIT);
    assert.match(log, /\r\n5000\r\n/, 'written with no client connected: logged exactly once');
    assert.match(log, /big-away-56/);
    assert.ok((await stat(liveFile)).size < LIMIT, 'console.log was cut back');
    assert.equal((await stat(olderFile)).size, LIMIT, 'console.log.1 holds the tail');
  });

  await t.test('the log outlives a stop; destroy removes it with the instance directory', async () => {
    await d3.stop(id, { force: true, timeoutSec: 0 });
    assert.match((await d3.consoleLog(id)).toString('latin1'), /big-away-56/);
    await d3.destroy(id);
    assert.equal(existsSync(join(stateDir, id)), false);
  });
});

// Real QEMU (TCG here), root, cgroups. One guest is booted and reused across the
// assertions, in order; a second driver on the same state directory re-adopts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DriverError, type DriverEvent, type InstanceSpec } from '@kumo/core';
import { buildTinyImage } from '@kumo/image-tiny';
import { QemuDriver, type QemuDriverOptions } from '../qemu-driver.ts';
import { isProcessAlive } from '../process-watch.ts';
import { detectCgroupLayout } from '../cgroup-manager.ts';
import type { DriverLogger } from '../driver-logger.ts';
import { consoleCount, waitConsole, waitFor } from './console-wait.ts';
import { removeCgroupParent } from './test-guest.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;

async function linkInfo(name: string): Promise<{ master?: string; mtu: number; operstate: string; flags: string[] } | undefined> {
  try {
    const { stdout } = await run('ip', ['-j', 'link', 'show', 'dev', name]);
    return (JSON.parse(stdout) as Array<{ master?: string; mtu: number; operstate: string; flags: string[] }>)[0];
  } catch {
    return undefined;
  }
}

const quietLogger: DriverLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

test('QEMU driver against a real guest', { timeout: 240_000 }, async (t) => {
  const image = await buildTinyImage({ outDir: '/var/tmp/kumo-test-cache/tiny' });
  const work = await mkdtemp('/var/tmp/kumo-qemu-it-');
  const stateDir = join(work, 'state');
  const suffix = `${process.pid % 100000}`;
  const cgroupParent = `kumo-test-${suffix}`;
  const bridge = `kbr${suffix}`;
  const tap = `ktap${suffix}`;
  const id = `it-vm-${suffix}`;
  const opts: QemuDriverOptions = { stateDir, accel: 'tcg', cgroupParent, logger: quietLogger, guestAgentTimeoutMs: 1500 };
  const drivers: QemuDriver[] = [];
  const newDriver = (): QemuDriver => {
    const d = new QemuDriver(opts);
    drivers.push(d);
    return d;
  };

  await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  t.after(async () => {
    for (const d of drivers) await d.close().catch(() => {});
    const cleaner = new QemuDriver(opts);
    await cleaner.destroy(id).catch(() => {});
    await cleaner.destroy(`${id}-bad`).catch(() => {});
    await cleaner.close();
    await run('ip', ['link', 'del', bridge]).catch(() => {});
    await removeCgroupParent(cgroupParent);
    await rm(work, { recursive: true, force: true });
  });

  const overlay = join(work, 'vm1.qcow2');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image.rootDisk, overlay]);
  const spec: InstanceSpec = {
    instanceId: id,
    name: 'it-vm1',
    vcpus: 1,
    memoryMiB: 128,
    root: { kind: 'disk', disk: { volumeId: 'vol-it-root', path: overlay, format: 'qcow2', pciSlot: 0x10, serial: 'vol-it-root' } },
    disks: [],
    nics: [{ nicId: 'nic-0', mac: '52:54:00:12:34:56', attach: { kind: 'tap', tap }, pciSlot: 0x08, bridge, mtu: 1400 }],
    boot: { kernelPath: image.kernel, initrdPath: image.initrd, cmdline: `${image.cmdline} kumo_hostname=it-vm1` },
    stopTimeoutSec: 30,
    cpuQuota: 0.5,
    // A display and the guest agent channel on a directly booted kernel (which has neither by default).
    graphicalConsole: true,
    guest: { guestAgent: true },
  };
  const layout = await detectCgroupLayout('/sys/fs/cgroup');
  const memoryGroup = layout.kind === 'v1' && layout.controllers.memory ? join(layout.controllers.memory, cgroupParent, id) : undefined;
  const cpuGroup = layout.kind === 'v1' && layout.controllers.cpu ? join(layout.controllers.cpu, cgroupParent, id) : undefined;

  const d1 = newDriver();
  const events1: DriverEvent[] = [];
  d1.onEvent((e) => {
    if (e.kind === 'power') events1.push(e);
  });
  const consoleChunks: Buffer[] = [];
  d1.onEvent((e) => {
    if (e.kind === 'console') consoleChunks.push(e.data);
  });
  let pid = 0;

  await t.test('facts come from /proc and qemu --version', async () => {
    const f = await d1.facts();
    assert.equal(f.accelerator, 'tcg');
    assert.match(f.hypervisorVersion, /^\d+\.\d+/);
    assert.ok(f.cpus >= 1 && f.memoryMiB > 0 && f.cpuModel.length > 0 && f.hostname.length > 0);
  });

  await t.test('a start failure carries QEMU\'s own error and leaves nothing behind', async () => {
    const bad: InstanceSpec = {
      ...spec,
      instanceId: `${id}-bad`,
      nics: [],
      root: { kind: 'disk', disk: { volumeId: 'vol-missing', path: join(work, 'missing.qcow2'), format: 'qcow2', pciSlot: 0x10, serial: 'vol-missing' } },
    };
    await assert.rejects(d1.start(bad), (err: unknown) => {
      assert.ok(err instanceof DriverError);
      assert.equal(err.code, 'start_failed');
      assert.match(err.message, /missing\.qcow2/);
      assert.match(err.message, /No such file or directory/);
      return true;
    });
    assert.equal(existsSync(join(stateDir, bad.instanceId)), false);
    if (memoryGroup) assert.equal(existsSync(join(memoryGroup, '..', bad.instanceId)), false);
    assert.deepEqual(await d1.inspect(bad.instanceId), { instanceId: bad.instanceId, power: 'stopped', reason: 'not defined' });
  });

  await t.test('start resolves running; QEMU sits in its cgroup with the limits; the tap is on its bridge', async () => {
    const st = await d1.start(spec);
    assert.deepEqual(st, { instanceId: id, power: 'running' });
    pid = d1.pidOf(id) ?? 0;
    assert.ok(await isProcessAlive(pid));
    assert.equal((await readFile(join(stateDir, id, 'qemu.pid'), 'utf8')).trim(), String(pid));
    assert.deepEqual(JSON.parse(await readFile(join(stateDir, id, 'spec.json'), 'utf8')), spec);
    if (memoryGroup && cpuGroup) {
      assert.equal(Number(await readFile(join(memoryGroup, 'memory.limit_in_bytes'), 'utf8')), (128 + 100 + 64) * MiB, 'guest RAM + QEMU overhead + the display (save_of_guest_with_display_oom_killed)');
      assert.match(await readFile(join(memoryGroup, 'cgroup.procs'), 'utf8'), new RegExp(`^${pid}$`, 'm'));
      assert.equal((await readFile(join(cpuGroup, 'cpu.cfs_quota_us'), 'utf8')).trim(), '50000');
    } else {
      assert.equal(layout.kind, 'v2'); // this test runs on v1 (CI) or v2 hosts
    }
    const link = await linkInfo(tap);
    assert.equal(link?.master, bridge);
    assert.equal(link?.mtu, 1400);
    assert.ok(link?.flags.includes('UP'));
    assert.deepEqual(await d1.start(spec), { instanceId: id, power: 'running' }, 'start is idempotent');
    assert.equal(d1.pidOf(id), pid);
  });

  await t.test('console output arrives, and console input reaches the guest shell', async () => {
    await waitConsole(d1, id, 'KUMO-BOOT-OK', 1, 60_000);
    assert.ok(Buffer.concat(consoleChunks).toString('latin1').includes('KUMO-BOOT-OK'), 'console events carry the output');
    await d1.consoleWrite(id, Buffer.from('echo kumo-$((6*7))\n'));
    await waitConsole(d1, id, 'kumo-42', 1, 20_000);
  });

  await t.test('graphical console: a real VNC handshake over the display stream; screendump is a PNG of the VGA screen', async () => {
    const got: Buffer[] = [];
    let more = () => {};
    const stream = await d1.openDisplay(id, { onData: (b) => { got.push(b); more(); }, onClose: () => more() });
    try {
      const until = async (n: number) => { while (Buffer.concat(got).length < n) await new Promise<void>((r) => { more = r; }); };
      await until(12);
      assert.equal(Buffer.concat(got).subarray(0, 12).toString('latin1'), 'RFB 003.008\n', 'QEMU\'s VNC server greets');
      stream.write(Buffer.from('RFB 003.008\n'));
      await until(12 + 2);
      const sec = Buffer.concat(got).subarray(12);
      assert.ok(sec[0]! >= 1 && [...sec.subarray(1, 1 + sec[0]!)].includes(1), 'security type None offered (the socket is the access control)');
    } finally {
      stream.close();
    }
    const png = await d1.screenshot(id);
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'PNG signature');
    assert.equal(png.toString('latin1', 12, 16), 'IHDR');
    const size = { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
    t.diagnostic(`screendump ${size.width}×${size.height}, ${png.length} bytes`);
    assert.deepEqual(size, { width: 720, height: 400 }, 'VGA text mode (80×25 of 9×16 cells)');
    assert.deepEqual((await readdir(join(stateDir, id))).filter((f) => f.startsWith('screendump')), [], 'no screendump file left');
  });

  await t.test('guest agent channel without an agent in the guest: guestInfo fails with timeout within its bound, no hang', async () => {
    const started = Date.now();
    await assert.rejects(d1.guestInfo(id), (e: unknown) => e instanceof DriverError && e.code === 'timeout');
    t.diagnostic(`no agent: timeout after ${Date.now() - started} ms (bound 1500 ms per step)`);
  });

  await t.test('pause and resume', async () => {
    assert.equal((await d1.pause(id)).power, 'paused');
    assert.equal((await d1.inspect(id)).power, 'paused');
    assert.equal((await d1.pause(id)).power, 'paused');
    assert.equal((await d1.resume(id)).power, 'running');
    await d1.consoleWrite(id, Buffer.from('echo resumed-$((1+1))\n'));
    await waitConsole(d1, id, 'resumed-2', 1, 20_000);
  });

  await t.test('reboot resets the guest, which boots again in the same QEMU', async () => {
    assert.equal((await d1.reboot(id)).power, 'running');
    await waitConsole(d1, id, 'KUMO-BOOT-OK', 2, 60_000);
    assert.equal(d1.pidOf(id), pid);
  });

  const statePath = join(work, 'vm1.state');
  await t.test('save stops the guest into a file; restore brings back the same memory', async () => {
    await d1.consoleWrite(id, Buffer.from('KM=saved-$((40+2)); echo marked-$((1+2))\n'));
    await waitConsole(d1, id, 'marked-3', 1, 20_000);
    const saved = await d1.save(id, statePath);
    assert.equal(saved.power, 'saved');
    assert.ok(await waitFor('the saved QEMU to be gone', async () => !(await isProcessAlive(pid)), 5000));
    assert.ok((await readFile(statePath)).length > 1 * MiB);
    assert.equal((await d1.inspect(id)).power, 'saved');
    assert.equal((await d1.save(id, statePath)).power, 'saved', 'save is idempotent');
    if (memoryGroup) assert.equal(existsSync(memoryGroup), false, 'cgroup removed after exit');

    const restored = await d1.restore(spec, statePath);
    assert.equal(restored.power, 'running');
    assert.notEqual(d1.pidOf(id), pid);
    pid = d1.pidOf(id) ?? 0;
    await d1.consoleWrite(id, Buffer.from('echo "$KM"\n'));
    await waitConsole(d1, id, 'saved-42', 1, 20_000);
  });

  let d2!: QemuDriver;
  const events2: DriverEvent[] = [];
  await t.test('a second driver on the same state dir re-adopts the running guest without restarting it', async () => {
    await d1.close();
    d2 = newDriver();
    d2.onEvent((e) => {
      if (e.kind === 'power') events2.push(e);
    });
    assert.deepEqual(await d2.list(), [{ instanceId: id, power: 'running' }]);
    assert.equal(d2.pidOf(id), pid);
    assert.ok(await consoleCount(d2, id, 'KUMO-BOOT-OK') >= 2, 'the console log from before the restart (boot and reboot) is kept');
    await d2.consoleWrite(id, Buffer.from('echo "again-$KM"\n'));
    await waitConsole(d2, id, 'again-saved-42', 1, 20_000);
  });

  await t.test('graceful stop: the guest powers off on the ACPI button', async () => {
    const started = Date.now();
    const st = await d2.stop(id, { force: false, timeoutSec: 30 });
    assert.deepEqual(st, { instanceId: id, power: 'stopped', reason: 'guest shut down' });
    assert.ok(Date.now() - started < 25_000);
    assert.equal(await isProcessAlive(pid), false);
    assert.equal(existsSync(join(stateDir, id, 'qemu.pid')), false);
    assert.equal(existsSync(join(stateDir, id, 'qmp.sock')), false);
    if (memoryGroup) assert.equal(existsSync(memoryGroup), false);
    assert.equal(await linkInfo(tap), undefined, 'QEMU\'s tap went away with it');
    assert.deepEqual(await d2.stop(id, { force: false, timeoutSec: 30 }), st, 'stop is idempotent');
  });

  await t.test('a guest that powers itself off is reported as a stopped event', async () => {
    const booted = await consoleCount(d2, id, 'KUMO-BOOT-OK');
    await d2.start(spec);
    await waitConsole(d2, id, 'KUMO-BOOT-OK', booted + 1, 60_000);
    await d2.consoleWrite(id, Buffer.from('poweroff\n'));
    await waitFor('a stopped event', async () => events2.find((e) => e.kind === 'power' && e.power === 'stopped'), 30_000);
    assert.deepEqual(events2, [{ kind: 'power', instanceId: id, power: 'stopped', reason: 'guest-shutdown' }]);
    assert.deepEqual(await d2.inspect(id), { instanceId: id, power: 'stopped', reason: 'guest-shutdown' });
  });

  await t.test('QEMU killed behind the driver\'s back is reported as crashed', async () => {
    events2.length = 0;
    await d2.start(spec);
    const p = d2.pidOf(id) ?? 0;
    process.kill(p, 'SIGKILL');
    const e = await waitFor('a crashed event', async () => events2.find((x) => x.kind === 'power'), 10_000);
    assert.equal(e.kind === 'power' && e.power, 'crashed');
    assert.match((e.kind === 'power' && e.reason) || '', /QEMU exited unexpectedly/);
    assert.equal((await d2.inspect(id)).power, 'crashed');
    if (memoryGroup) assert.equal(existsSync(memoryGroup), false);
  });

  let d3!: QemuDriver;
  await t.test('a QEMU that died while no driver was running is reported stopped by the next one', async () => {
    await d2.start(spec);
    const p = d2.pidOf(id) ?? 0;
    await d2.close();
    process.kill(p, 'SIGKILL');
    await waitFor('QEMU to die', async () => !(await isProcessAlive(p)), 5000);
    d3 = newDriver();
    assert.deepEqual(await d3.list(), [{ instanceId: id, power: 'stopped', reason: 'QEMU process gone' }]);
    assert.equal(existsSync(join(stateDir, id, 'qemu.pid')), false);
    if (memoryGroup) assert.equal(existsSync(memoryGroup), false);
  });

  await t.test('force stop, then destroy leaves nothing on disk', async () => {
    await d3.start(spec);
    const p = d3.pidOf(id) ?? 0;
    const started = Date.now();
    const st = await d3.stop(id, { force: true, timeoutSec: 0 });
    assert.deepEqual(st, { instanceId: id, power: 'stopped', reason: 'stopped (forced)' });
    assert.ok(Date.now() - started < 5000);
    assert.equal(await isProcessAlive(p), false);

    await d3.start(spec);
    const p2 = d3.pidOf(id) ?? 0;
    await d3.destroy(id);
    assert.equal(await isProcessAlive(p2), false);
    assert.equal(existsSync(join(stateDir, id)), false);
    if (memoryGroup) assert.equal(existsSync(memoryGroup), false);
    assert.equal(await linkInfo(tap), undefined);
    assert.deepEqual(await readdir(stateDir), []);
    await d3.destroy(id);
    assert.deepEqual(await d3.list(), []);
    assert.deepEqual(await d3.inspect(id), { instanceId: id, power: 'stopped', reason: 'not defined' });
  });

  assert.deepEqual(events1, [], 'driver-initiated changes (pause, reboot, save, ...) emit no power events');
});

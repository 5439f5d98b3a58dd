// Live migration between two QEMU drivers on one machine ("hosts" A and B: own state directories
// and cgroups), over loopback, with one tiny guest booted once and moved back and forth:
//   1. shared storage A → B: a counter the guest prints every second continues on B's console;
//      prepareIncoming is idempotent; the source ends paused with reason 'migrated'
//   2. B fails to take over (its copy destroyed): resume() runs the migrated-away source again
//   3. cancel A → B (bandwidth held low): the guest keeps running on A, B's waiting copy is gone
//   4. local disks A → B: the root overlay and a raw data disk are mirrored over NBD into B's own
//      files; a marker written by the guest before is readable after, and B's file holds it;
//      then back to A in post-copy (switched after the first pass at 8 MiB/s)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DriverError, type InstanceSpec, type JobProgress, type MigrationPolicy } from '@kumo/core';
import { buildTinyImage } from '@kumo/image-tiny';
import { QemuDriver, type QemuDriverOptions } from '../qemu-driver.ts';
import type { DriverLogger } from '../driver-logger.ts';
import { waitConsole, waitFor } from './console-wait.ts';
import { consoleRun } from './guest-disks.ts';
import { removeCgroupParent, tinyGuestSpec } from './test-guest.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const quietLogger: DriverLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const policy: MigrationPolicy = { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 0, autoConverge: false, postcopyAfterPasses: null, timeoutMs: 120_000 };

/** The highest "TICK n" on the instance's console. */
async function lastTick(d: QemuDriver, id: string): Promise<number> {
  const ticks = [...(await d.consoleLog(id)).toString('latin1').matchAll(/TICK (\d+)\r?\n/g)].map((m) => Number(m[1]));
  return ticks.length ? Math.max(...ticks) : 0;
}

function waitTickAbove(d: QemuDriver, id: string, n: number): Promise<number> {
  return waitFor(`a TICK above ${n} on ${id}`, async () => {
    const t = await lastTick(d, id);
    return t > n ? t : undefined;
  }, 60_000);
}

test('QEMU live migration between two drivers on loopback', { timeout: 600_000 }, async (t) => {
  const image = await buildTinyImage({ outDir: '/var/tmp/kumo-test-cache/tiny' });
  const work = await mkdtemp('/var/tmp/kumo-qemu-mig-');
  const suffix = `${process.pid % 100000}`;
  const id = `mig-vm-${suffix}`;
  const optsA: QemuDriverOptions = { stateDir: join(work, 'a'), accel: 'tcg', cgroupParent: `kumo-miga-${suffix}`, logger: quietLogger };
  const optsB: QemuDriverOptions = { ...optsA, stateDir: join(work, 'b'), cgroupParent: `kumo-migb-${suffix}` };
  let a = new QemuDriver(optsA);
  let b = new QemuDriver(optsB);
  const drivers = [a, b];
  t.after(async () => {
    for (const d of drivers) {
      await d.destroy(id).catch(() => {});
      await d.close().catch(() => {});
    }
    await removeCgroupParent(optsA.cgroupParent!);
    await removeCgroupParent(optsB.cgroupParent!);
    await rm(work, { recursive: true, force: true });
  });

  const dataOn = async (host: string): Promise<string> => {
    const path = join(work, `${host}-data.raw`);
    await run('truncate', ['-s', '8M', path]);
    return path;
  };
  const base = await tinyGuestSpec({ id, name: 'mig', image, overlay: join(work, 'shared-root.qcow2'), stopTimeoutSec: 10 });
  const spec: InstanceSpec = { ...base, disks: [{ volumeId: 'vol-mig-data', path: await dataOn('shared'), format: 'raw', pciSlot: 0x11, serial: 'vol-mig-data' }] };
  await a.start(spec);
  await waitConsole(a, id, 'KUMO-BOOT-OK', 1, 120_000);
  await a.consoleWrite(id, Buffer.from('(i=0; while :; do i=$((i+1)); echo "TICK $i"; sleep 1; done) &\n'));
  const before = await waitTickAbove(a, id, 1);

  /** The disks the guest runs on now (B's files after the local-disk move). */
  let current = spec;

  await t.test('shared storage: the counter continues on the target; the source is paused (migrated)', async () => {
    const incoming = { listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false };
    const endpoint = await b.prepareIncoming(spec, incoming);
    assert.match(endpoint.uri, /^tcp:127\.0\.0\.1:\d+$/);
    assert.equal(endpoint.nbd, undefined);
    assert.deepEqual(await b.prepareIncoming(spec, incoming), endpoint, 'a repeated prepare returns the same endpoint');
    assert.equal((await b.inspect(id)).power, 'incoming');
    const progress: JobProgress[] = [];
    const result = await a.migrate(id, endpoint, policy, { onProgress: (p) => progress.push(p) });
    assert.ok(result.totalMs > 0 && result.ramTransferredBytes > 0 && result.passes >= 1, JSON.stringify(result));
    assert.equal(result.postcopy, false);
    assert.equal(result.diskBytes, 0);
    assert.ok(progress.some((p) => p.migration?.stage === 'pre-copy' || p.migration?.stage === 'completing'), JSON.stringify(progress));
    assert.deepEqual(await a.inspect(id), { instanceId: id, power: 'paused', reason: 'migrated' });
    assert.equal((await b.finishIncoming(id, { timeoutMs: 30_000 })).power, 'running');
    const onA = await lastTick(a, id);
    assert.ok(onA >= before);
    const onB = await waitTickAbove(b, id, onA);
    assert.ok(onB > onA, `the counter continues on the target (A last ${onA}, B ${onB})`);
    t.diagnostic(`shared storage: ${JSON.stringify(result)}`);
  });

  await t.test('the target fails to take over: the migrated-away source runs again after resume()', async () => {
    await b.destroy(id);
    const last = await lastTick(a, id);
    assert.equal((await a.resume(id)).power, 'running');
    assert.equal((await a.inspect(id)).reason, undefined);
    await waitTickAbove(a, id, last);
  });

  await t.test('cancel keeps the guest running on the source; the waiting target copy is removed', async () => {
    const endpoint = await b.prepareIncoming(spec, { listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false });
    const ac = new AbortController();
    const slow = { ...policy, maxBandwidthBytesPerSec: 1 * MiB };
    const p = a.migrate(id, endpoint, slow, { signal: ac.signal, onProgress: (pr) => { if ((pr.migration?.ramTransferredBytes ?? 0) > 0) ac.abort(); } });
    await assert.rejects(p, (err: unknown) => err instanceof DriverError && err.code === 'cancelled');
    assert.deepEqual(await a.inspect(id), { instanceId: id, power: 'running' });
    await waitTickAbove(a, id, await lastTick(a, id));
    await waitFor('the waiting copy on B to be removed', async () => (await b.inspect(id)).reason === 'not defined', 30_000);
    await assert.rejects(b.finishIncoming(id, { timeoutMs: 1000 }), (err: unknown) => err instanceof DriverError && err.code === 'start_failed');
  });

  await t.test('local disks: mirrored over NBD; a marker written before is readable after, and in the target file; back in post-copy', async () => {
    await consoleRun(a, id, 'echo KUMO-MIG-MARK-7 | dd of=/dev/vdb bs=512 seek=64 conv=fsync 2>/dev/null', 60_000);
    const bData = await dataOn('b');
    const bRoot = join(work, 'b-root.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image.rootDisk, bRoot]);
    const specB: InstanceSpec = {
      ...spec,
      root: { kind: 'disk', disk: { ...(spec.root as { kind: 'disk'; disk: InstanceSpec['disks'][number] }).disk, path: bRoot } },
      disks: [{ ...spec.disks[0]!, path: bData }],
    };
    current = specB;
    const vols = [specB.root?.kind === 'disk' ? specB.root.disk.volumeId : '', 'vol-mig-data'];
    const endpoint = await b.prepareIncoming(specB, { listenAddress: '127.0.0.1', receiveDisks: vols, postcopy: false });
    assert.deepEqual(endpoint.nbd?.exports, vols);
    const stages = new Set<string>();
    const result = await a.migrate(id, endpoint, policy, { onProgress: (p) => { if (p.migration) stages.add(p.migration.stage); } });
    assert.ok(stages.has('mirroring-disks'), [...stages].join());
    assert.ok(result.diskBytes > 0, JSON.stringify(result));
    assert.equal((await b.finishIncoming(id, { timeoutMs: 30_000 })).power, 'running');
    const out = await consoleRun(b, id, 'dd if=/dev/vdb bs=512 skip=64 count=1 2>/dev/null | head -c 16; echo', 60_000);
    assert.match(out, /KUMO-MIG-MARK-7/);
    const f = await open(bData, 'r');
    const buf = Buffer.alloc(16);
    await f.read(buf, 0, 16, 64 * 512);
    await f.close();
    assert.equal(buf.toString('latin1'), 'KUMO-MIG-MARK-7\n');
    await a.destroy(id);
    await waitTickAbove(b, id, await lastTick(b, id));
    t.diagnostic(`local disks: ${JSON.stringify(result)}`);

    // post-copy, back to A on B's files (shared from here on): switched after the first pass
    const back = await a.prepareIncoming(specB, { listenAddress: '127.0.0.1', receiveDisks: [], postcopy: true });
    const stagesBack = new Set<string>();
    const pc = await b.migrate(id, back, { ...policy, maxBandwidthBytesPerSec: 8 * MiB, postcopyAfterPasses: 1 }, { onProgress: (p) => { if (p.migration) stagesBack.add(p.migration.stage); } });
    assert.equal(pc.postcopy, true, JSON.stringify(pc));
    assert.ok(stagesBack.has('post-copy'), [...stagesBack].join());
    assert.equal((await a.finishIncoming(id, { timeoutMs: 30_000 })).power, 'running');
    await b.destroy(id);
    await waitTickAbove(a, id, await lastTick(a, id));
    t.diagnostic(`post-copy: ${JSON.stringify(pc)}`);
  });

  await t.test('both agents restarted mid-migration: the new drivers re-adopt the waiting copy (incoming; it takes over) and the migrated-away source (paused, migrated)', async () => {
    const endpoint = await b.prepareIncoming(current, { listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false });
    await b.close();
    b = new QemuDriver(optsB);
    drivers.push(b);
    assert.equal((await b.inspect(id)).power, 'incoming', 'the re-adopted copy still waits');
    await a.migrate(id, endpoint, policy);
    await a.close();
    a = new QemuDriver(optsA);
    drivers.push(a);
    assert.deepEqual(await a.inspect(id), { instanceId: id, power: 'paused', reason: 'migrated' });
    assert.equal((await b.finishIncoming(id, { timeoutMs: 30_000 })).power, 'running');
    const onA = await lastTick(a, id);
    await a.destroy(id);
    await waitTickAbove(b, id, onA);
  });
});

// The driver conformance suite (@kumo/driver-conformance) against the QEMU driver: real tiny
// guests under TCG, as root, with cgroups. One guest is booted and reused across the cases.
//
// Saves are throttled to 24 MiB/s (the driver's saveBandwidthBytesPerSec) so that the save-cancel
// case can cancel one mid-way (the tiny guest's state is ~70 MiB: about 3 s). Start does not take a
// signal yet (it is bounded by startTimeoutMs). The guest has no NIC: tap clean-up is covered by
// qemu-driver.test.ts. The disk cases hot-plug into the same guest (q35, behind the pcie-root-port
// at the disk's slot) and read /sys/block through its console; the backup-cancel case is not
// registered (a real backup of a small disk ends before a cancel lands: instance-disk-backup.test.ts
// cancels one against a scripted QMP peer). The migration cases move the guest to a second driver
// ("other host": its own state directory and cgroups, same disk files) over loopback and back.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describeDriverConformance } from '@kumo/driver-conformance';
import { buildTinyImage } from '@kumo/image-tiny';
import { detectCgroupLayout } from '../cgroup-manager.ts';
import type { DriverLogger } from '../driver-logger.ts';
import { QemuDriver, type QemuDriverOptions } from '../qemu-driver.ts';
import { qemuDiskHarness } from './guest-disks.ts';
import { removeCgroupParent, tinyGuestSpec } from './test-guest.ts';

const quietLogger: DriverLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const work = await mkdtemp('/var/tmp/kumo-qemu-conf-');
const suffix = `${process.pid % 100000}`;
const cgroupParent = `kumo-conf-${suffix}`;
const opts: QemuDriverOptions = { stateDir: join(work, 'state'), accel: 'tcg', cgroupParent, logger: quietLogger, saveBandwidthBytesPerSec: 24 * 1024 * 1024 };
/** The second host of the migration cases: its own state directory and cgroups, storage shared. */
const otherHost: QemuDriverOptions = { ...opts, stateDir: join(work, 'other-host'), cgroupParent: `kumo-conf-other-${suffix}` };
const image = await buildTinyImage({ outDir: '/var/tmp/kumo-test-cache/tiny' });

async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).map((f) => relative(dir, join(dir, f)));
  } catch {
    return [];
  }
}

/** QEMU processes started for this run (their command line names the run's state directory). */
async function qemuProcesses(): Promise<string[]> {
  const out: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(opts.stateDir)) out.push(`process:${cmd.split('\0')[0] ?? ''} ${pid}`);
  }
  return out;
}

async function cgroups(): Promise<string[]> {
  const layout = await detectCgroupLayout('/sys/fs/cgroup');
  const roots = layout.kind === 'v1' ? [...new Set(Object.values(layout.controllers))] : layout.kind === 'v2' ? [layout.root] : [];
  const out: string[] = [];
  for (const r of roots) {
    const groups = await readdir(join(r, cgroupParent), { withFileTypes: true }).catch(() => []);
    for (const g of groups) if (g.isDirectory()) out.push(`cgroup:${join(r, cgroupParent, g.name)}`);
  }
  return out;
}

describeDriverConformance<QemuDriver>('qemu (TCG, tiny guest)', {
  newDriver: async () => new QemuDriver(opts),
  guestSpec: (name) => tinyGuestSpec({ id: `conf-${name}-${suffix}`, name: `conf-${name}`, image, overlay: join(work, `${name}.qcow2`), stopTimeoutSec: 30 }),
  failingSpec: async () => {
    const spec = await tinyGuestSpec({ id: `conf-fails-${suffix}`, name: 'conf-fails', image, overlay: join(work, 'fails.qcow2') });
    return { ...spec, boot: { ...spec.boot, kernelPath: join(work, 'missing-vmlinuz') } };
  },
  slowDownSave: async () => {}, // every save of this harness is throttled (opts.saveBandwidthBytesPerSec)
  guestPowerOff: (d, id) => d.consoleWrite(id, Buffer.from('poweroff\n')),
  hostResidue: async () => [
    ...(await filesUnder(opts.stateDir)).map((f) => `file:${f}`),
    ...(await qemuProcesses()),
    ...(await cgroups()),
  ].sort(),
  statePath: (name) => join(work, name),
  stateFileExists: async (path) => existsSync(path),
  bootMarker: 'KUMO-BOOT-OK',
  bootTimeoutMs: 120_000,
  answerTimeoutMs: 30_000,
  stopTimeoutSec: 30,
  disks: qemuDiskHarness(work, 30_000),
  migration: {
    otherHost: async () => new QemuDriver(otherHost),
    listenAddress: '127.0.0.1',
    // 1 MiB/s: the tiny guest's ~70 MiB of memory take over a minute, so a cancel lands mid-stream
    slowPolicy: { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 1024 * 1024, autoConverge: false, postcopyAfterPasses: null, timeoutMs: 120_000 },
  },
  cleanup: async () => {
    for (const o of [opts, otherHost]) {
      const cleaner = new QemuDriver(o);
      for (const s of await cleaner.list().catch(() => [])) await cleaner.destroy(s.instanceId).catch(() => {});
      await cleaner.close();
    }
    await removeCgroupParent(cgroupParent);
    await removeCgroupParent(otherHost.cgroupParent!);
    await rm(work, { recursive: true, force: true });
  },
}, { timeout: 900_000 });

// The conformance suite against the fake driver: every case, including the ones gated on
// harness support (cancel of start and save, a driver without capabilities).
import type { InstanceSpec } from '@kumo/core';
import { describeDriverConformance } from '@kumo/driver-conformance';
import { FakeDriver, type FakeDriverOptions } from './fake-driver.ts';
import { FakeHost } from './fake-host.ts';

const host = new FakeHost('conformance-host');
const otherHost = new FakeHost('conformance-host-2');
const opts: FakeDriverOptions = { hostname: 'conformance-host', host, delays: { start: 5, stop: 5, other: 5 } };
const spec = (name: string): InstanceSpec => ({
  instanceId: `i-${name}`, name, vcpus: 1, memoryMiB: 128, disks: [],
  nics: [{ nicId: `nic-${name}`, mac: '52:54:00:00:00:01', attach: { kind: 'tap', tap: `tap-${name}` }, pciSlot: 0x08 }],
  boot: {}, stopTimeoutSec: 5,
});

describeDriverConformance<FakeDriver>('fake', {
  newDriver: async () => new FakeDriver(opts),
  guestSpec: async (name) => spec(name),
  failingSpec: async (d) => {
    d.failAfter('start', 2, 'qemu-system-x86_64: -drive file=/missing.qcow2: Could not open');
    return spec('fails');
  },
  guestPowerOff: async (d, id) => d.guestPoweroff(id),
  hostResidue: async () => host.snapshot(),
  statePath: (name) => `/fake/${name}`,
  stateFileExists: async (path) => host.stateFiles.has(path) && host.artifacts.has(`file:${path}`),
  bootMarker: 'KUMO-BOOT-OK',
  bootTimeoutMs: 2000,
  answerTimeoutMs: 2000,
  stopTimeoutSec: 5,
  driverWithoutCapabilities: async () => new FakeDriver({ ...opts, capabilities: [] }),
  slowDownSave: async () => {}, // delays.other makes the fake's save take long enough to cancel mid-way
  slowDownStart: async () => {}, // likewise delays.start
  cleanup: async () => { host.wipe(); otherHost.wipe(); },
  migration: {
    otherHost: async () => new FakeDriver({ ...opts, hostname: 'conformance-host-2', host: otherHost }),
    listenAddress: '127.0.0.1',
    // The fake checks the signal at every pass; the suite cancels at the first progress report.
    slowPolicy: { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 0, autoConverge: false, postcopyAfterPasses: null, timeoutMs: 120_000 },
  },
  disks: {
    dataDisk: async (name, sizeBytes, pciSlot) => {
      const path = `/fake/pool/vol-${name}.qcow2`;
      host.addDiskFile(path, sizeBytes);
      return { volumeId: `vol-${name}`, path, format: 'qcow2', pciSlot, serial: `vol-${name}` };
    },
    guestDisks: async (_d, id) => (host.guests.get(id)?.devices ?? []).map((x) => ({ serial: x.serial, sizeBytes: x.sizeBytes })),
    writeFromGuest: async (d, id, serial, text) => d.guestWritesDisk(id, serial, text),
    backupStartsWith: async (path, text) => host.artifacts.has(`file:${path}`) && host.backups.get(path)?.data === text,
    backupMatches: async (disk, path) => {
      const b = host.backups.get(path);
      return b !== undefined && b.volumeId === disk.volumeId && b.data === host.diskData.get(disk.path) && b.sizeBytes === host.diskFiles.get(disk.path);
    },
    backupPath: (name) => `/fake/backups/${name}`,
    fileExists: async (path) => host.artifacts.has(`file:${path}`),
    iso: async (name) => ({ path: `/fake/images/${name}.iso`, imageVersionId: `imgv-${name}` }),
    cdromMedium: async (_d, id) => host.guests.get(id)?.spec.cdrom?.iso?.path ?? null,
    slowDownBackup: async () => {}, // delays.other makes the fake's backup copy take long enough to cancel
  },
});

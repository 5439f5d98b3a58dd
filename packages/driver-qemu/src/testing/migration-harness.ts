/** A DriverContext with one instance i-1 whose QMP peer is a MockMigrationQemu (for the migration unit tests). */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, type InstanceSpec } from '@kumo/core';
import { DriverContext } from '../driver-context.ts';
import type { InstanceRecord } from '../instance-record.ts';
import { LiveQemu } from '../live-qemu.ts';
import { MockMigrationQemu } from './mock-migration-qemu.ts';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export interface MigrationHarness {
  ctx: DriverContext;
  rec: InstanceRecord;
  live: LiveQemu;
  qemu: MockMigrationQemu;
  clock: FakeClock;
  /** Advances the fake clock in poll-sized steps until p settles. */
  pump<T>(p: Promise<T>, stepMs?: number): Promise<T>;
  close(): Promise<void>;
}

export const harnessSpec: InstanceSpec = {
  instanceId: 'i-1', name: 'vm', vcpus: 1, memoryMiB: 128,
  root: { kind: 'disk', disk: { volumeId: 'vol-root', path: '/root.qcow2', format: 'qcow2', pciSlot: 0x10, serial: 'vol-root' } },
  disks: [{ volumeId: 'vol-data', path: '/data.raw', format: 'raw', pciSlot: 0x11, serial: 'vol-data' }],
  nics: [], boot: {}, stopTimeoutSec: 5,
};

export async function migrationHarness(): Promise<MigrationHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-mig-'));
  const clock = new FakeClock();
  const ctx = new DriverContext({ stateDir: dir, logger: quiet, clock });
  const rec = ctx.newRecord('i-1');
  await mkdir(rec.paths.dir, { recursive: true });
  const qemu = new MockMigrationQemu(rec.paths.qmpSocket);
  await qemu.mock.listen();
  rec.spec = harnessSpec;
  const live = new LiveQemu(process.pid, rec.paths, { onQmpEvent: () => {}, onConsoleData: () => {} });
  await live.connectQmp(5000);
  rec.live = live;
  ctx.records.set('i-1', rec);
  return {
    ctx, rec, live, qemu, clock,
    pump: async <T>(p: Promise<T>, stepMs = 100): Promise<T> => {
      let done = false;
      const watched = p.finally(() => { done = true; });
      watched.catch(() => {});
      for (let i = 0; i < 10_000 && !done; i++) {
        await new Promise((r) => setTimeout(r, 1));
        clock.advance(stepMs);
      }
      return watched;
    },
    close: async () => {
      await live.detach();
      await qemu.mock.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

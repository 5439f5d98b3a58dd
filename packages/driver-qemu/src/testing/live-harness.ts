/** A DriverContext with one "running" instance whose QMP peer is a MockBlockQemu (for the disk calls' unit tests). */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeClock, InstanceSpec } from '@kumo/core';
import { DriverContext } from '../driver-context.ts';
import { diskNames } from '../disk-blockdev.ts';
import { LiveQemu } from '../live-qemu.ts';
import { MockBlockQemu } from './mock-block-qemu.ts';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const MiB = 1024 * 1024;

export interface LiveHarness {
  ctx: DriverContext;
  qemu: MockBlockQemu;
  specOnDisk: () => Promise<InstanceSpec>;
  close: () => Promise<void>;
}

/** A DriverContext with one "running" instance i-1 whose QMP is a MockBlockQemu. */
export async function liveHarness(spec: Partial<InstanceSpec> = {}, opts: { clock?: FakeClock; machine?: 'pc' } = {}): Promise<LiveHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-disks-'));
  const ctx = new DriverContext({ stateDir: dir, logger: quiet, ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.machine ? { machine: opts.machine } : {}) });
  const rec = ctx.newRecord('i-1');
  await mkdir(rec.paths.dir, { recursive: true });
  const qemu = new MockBlockQemu(rec.paths.qmpSocket);
  await qemu.mock.listen();
  rec.spec = {
    instanceId: 'i-1', name: 'vm', vcpus: 1, memoryMiB: 128,
    root: { kind: 'disk', disk: { volumeId: 'vol-root', path: '/root.qcow2', format: 'qcow2', pciSlot: 0x10, serial: 'vol-root' } },
    disks: [], nics: [], boot: {}, stopTimeoutSec: 5, ...spec,
  };
  qemu.bootDisk(diskNames('vol-root'), 32 * MiB);
  for (const d of rec.spec.disks) qemu.bootDisk(diskNames(d.volumeId), 16 * MiB);
  const live = new LiveQemu(process.pid, rec.paths, { onQmpEvent: () => {}, onConsoleData: () => {} });
  await live.connectQmp(5000);
  rec.live = live;
  ctx.records.set('i-1', rec);
  return {
    ctx, qemu,
    specOnDisk: async () => JSON.parse(await readFile(rec.paths.specFile, 'utf8')) as InstanceSpec,
    close: async () => {
      await live.detach();
      await qemu.mock.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Disks and the CD-ROM of a fake guest while it runs: the same rules as the QEMU driver (slots,
 * idempotency, shrink refused, a guest that keeps a disk until its unplug times out, backups as
 * files on the host) on the in-memory host. FakeDriver gates, locks and injects faults around them.
 *
 * The guest's view (FakeGuest.devices) is what a guest would list in /sys/block: each disk's
 * serial and size. Disk sizes come from FakeHost.diskFiles (path or rbd label → bytes; 0 for files
 * the host was not told about, as with volumes a FakeVolumeManager made); a disk whose file was lost
 * (FakeHost.loseDiskFile) fails to attach, as QEMU's blockdev-add would.
 */
import { DriverError, fixedPciSlots, formatPciSlot, pciSlotRanges, type Clock, type DiskLimits, type DiskSpec, type InstanceSpec } from '@kumo/core';
import type { FakeGuest, FakeHost } from './fake-host.ts';
import type { FakeStep } from './fake-steps.ts';

const live = (g: FakeGuest): boolean => g.power === 'running' || g.power === 'paused';

function allDisks(spec: InstanceSpec): DiskSpec[] {
  return spec.root?.kind === 'disk' ? [spec.root.disk, ...spec.disks] : spec.disks;
}

/** The guest must run (or be paused): disk calls change a live guest, the spec otherwise. */
export function requireLive(g: FakeGuest, what: string): void {
  if (!live(g)) throw new DriverError(`cannot ${what} on ${g.spec.instanceId}: it is ${g.power}; change its spec instead, the next start uses it`, 'invalid_state');
}

/** The guest's block devices at boot: every disk of the spec with its file's size. */
export function bootDevices(host: FakeHost, spec: InstanceSpec): FakeGuest['devices'] {
  return allDisks(spec).map((d) => ({ volumeId: d.volumeId, serial: d.serial, pciSlot: d.pciSlot, sizeBytes: host.diskFiles.get(d.path) ?? 0 }));
}

export function attachFakeDisk(host: FakeHost, g: FakeGuest, disk: DiskSpec): void {
  requireLive(g, `attach disk ${disk.volumeId}`);
  if (disk.pciSlot < pciSlotRanges.dataDisk.first || disk.pciSlot > pciSlotRanges.dataDisk.last) {
    throw new DriverError(`disk ${disk.volumeId}: slot ${formatPciSlot(disk.pciSlot)} is not a data-disk slot (0x11–0x1d)`, 'invalid_state');
  }
  const mine = g.devices.find((d) => d.volumeId === disk.volumeId);
  if (mine) {
    if (mine.pciSlot !== disk.pciSlot) throw new DriverError(`disk ${disk.volumeId} is attached at slot ${formatPciSlot(mine.pciSlot)}, not ${formatPciSlot(disk.pciSlot)}`, 'invalid_state');
    return;
  }
  const holder = g.devices.find((d) => d.pciSlot === disk.pciSlot)?.volumeId
    ?? g.spec.nics.find((n) => n.pciSlot === disk.pciSlot)?.nicId
    ?? (g.spec.configDrive !== undefined && disk.pciSlot === fixedPciSlots.configDrive ? 'the config drive' : undefined);
  if (holder) throw new DriverError(`disk ${disk.volumeId}: slot ${formatPciSlot(disk.pciSlot)} is taken by ${holder}`, 'invalid_state');
  if (host.lostDiskFiles.has(disk.path)) throw new DriverError(`blockdev-add of ${disk.volumeId}: Could not open '${disk.path}': No such file or directory`, 'host_failure');
  g.devices.push({ volumeId: disk.volumeId, serial: disk.serial, pciSlot: disk.pciSlot, sizeBytes: host.diskFiles.get(disk.path) ?? 0 });
  g.spec = { ...g.spec, disks: [...g.spec.disks.filter((d) => d.volumeId !== disk.volumeId), disk] };
}

/** Resolves once the guest released the disk, or rejects 'timeout' after timeoutSec on clock (the disk stays). */
export async function detachFakeDisk(g: FakeGuest, volumeId: string, timeoutSec: number, clock: Clock): Promise<void> {
  requireLive(g, `detach disk ${volumeId}`);
  if (g.spec.root?.kind === 'disk' && g.spec.root.disk.volumeId === volumeId) {
    throw new DriverError(`disk ${volumeId} is the root disk of ${g.spec.instanceId}: it cannot be detached from a running guest`, 'invalid_state');
  }
  if (!g.devices.some((d) => d.volumeId === volumeId)) return;
  if (g.holdsDisks) {
    await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.max(0, timeoutSec) * 1000));
    throw new DriverError(`the guest did not release disk ${volumeId} within ${timeoutSec} s; it stays attached and usable`, 'timeout');
  }
  g.devices = g.devices.filter((d) => d.volumeId !== volumeId);
  g.spec = { ...g.spec, disks: g.spec.disks.filter((d) => d.volumeId !== volumeId) };
}

function attached(g: FakeGuest, volumeId: string): FakeGuest['devices'][number] {
  const dev = g.devices.find((d) => d.volumeId === volumeId);
  if (!dev) throw new DriverError(`disk ${volumeId} is not attached to ${g.spec.instanceId}`, 'not_found');
  return dev;
}

export function resizeFakeDisk(host: FakeHost, g: FakeGuest, volumeId: string, sizeBytes: number): void {
  requireLive(g, `resize disk ${volumeId}`);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % 512 !== 0) throw new DriverError(`sizeBytes must be a positive multiple of 512 (got ${sizeBytes})`, 'invalid_state');
  const dev = attached(g, volumeId);
  if (sizeBytes < dev.sizeBytes) throw new DriverError(`disk ${volumeId} is ${dev.sizeBytes} bytes: shrinking it to ${sizeBytes} would destroy data; disks only grow`, 'invalid_state');
  dev.sizeBytes = sizeBytes;
  const file = allDisks(g.spec).find((d) => d.volumeId === volumeId)?.path;
  if (file !== undefined) host.diskFiles.set(file, sizeBytes);
}

export function setFakeDiskLimits(g: FakeGuest, volumeId: string, limits: DiskLimits): void {
  requireLive(g, `set the limits of disk ${volumeId}`);
  for (const [k, v] of Object.entries(limits)) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new DriverError(`limits.${k} must be a positive integer (got ${String(v)})`, 'invalid_state');
  }
  attached(g, volumeId);
  const withLimits = (d: DiskSpec): DiskSpec => {
    if (d.volumeId !== volumeId) return d;
    const { limits: _old, ...rest } = d;
    return Object.keys(limits).length > 0 ? { ...rest, limits: { ...limits } } : rest;
  };
  const root = g.spec.root?.kind === 'disk' ? { root: { kind: 'disk' as const, disk: withLimits(g.spec.root.disk) } } : {};
  g.spec = { ...g.spec, ...root, disks: g.spec.disks.map(withLimits) };
}

/** The steps of a backup: create the target file, copy (takes `copyMs`), flush. Each undone on failure or cancel. */
export function backupSteps(host: FakeHost, g: FakeGuest, volumeId: string, target: { path: string; format: 'qcow2' | 'raw' }, copyMs: number): FakeStep[] {
  requireLive(g, `back up disk ${volumeId}`);
  const dev = attached(g, volumeId);
  if (!target.path.startsWith('/')) throw new DriverError(`backup target path must be absolute (${target.path})`, 'invalid_state');
  if (host.artifacts.has(`file:${target.path}`)) throw new DriverError(`backup target ${target.path} exists already; Kumo does not overwrite it`, 'invalid_state');
  return [
    { phase: 'creating target', run: () => host.add(`file:${target.path}`) },
    { phase: 'copying disk', delayMs: copyMs, run: () => {
      const data = host.diskData.get(allDisks(g.spec).find((d) => d.volumeId === volumeId)?.path ?? '');
      host.backups.set(target.path, { volumeId, serial: dev.serial, sizeBytes: dev.sizeBytes, format: target.format, ...(data !== undefined ? { data } : {}) });
      return () => { host.backups.delete(target.path); };
    } },
    { phase: 'flushing', run: () => {} },
  ];
}

export function changeFakeMedium(g: FakeGuest, iso: { path: string; imageVersionId: string } | null): void {
  requireLive(g, iso ? `insert ${iso.imageVersionId} into the CD-ROM` : 'eject the CD-ROM');
  if (g.spec.cdrom === undefined) throw new DriverError(`instance ${g.spec.instanceId} was started without a CD-ROM drive; give its spec one and restart it`, 'invalid_state');
  if (iso && !iso.path.startsWith('/')) throw new DriverError(`iso path must be absolute (${iso.path})`, 'invalid_state');
  g.spec = { ...g.spec, cdrom: iso ? { iso: { path: iso.path, imageVersionId: iso.imageVersionId } } : {} };
}

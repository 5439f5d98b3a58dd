/**
 * Data disks of a running guest: hot-plug, hot-unplug, online resize and I/O limits, over QMP, on
 * the block objects disk-blockdev.ts names after the volume id (the same ones a disk present at
 * boot has, so any disk can be unplugged). Each call reads what QEMU has before it acts, which makes
 * it idempotent and lets it finish or clear what an interrupted earlier call left.
 */
import { DriverError, fixedPciSlots, formatPciSlot, type DiskLimits, type DiskSpec, type InstanceSpec } from '@kumo/core';
import type { DriverContext } from './driver-context.ts';
import { diskBlockdev, diskDeviceProps, diskNames, throttleGroupObject, throttleLimits } from './disk-blockdev.ts';
import { diskBusAddress, isHotplugDiskSlot } from './hotplug-ports.ts';
import { blockNodes, deviceIds, liveDiskCall, objectIds, persistSpec } from './live-disk-call.ts';
import { checkDisk } from './qemu-argv.ts';
import type { QmpClient } from './qmp-client.ts';

function machineOf(ctx: DriverContext): 'q35' | 'pc' {
  return ctx.opts.machine ?? 'q35';
}

function allDisks(spec: InstanceSpec): DiskSpec[] {
  return spec.root?.kind === 'disk' ? [spec.root.disk, ...spec.disks] : spec.disks;
}

/** Who holds `slot` in the spec (other than volumeId), if anyone. */
function slotHolder(spec: InstanceSpec, slot: number, volumeId: string): string | undefined {
  const disk = allDisks(spec).find((d) => d.pciSlot === slot && d.volumeId !== volumeId);
  if (disk) return `disk ${disk.volumeId}`;
  const nic = spec.nics.find((n) => n.pciSlot === slot);
  if (nic) return `nic ${nic.nicId}`;
  if (spec.configDrive !== undefined && slot === fixedPciSlots.configDrive) return 'the config drive';
  return undefined;
}

/** Removes a disk's block node and throttle group where they exist (what is left once its device is gone). */
async function removeDiskBackend(qmp: QmpClient, volumeId: string): Promise<void> {
  const n = diskNames(volumeId);
  if ((await blockNodes(qmp)).has(n.filterNode)) await qmp.execute('blockdev-del', { 'node-name': n.filterNode });
  if ((await objectIds(qmp)).has(n.throttleGroup)) await qmp.execute('object-del', { id: n.throttleGroup });
}

export function attachDisk(ctx: DriverContext, instanceId: string, disk: DiskSpec): Promise<void> {
  return liveDiskCall(ctx, instanceId, `attach disk ${disk.volumeId}`, async ({ rec, spec, qmp }) => {
    try {
      checkDisk(disk);
    } catch (err) {
      throw new DriverError((err as Error).message.replace('invalid instance spec: ', 'invalid disk: '), 'invalid_state');
    }
    if (!isHotplugDiskSlot(disk.pciSlot)) {
      throw new DriverError(`disk ${disk.volumeId}: slot ${formatPciSlot(disk.pciSlot)} is not a data-disk slot (0x11–0x1d): only those take hot-plugged disks`, 'invalid_state');
    }
    const holder = slotHolder(spec, disk.pciSlot, disk.volumeId);
    if (holder) throw new DriverError(`disk ${disk.volumeId}: slot ${formatPciSlot(disk.pciSlot)} is taken by ${holder}`, 'invalid_state');
    const n = diskNames(disk.volumeId);
    const known = allDisks(spec).find((d) => d.volumeId === disk.volumeId);
    if ((await deviceIds(qmp)).has(n.device)) {
      if (known && known.pciSlot !== disk.pciSlot) {
        throw new DriverError(`disk ${disk.volumeId} is attached at slot ${formatPciSlot(known.pciSlot)}, not ${formatPciSlot(disk.pciSlot)}`, 'invalid_state');
      }
      if (!known) await persistSpec(rec, { ...spec, disks: [...spec.disks, disk] }); // an earlier call got this far
      return;
    }
    await removeDiskBackend(qmp, disk.volumeId); // left by an interrupted attach or detach
    const undo: Array<() => Promise<unknown>> = [];
    try {
      await qmp.execute('object-add', throttleGroupObject(disk));
      undo.push(() => qmp.execute('object-del', { id: n.throttleGroup }));
      await qmp.execute('blockdev-add', diskBlockdev(disk));
      undo.push(() => qmp.execute('blockdev-del', { 'node-name': n.filterNode }));
      await qmp.execute('device_add', diskDeviceProps(disk, diskBusAddress(machineOf(ctx), disk.pciSlot)));
      // device_add is the last step: once it succeeded, the disk is the guest's
      await persistSpec(rec, { ...spec, disks: [...spec.disks.filter((d) => d.volumeId !== disk.volumeId), disk] });
    } catch (err) {
      for (const u of undo.reverse()) {
        await u().catch((e: unknown) => ctx.log.warn({ instanceId, volumeId: disk.volumeId, err: String(e) }, 'attach undo step failed'));
      }
      throw err;
    }
  });
}

export function detachDisk(ctx: DriverContext, instanceId: string, volumeId: string, opts: { timeoutSec: number }): Promise<void> {
  return liveDiskCall(ctx, instanceId, `detach disk ${volumeId}`, async ({ rec, spec, qmp }) => {
    if (spec.root?.kind === 'disk' && spec.root.disk.volumeId === volumeId) {
      throw new DriverError(`disk ${volumeId} is the root disk of ${instanceId}: it cannot be detached from a running guest`, 'invalid_state');
    }
    const n = diskNames(volumeId);
    if ((await deviceIds(qmp)).has(n.device)) {
      await unplugDevice(ctx, qmp, n.device, volumeId, opts.timeoutSec);
    }
    await removeDiskBackend(qmp, volumeId);
    if (spec.disks.some((d) => d.volumeId === volumeId)) await persistSpec(rec, { ...spec, disks: spec.disks.filter((d) => d.volumeId !== volumeId) });
  });
}

/** device_del, then wait for DEVICE_DELETED (the guest released it) up to timeoutSec on the driver's clock. */
async function unplugDevice(ctx: DriverContext, qmp: QmpClient, device: string, volumeId: string, timeoutSec: number): Promise<void> {
  let off = (): void => {};
  let timer: unknown;
  const deleted = new Promise<boolean>((resolve) => {
    off = qmp.onEvent((e) => {
      if (e.event === 'DEVICE_DELETED' && e.data['device'] === device) resolve(true);
    });
    timer = ctx.clock.setTimeout(() => resolve(false), Math.max(0, timeoutSec) * 1000);
  });
  try {
    try {
      await qmp.execute('device_del', { id: device });
    } catch (err) {
      // a request still pending from an earlier call: keep waiting for the guest
      if (!/already in progress|pending/i.test((err as Error).message)) throw err;
    }
    if (!(await deleted) && (await deviceIds(qmp)).has(device)) {
      throw new DriverError(`the guest did not release disk ${volumeId} within ${timeoutSec} s; it stays attached and usable (ask again, or stop the instance and detach it then)`, 'timeout');
    }
  } finally {
    off();
    ctx.clock.clearTimeout(timer);
  }
}

export function resizeDisk(ctx: DriverContext, instanceId: string, volumeId: string, sizeBytes: number): Promise<void> {
  return liveDiskCall(ctx, instanceId, `resize disk ${volumeId}`, async ({ qmp }) => {
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % 512 !== 0) {
      throw new DriverError(`sizeBytes must be a positive multiple of 512 (got ${sizeBytes})`, 'invalid_state');
    }
    const n = diskNames(volumeId);
    const node = (await blockNodes(qmp)).get(n.formatNode);
    if (!node) throw new DriverError(`disk ${volumeId} is not attached to ${instanceId}`, 'not_found');
    const current = node.image['virtual-size'];
    if (sizeBytes === current) return;
    if (sizeBytes < current) throw new DriverError(`disk ${volumeId} is ${current} bytes: shrinking it to ${sizeBytes} would destroy data; disks only grow`, 'invalid_state');
    // on the node the guest device reads, so the guest is told of its new size
    await qmp.execute('block_resize', { 'node-name': n.filterNode, size: sizeBytes }, { timeoutMs: 60_000 });
  });
}

export function setDiskLimits(ctx: DriverContext, instanceId: string, volumeId: string, limits: DiskLimits): Promise<void> {
  return liveDiskCall(ctx, instanceId, `set the limits of disk ${volumeId}`, async ({ rec, spec, qmp }) => {
    for (const [k, v] of Object.entries(limits)) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new DriverError(`limits.${k} must be a positive integer (got ${String(v)})`, 'invalid_state');
    }
    const n = diskNames(volumeId);
    if (!(await objectIds(qmp)).has(n.throttleGroup)) throw new DriverError(`disk ${volumeId} is not attached to ${instanceId}`, 'not_found');
    await qmp.execute('qom-set', { path: `/objects/${n.throttleGroup}`, property: 'limits', value: throttleLimits(limits) });
    const withLimits = (d: DiskSpec): DiskSpec => {
      if (d.volumeId !== volumeId) return d;
      const { limits: _old, ...rest } = d;
      return Object.keys(limits).length > 0 ? { ...rest, limits: { ...limits } } : rest;
    };
    const root = spec.root?.kind === 'disk' ? { root: { kind: 'disk' as const, disk: withLimits(spec.root.disk) } } : {};
    await persistSpec(rec, { ...spec, ...root, disks: spec.disks.map(withLimits) });
  });
}

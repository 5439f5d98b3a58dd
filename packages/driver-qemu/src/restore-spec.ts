/**
 * The spec a restored QEMU is started with (pure). A saved state loads only into a
 * QEMU with the devices it was saved from, and the config drive is a device the
 * driver adds on its own, so whether there is one follows the spec the instance was
 * saved with (its spec.json), not the requested spec:
 * - saved with a drive, requested without: the drive stays, with the saved contents;
 * - saved without, requested with: no drive (the guest has already enumerated its
 *   devices and would not see one appear).
 * When both have one, the requested contents win: the drive is rebuilt at every
 * start and restore. Without a saved spec (unknown instance) the request is used.
 *
 * Disks and NICs must sit where they sat when the state was saved (their PCI slots are
 * fixed when they are attached, so they do): a request with another layout, or a state
 * saved before devices had explicit addresses (spec.json without slots), is refused
 * with a DriverError rather than handed to QEMU, whose error would be obscure.
 */
import { DriverError, formatPciSlot, type InstanceSpec } from '@kumo/core';

export interface RestoreSpec {
  spec: InstanceSpec;
  /** Why the spec differs from the request, for the log. */
  notes: string[];
}

/** Where the spec puts its disks and NICs, e.g. "disk vol-1 at 0x10"; "?" for a slot the (old) spec.json lacks. */
function layoutOf(spec: InstanceSpec): string[] {
  const slot = (s: unknown): string => (typeof s === 'number' ? formatPciSlot(s) : '?');
  const disks = spec.root?.kind === 'disk' ? [spec.root.disk, ...spec.disks] : spec.disks;
  return [
    ...disks.map((d) => `disk ${d.volumeId} at ${slot(d.pciSlot)}`),
    ...spec.nics.map((n) => `nic ${n.nicId} at ${slot(n.pciSlot)}`),
  ].sort();
}

export function specForRestore(requested: InstanceSpec, saved: InstanceSpec | undefined): RestoreSpec {
  if (!saved) return { spec: requested, notes: [] };
  const had = layoutOf(saved);
  const wants = layoutOf(requested);
  if (had.join() !== wants.join()) {
    const why = had.some((d) => d.endsWith(' at ?'))
      ? 'it was saved before devices had fixed PCI slots (a Kumo older than migration 005)'
      : `it was saved with ${had.join(', ') || 'no disks or NICs'} and the restore asks for ${wants.join(', ') || 'none'}`;
    throw new DriverError(`cannot restore ${requested.instanceId}: a saved state loads only into the machine it was saved from, and ${why}; stop the instance (dropping the saved state) and start it`, 'start_failed');
  }
  const cd = cdromForRestore(requested, saved);
  const r = configDriveForRestore(cd.spec, saved);
  return { spec: r.spec, notes: [...cd.notes, ...r.notes] };
}

/** The CD-ROM drive is a device too: whether there is one follows the saved spec; its medium follows the request. */
function cdromForRestore(requested: InstanceSpec, saved: InstanceSpec): RestoreSpec {
  if (saved.cdrom !== undefined && requested.cdrom === undefined) {
    return { spec: { ...requested, cdrom: {} }, notes: ['the instance was saved with a CD-ROM drive and the restore spec has none: the drive stays, empty'] };
  }
  if (saved.cdrom === undefined && requested.cdrom !== undefined) {
    const { cdrom: _dropped, ...rest } = requested;
    const boot = rest.boot.order === 'cdrom' ? { ...rest.boot, order: 'disk' as const } : rest.boot;
    return { spec: { ...rest, boot }, notes: ['the instance was saved without a CD-ROM drive: the restore spec\'s drive comes with the next start'] };
  }
  return { spec: requested, notes: [] };
}

function configDriveForRestore(requested: InstanceSpec, saved: InstanceSpec): RestoreSpec {
  const savedDrive = saved.configDrive;
  const wantsDrive = requested.configDrive !== undefined;
  if (savedDrive !== undefined && !wantsDrive) {
    return {
      spec: { ...requested, configDrive: savedDrive },
      notes: ['the instance was saved with a config drive and the restore spec has none: it keeps the saved one'],
    };
  }
  if (savedDrive === undefined && wantsDrive) {
    const { configDrive: _dropped, ...rest } = requested;
    return {
      spec: rest,
      notes: ['the instance was saved without a config drive: the restore spec\'s config drive is attached at the next start'],
    };
  }
  return { spec: requested, notes: [] };
}

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
 */
import type { InstanceSpec } from '@kumo/core';

export interface RestoreSpec {
  spec: InstanceSpec;
  /** Why the spec differs from the request, for the log. */
  notes: string[];
}

export function specForRestore(requested: InstanceSpec, saved: InstanceSpec | undefined): RestoreSpec {
  if (!saved) return { spec: requested, notes: [] };
  const savedDrive = saved.configDrive;
  const wants = requested.configDrive !== undefined;
  if (savedDrive !== undefined && !wants) {
    return {
      spec: { ...requested, configDrive: savedDrive },
      notes: ['the instance was saved with a config drive and the restore spec has none: it keeps the saved one'],
    };
  }
  if (savedDrive === undefined && wants) {
    const { configDrive: _dropped, ...rest } = requested;
    return {
      spec: rest,
      notes: ['the instance was saved without a config drive: the restore spec\'s config drive is attached at the next start'],
    };
  }
  return { spec: requested, notes: [] };
}

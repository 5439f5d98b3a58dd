/**
 * Image properties between the API, the images table and the instance spec: validation naming the
 * field, the row columns for a create or an update, and the spec.guest an instance of the image gets.
 */
import { defaultImageProperties, guestHardwareOf, guestHardwareProblems, osTypes, type GuestHardwareSpec, type ImageProperties, type OsType } from '@kumo/core';
import { ApiError, type ImageUpdate } from '@kumo/api';
import type { ImageRow } from '@kumo/db';

type PropertyInput = Omit<ImageUpdate, 'description'>;
type PropertyColumns = Pick<ImageRow, 'firmware' | 'secureBoot' | 'diskBus' | 'nicModel' | 'tpm' | 'guestAgent' | 'minMemoryMiB' | 'osType' | 'minDiskGiB'>;

/** The properties an image row stands for (rows from before migration 021 have the defaults). */
export function propertiesOf(r: ImageRow): ImageProperties {
  const d = defaultImageProperties;
  return {
    firmware: r.firmware ?? d.firmware, secureBoot: (r.secureBoot ?? 0) === 1, diskBus: r.diskBus ?? d.diskBus, nicModel: r.nicModel ?? d.nicModel,
    // osType was free text before it became a property: anything but windows behaves as linux.
    osType: (osTypes as readonly string[]).includes(r.osType) ? (r.osType as OsType) : d.osType,
    tpm: (r.tpm ?? 0) === 1, guestAgent: (r.guestAgent ?? 0) === 1, minMemoryMiB: r.minMemoryMiB ?? d.minMemoryMiB, minDiskGiB: r.minDiskGiB,
  };
}

/** The properties after applying `b` to `current`; refuses contradictions (400 naming the field). */
export function mergeProperties(current: ImageProperties, b: PropertyInput): ImageProperties {
  const next: ImageProperties = {
    firmware: b.firmware ?? current.firmware, secureBoot: b.secureBoot ?? current.secureBoot, diskBus: b.diskBus ?? current.diskBus,
    nicModel: b.nicModel ?? current.nicModel, osType: b.osType ?? current.osType, tpm: b.tpm ?? current.tpm,
    guestAgent: b.guestAgent ?? current.guestAgent, minMemoryMiB: b.minMemoryMiB ?? current.minMemoryMiB, minDiskGiB: b.minDiskGiB ?? current.minDiskGiB,
  };
  const problems = guestHardwareProblems(next);
  if (problems.length > 0) throw new ApiError('bad_request', problems.join('; '), { field: problems[0]!.split(' ')[0]! });
  return next;
}

export function propertyColumns(p: ImageProperties): PropertyColumns {
  return {
    firmware: p.firmware, secureBoot: p.secureBoot ? 1 : 0, diskBus: p.diskBus, nicModel: p.nicModel, tpm: p.tpm ? 1 : 0,
    guestAgent: p.guestAgent ? 1 : 0, minMemoryMiB: p.minMemoryMiB, osType: p.osType, minDiskGiB: p.minDiskGiB,
  };
}

/** spec.guest of an instance of this image (undefined for an image with the default properties). */
export function guestHardwareOfImage(r: ImageRow): GuestHardwareSpec | undefined {
  return guestHardwareOf(propertiesOf(r));
}

/** Refuses an instance below the image's minimums (400 naming the field). */
export function checkImageMinimums(r: ImageRow, want: { memoryMiB: number; diskSizeGiB?: number | undefined }): void {
  const p = propertiesOf(r);
  if (want.memoryMiB < p.minMemoryMiB) {
    throw new ApiError('bad_request', `image ${r.name} needs at least ${p.minMemoryMiB} MiB of memory; the offering has ${want.memoryMiB} MiB`, { field: 'offeringId' });
  }
  if (want.diskSizeGiB !== undefined && want.diskSizeGiB < p.minDiskGiB) {
    throw new ApiError('bad_request', `image ${r.name} needs a root disk of at least ${p.minDiskGiB} GiB (diskSizeGiB ${want.diskSizeGiB})`, { field: 'diskSizeGiB' });
  }
}

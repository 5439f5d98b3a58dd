/**
 * The CD-ROM's ISO on this host. The server names the ISO as an image ref (instance.start,
 * instance.restore and instance.changeMedium carry `iso`); the agent fetches it into its image
 * cache (verified by sha256, like every image) and hands the driver the cached file's path.
 */
import { DriverError, type InstanceSpec } from '@kumo/core';
import type { ImageRef } from '@kumo/api';

export interface CdromIso { path: string; imageVersionId: string }

/** Fetches an ISO image into the host's image cache and returns its path there. */
export type IsoFetcher = (ref: ImageRef) => Promise<CdromIso>;

/**
 * Where the ISO is on hosts without an image cache (simulated hosts on the fake driver, which
 * open no files): a label named after the image version.
 */
export const labelIso: IsoFetcher = async (ref) => ({ path: `/images/${ref.imageVersionId}.iso`, imageVersionId: ref.imageVersionId });

/** The ref must be an ISO: another format in a CD-ROM drive is bad input from the server. */
export function requireIsoRef(ref: ImageRef): void {
  if (ref.format !== 'iso') throw new DriverError(`image ${ref.imageVersionId} is ${ref.format}, not an ISO: only ISO images go into the CD-ROM drive`, 'invalid_state');
}

/** The spec with spec.cdrom.iso filled from `iso` (the drive is there even when iso is omitted). */
export async function withCdromIso(spec: InstanceSpec, iso: ImageRef | undefined, fetchIso: IsoFetcher): Promise<InstanceSpec> {
  if (iso === undefined) return spec;
  requireIsoRef(iso);
  return { ...spec, cdrom: { ...spec.cdrom, iso: await fetchIso(iso) } };
}

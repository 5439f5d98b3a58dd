import { Type, type Static } from '@sinclair/typebox';
import { volumeTasks } from '@kumo/core/lifecycle';
import { AnyId, ListQueryBase, Name, Nullable, Timestamp } from './common.ts';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const SizeGiB = Type.Integer({ minimum: 1, maximum: 65536, description: 'GiB; the volume is exactly this big' });

export const Volume = Type.Object({
  id: Type.String(), accountId: Type.String(), name: Type.String(), instanceId: Nullable(Type.String({ description: 'the instance it is attached to (what the host confirmed)' })), poolId: Nullable(Type.String({ description: 'null to callers who are not admins (docs/operators.md, "What tenants see")' })),
  kind: lit(['root', 'data'] as const), sizeGiB: Type.Integer(), format: Type.String(), provisioning: Type.String(),
  path: Type.String(), desired: lit(['ready', 'deleted'] as const), phase: lit(['pending', 'ready', 'error', 'deleted'] as const),
  task: Nullable(lit(volumeTasks)), errorReason: Nullable(Type.String()), createdAt: Timestamp,
  pciSlot: Nullable(Type.Integer({ description: 'slot on the guest\'s PCI bus while attached (root 0x10, data disks 0x11–0x1d); null when detached' })),
  serial: Type.String({ description: 'the disk serial the guest sees: /dev/disk/by-id/virtio-<serial>' }),
  diskOfferingId: Nullable(Type.String({ description: 'its disk offering: the I/O limits applied to it' })),
  sourceImageVersionId: Nullable(Type.String()), sourceSnapshotId: Nullable(Type.String()),
});

export const VolumeCreate = Type.Object({
  name: Name, zoneId: AnyId,
  sizeGiB: Type.Optional(SizeGiB),
  diskOfferingId: Type.Optional(AnyId),
  poolId: Type.Optional(AnyId),
  snapshotId: Type.Optional(AnyId),
}, { additionalProperties: false, description: 'sizeGiB, or a disk offering (its size), or a snapshot (its size; sizeGiB may be larger)' });

export const VolumeUpdate = Type.Object({
  name: Type.Optional(Name),
  diskOfferingId: Type.Optional(Nullable(AnyId)),
}, { additionalProperties: false, description: 'a new disk offering changes the I/O limits, live on a running instance' });

export const VolumeAttach = Type.Object({ instanceId: AnyId }, { additionalProperties: false });
export const VolumeResize = Type.Object({ sizeGiB: SizeGiB }, { additionalProperties: false });
export const VolumeRestore = Type.Object({ snapshotId: AnyId }, { additionalProperties: false });

export const VolumeListQuery = Type.Object({
  ...ListQueryBase,
  instanceId: Type.Optional(AnyId), poolId: Type.Optional(AnyId), kind: Type.Optional(lit(['root', 'data'] as const)), name: Type.Optional(Type.String({ maxLength: 63 })),
}, { additionalProperties: false });

export type Volume = Static<typeof Volume>;
export type VolumeCreate = Static<typeof VolumeCreate>;
export type VolumeUpdate = Static<typeof VolumeUpdate>;
export type VolumeAttach = Static<typeof VolumeAttach>;
export type VolumeResize = Static<typeof VolumeResize>;
export type VolumeRestore = Static<typeof VolumeRestore>;

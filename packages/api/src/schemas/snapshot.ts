import { Type, type Static } from '@sinclair/typebox';
import { AnyId, ListQueryBase, Name, Nullable, Timestamp } from './common.ts';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const Snapshot = Type.Object({
  id: Type.String(), accountId: Type.String(), name: Type.String(),
  volumeId: Type.String({ description: 'the volume it was taken of (kept after that volume is deleted)' }),
  sizeGiB: Type.Integer({ description: 'the volume\'s size when taken; a volume made from it is at least this big' }),
  sizeBytes: Type.Integer({ description: 'bytes stored' }),
  location: lit(['image-store', 'pool'] as const), poolId: Nullable(Type.String()), format: lit(['qcow2', 'raw'] as const),
  sha256: Nullable(Type.String()),
  desired: lit(['ready', 'deleted'] as const), phase: lit(['pending', 'ready', 'error', 'deleted'] as const),
  task: Nullable(lit(['creating', 'deleting'] as const)), errorReason: Nullable(Type.String()),
  createdAt: Timestamp,
});

export const SnapshotCreate = Type.Object({ volumeId: AnyId, name: Name }, { additionalProperties: false });
export const VolumeSnapshotCreate = Type.Object({ name: Name }, { additionalProperties: false });

export const SnapshotListQuery = Type.Object({
  ...ListQueryBase,
  volumeId: Type.Optional(AnyId), name: Type.Optional(Type.String({ maxLength: 63 })), location: Type.Optional(lit(['image-store', 'pool'] as const)),
}, { additionalProperties: false });

/** What a host's upload of a snapshot file is answered with. */
export const SnapshotFileStored = Type.Object({ sizeBytes: Type.Integer(), sha256: Type.String() });

export type Snapshot = Static<typeof Snapshot>;
export type SnapshotCreate = Static<typeof SnapshotCreate>;
export type VolumeSnapshotCreate = Static<typeof VolumeSnapshotCreate>;

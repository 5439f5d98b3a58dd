import { Type, type Static } from '@sinclair/typebox';
import { diskBuses, firmwareKinds, nicModels, osTypes } from '@kumo/core/guest';
import { AnyId, Description, Name, Nullable, Timestamp } from './common.ts';

export const ImageKind = Type.Union([Type.Literal('template'), Type.Literal('iso'), Type.Literal('kernel')]);
export const ImageFormat = Type.Union([Type.Literal('qcow2'), Type.Literal('raw'), Type.Literal('iso'), Type.Literal('kernel-initrd'), Type.Literal('rootfs-tar')]);

/** Image properties (docs/guests.md; core guest/guest-hardware.ts). */
export const Firmware = Type.Union(firmwareKinds.map((k) => Type.Literal(k)), { description: 'bios: SeaBIOS; uefi: OVMF with per-instance EFI variables' });
export const DiskBus = Type.Union(diskBuses.map((k) => Type.Literal(k)), { description: 'how the root disk is presented to the guest' });
export const NicModel = Type.Union(nicModels.map((k) => Type.Literal(k)), { description: 'the NICs\' device model' });
export const OsType = Type.Union(osTypes.map((k) => Type.Literal(k)), { description: 'windows: RTC in local time and Hyper-V enlightenments' });
/** The values each enumerated image property takes (for the CLI's and the web console's choices). */
export const imagePropertyChoices = { firmware: firmwareKinds, diskBus: diskBuses, nicModel: nicModels, osType: osTypes } as const;
const imagePropertyFields = {
  firmware: Firmware,
  secureBoot: Type.Boolean({ description: 'UEFI Secure Boot (firmware uefi only)' }),
  diskBus: DiskBus,
  nicModel: NicModel,
  tpm: Type.Boolean({ description: 'a TPM 2.0 (swtpm) for the guest' }),
  guestAgent: Type.Boolean({ description: 'qemu-guest-agent runs in the guest' }),
  minMemoryMiB: Type.Integer({ minimum: 0, maximum: 4 * 1024 * 1024, description: 'instances of the image need at least this much memory (0: no minimum)' }),
};
const optionalImageProperties = {
  firmware: Type.Optional(imagePropertyFields.firmware), secureBoot: Type.Optional(imagePropertyFields.secureBoot),
  diskBus: Type.Optional(imagePropertyFields.diskBus), nicModel: Type.Optional(imagePropertyFields.nicModel),
  tpm: Type.Optional(imagePropertyFields.tpm), guestAgent: Type.Optional(imagePropertyFields.guestAgent),
  minMemoryMiB: Type.Optional(imagePropertyFields.minMemoryMiB), osType: Type.Optional(OsType),
  minDiskGiB: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536 })),
};

export const ImageVersion = Type.Object({
  id: Type.String(), imageId: Type.String(), version: Type.String(), format: ImageFormat,
  sizeBytes: Type.Integer(), sha256: Type.String(), state: Type.Union([Type.Literal('uploading'), Type.Literal('ready'), Type.Literal('failed')]),
  cmdline: Type.String(), createdAt: Timestamp,
  parentVersionId: Nullable(Type.String({ description: 'lineage: the version this one was captured on top of' })),
  isDefault: Type.Boolean({ description: 'the version launched when the image is named without a version' }),
  sourceInstanceId: Nullable(Type.String({ description: 'captured from this instance\'s root volume' })),
  sourceSnapshotId: Nullable(Type.String({ description: 'captured from this snapshot' })),
  failureReason: Nullable(Type.String({ description: 'why a capture failed (state `failed`)' })),
});

export const Image = Type.Object({
  id: Type.String(), accountId: Type.String(), name: Type.String(), description: Type.String(), kind: ImageKind,
  public: Type.Boolean(), osType: Type.String(), minDiskGiB: Type.Integer(), latestVersionId: Nullable(Type.String()),
  createdAt: Timestamp,
  defaultVersionId: Nullable(Type.String({ description: 'the version launched when the image is named alone (`image`, not `image:version`)' })),
  ...imagePropertyFields,
});

/** Capture an image from a stopped instance's root volume: a new image, or a new version of the caller's image of that name. */
export const ImageCapture = Type.Object({
  name: Name,
  description: Type.Optional(Description),
  version: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9._-]+$', description: 'label of the new version (default: the next number)' })),
}, { additionalProperties: false });
/** Make a version the image's default. */
export const ImageDefaultRequest = Type.Object({ versionId: AnyId }, { additionalProperties: false });
/** Make an older version the default again: the named one, or the current default's parent. */
export const ImageRollbackRequest = Type.Object({ versionId: Type.Optional(AnyId) }, { additionalProperties: false });
export const ImageVersionDeleteQuery = Type.Object({
  newDefaultVersionId: Type.Optional(AnyId),
}, { additionalProperties: false });
/** What the image store answers an agent that uploaded a captured version's file. */
export const ImageVersionUploadResult = Type.Object({ sizeBytes: Type.Integer(), sha256: Type.String() });
export const ImageCreate = Type.Object({
  name: Name, description: Type.Optional(Description), kind: Type.Optional(ImageKind),
  public: Type.Optional(Type.Boolean()),
  ...optionalImageProperties,
}, { additionalProperties: false });
/** Change an image's description or properties (instances get new properties at their next start). */
export const ImageUpdate = Type.Object({
  description: Type.Optional(Description),
  ...optionalImageProperties,
}, { additionalProperties: false });
export const ImageVersionCreate = Type.Object({
  version: Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9._-]+$' }),
  format: ImageFormat,
  sizeBytes: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  cmdline: Type.Optional(Type.String({ maxLength: 1024 })),
}, { additionalProperties: false });

export const QosClass = Type.Union([Type.Literal('guaranteed'), Type.Literal('best-effort')]);
export const Offering = Type.Object({
  id: Type.String(), name: Type.String(), description: Type.String(), vcpus: Type.Integer(), memoryMiB: Type.Integer(),
  rootDiskGiB: Type.Integer(), qosClass: QosClass, ha: Type.Boolean(), diskProvisioning: Type.Union([Type.Literal('linked'), Type.Literal('full')]),
  stopTimeoutSec: Type.Integer(), createdAt: Timestamp,
});
export const OfferingCreate = Type.Object({
  name: Name, description: Type.Optional(Description),
  vcpus: Type.Integer({ minimum: 1, maximum: 256 }), memoryMiB: Type.Integer({ minimum: 32, maximum: 4 * 1024 * 1024 }),
  rootDiskGiB: Type.Integer({ minimum: 1, maximum: 65536 }), qosClass: Type.Optional(QosClass), ha: Type.Optional(Type.Boolean()),
  diskProvisioning: Type.Optional(Type.Union([Type.Literal('linked'), Type.Literal('full')])),
  stopTimeoutSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
}, { additionalProperties: false });

const Limit = (what: string) => Type.Integer({ minimum: 1, maximum: 2 ** 50, description: `${what}; omitted or null: no limit` });
/** I/O limits of a disk offering (QEMU throttle groups on every disk of the offering). */
export const DiskLimitFields = {
  readIops: Nullable(Limit('read operations per second')), writeIops: Nullable(Limit('write operations per second')),
  readBytesPerSec: Nullable(Limit('read bytes per second')), writeBytesPerSec: Nullable(Limit('write bytes per second')),
};
export const DiskOffering = Type.Object({
  id: Type.String(), name: Type.String(), description: Type.String(), sizeGiB: Type.Integer(), qosClass: QosClass, createdAt: Timestamp,
  ...DiskLimitFields,
});
export const DiskOfferingCreate = Type.Object({
  name: Name, description: Type.Optional(Description), sizeGiB: Type.Integer({ minimum: 1, maximum: 65536 }), qosClass: Type.Optional(QosClass),
  readIops: Type.Optional(DiskLimitFields.readIops), writeIops: Type.Optional(DiskLimitFields.writeIops),
  readBytesPerSec: Type.Optional(DiskLimitFields.readBytesPerSec), writeBytesPerSec: Type.Optional(DiskLimitFields.writeBytesPerSec),
}, { additionalProperties: false });

export const ImageListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), cursor: Type.Optional(Type.String({ maxLength: 512 })),
  sort: Type.Optional(Type.String({ maxLength: 40 })), name: Type.Optional(Type.String({ maxLength: 63 })), kind: Type.Optional(ImageKind),
}, { additionalProperties: false });
export const ImageIdParams = Type.Object({ id: AnyId }, { additionalProperties: false });

export type Image = Static<typeof Image>;
export type ImageVersion = Static<typeof ImageVersion>;
export type Offering = Static<typeof Offering>;
export type DiskOffering = Static<typeof DiskOffering>;
export type ImageCreate = Static<typeof ImageCreate>;
export type ImageUpdate = Static<typeof ImageUpdate>;
export type ImageCapture = Static<typeof ImageCapture>;
export type ImageDefaultRequest = Static<typeof ImageDefaultRequest>;
export type ImageRollbackRequest = Static<typeof ImageRollbackRequest>;
export type ImageVersionCreate = Static<typeof ImageVersionCreate>;
export type OfferingCreate = Static<typeof OfferingCreate>;
export type DiskOfferingCreate = Static<typeof DiskOfferingCreate>;

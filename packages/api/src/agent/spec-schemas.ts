/**
 * TypeBox schemas of the driver-neutral instance spec that travels to agents. The TypeScript types
 * live in @kumo/core (the driver contract); `spec-schemas.check.ts` proves at compile time that these
 * schemas and those types describe the same values, so neither can drift.
 */
import { Type } from '@sinclair/typebox';
import { diskBuses, firmwareKinds, nicModels, osTypes, powerStates } from '@kumo/core';

export const PowerStateSchema = Type.Union(powerStates.map((p) => Type.Literal(p)));

const PciSlot = Type.Integer({ minimum: 0, maximum: 31 });
const IfName = Type.String({ minLength: 1, maxLength: 15 });

const CephName = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' });

export const RbdDiskSourceSchema = Type.Object({
  pool: CephName,
  image: CephName,
  user: CephName,
  cephConf: Type.String({ pattern: '^/' }),
});

const Limit = Type.Integer({ minimum: 1 });
export const DiskLimitsSchema = Type.Object({
  readIops: Type.Optional(Limit),
  writeIops: Type.Optional(Limit),
  readBytesPerSec: Type.Optional(Limit),
  writeBytesPerSec: Type.Optional(Limit),
}, { additionalProperties: false });

export const DiskSpecSchema = Type.Object({
  volumeId: Type.String({ minLength: 1 }),
  path: Type.String({ minLength: 1 }),
  format: Type.Union([Type.Literal('qcow2'), Type.Literal('raw')]),
  pciSlot: PciSlot,
  serial: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,20}$' }),
  readOnly: Type.Optional(Type.Boolean()),
  rbd: Type.Optional(RbdDiskSourceSchema),
  limits: Type.Optional(DiskLimitsSchema),
});

export const CdromIsoSchema = Type.Object({ path: Type.String({ pattern: '^/' }), imageVersionId: Type.String({ minLength: 1 }) });

export const NicAttachSchema = Type.Union([
  Type.Object({ kind: Type.Literal('tap'), tap: IfName }),
  Type.Object({ kind: Type.Literal('veth'), hostIfName: IfName }),
]);

export const NicSpecSchema = Type.Object({
  nicId: Type.String({ minLength: 1 }),
  mac: Type.String({ pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' }),
  attach: NicAttachSchema,
  pciSlot: PciSlot,
  bridge: Type.Optional(IfName),
  mtu: Type.Optional(Type.Integer({ minimum: 576, maximum: 65535 })),
});

export const RootSpecSchema = Type.Union([
  Type.Object({ kind: Type.Literal('disk'), disk: DiskSpecSchema }),
  Type.Object({ kind: Type.Literal('rootfs'), path: Type.String({ pattern: '^/' }) }),
]);

export const BootSpecSchema = Type.Object({
  kernelPath: Type.Optional(Type.String()),
  initrdPath: Type.Optional(Type.String()),
  cmdline: Type.Optional(Type.String()),
  order: Type.Optional(Type.Union([Type.Literal('disk'), Type.Literal('cdrom')])),
});

export const ConfigDriveSpecSchema = Type.Object({
  metaData: Type.String(),
  userData: Type.String(),
  networkConfig: Type.Optional(Type.String()),
});

/** spec.guest: the image's properties (core guest/guest-hardware.ts). */
export const GuestHardwareSpecSchema = Type.Object({
  firmware: Type.Optional(Type.Union(firmwareKinds.map((k) => Type.Literal(k)))),
  secureBoot: Type.Optional(Type.Boolean()),
  diskBus: Type.Optional(Type.Union(diskBuses.map((k) => Type.Literal(k)))),
  nicModel: Type.Optional(Type.Union(nicModels.map((k) => Type.Literal(k)))),
  osType: Type.Optional(Type.Union(osTypes.map((k) => Type.Literal(k)))),
  tpm: Type.Optional(Type.Boolean()),
  guestAgent: Type.Optional(Type.Boolean()),
  driverIso: Type.Optional(Type.Object({ path: Type.String({ pattern: '^/' }), imageVersionId: Type.String() })),
});

export const InstanceSpecSchema = Type.Object({
  instanceId: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  vcpus: Type.Integer({ minimum: 1 }),
  memoryMiB: Type.Integer({ minimum: 1 }),
  root: Type.Optional(RootSpecSchema),
  disks: Type.Array(DiskSpecSchema),
  nics: Type.Array(NicSpecSchema),
  boot: BootSpecSchema,
  stopTimeoutSec: Type.Integer({ minimum: 0 }),
  cpuQuota: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  configDrive: Type.Optional(ConfigDriveSpecSchema),
  cdrom: Type.Optional(Type.Object({ iso: Type.Optional(CdromIsoSchema) })),
  ha: Type.Optional(Type.Boolean()),
  memoryBalloon: Type.Optional(Type.Boolean()),
  guest: Type.Optional(GuestHardwareSpecSchema),
});

export const InstanceStatusSchema = Type.Object({
  instanceId: Type.String(),
  power: PowerStateSchema,
  reason: Type.Optional(Type.String()),
});

export const HostFactsSchema = Type.Object({
  hostname: Type.String(),
  cpuModel: Type.String(),
  cpus: Type.Integer({ minimum: 0 }),
  memoryMiB: Type.Integer({ minimum: 0 }),
  accelerator: Type.Union([Type.Literal('kvm'), Type.Literal('tcg'), Type.Literal('none')]),
  hypervisorVersion: Type.String(),
});

const Count = Type.Integer({ minimum: 0 });
export const MigrationStatsSchema = Type.Object({
  stage: Type.Union([Type.Literal('mirroring-disks'), Type.Literal('pre-copy'), Type.Literal('post-copy'), Type.Literal('completing')]),
  pass: Count, ramTransferredBytes: Count, ramRemainingBytes: Count, ramTotalBytes: Count, dirtyRateBytesPerSec: Count,
  expectedDowntimeMs: Count, diskRemainingBytes: Count, throttlePercent: Type.Integer({ minimum: 0, maximum: 100 }),
});

export const MigrationPolicySchema = Type.Object({
  downtimeLimitMs: Type.Integer({ minimum: 1 }),
  maxBandwidthBytesPerSec: Count,
  autoConverge: Type.Boolean(),
  postcopyAfterPasses: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  timeoutMs: Type.Integer({ minimum: 1 }),
});

export const IncomingEndpointSchema = Type.Object({
  uri: Type.String({ pattern: '^[a-z]+:' }),
  nbd: Type.Optional(Type.Object({ host: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }), exports: Type.Array(Type.String({ minLength: 1 })) })),
});

export const MigrationResultSchema = Type.Object({
  totalMs: Count, downtimeMs: Count, setupMs: Count, ramTransferredBytes: Count, passes: Count, postcopy: Type.Boolean(), diskBytes: Count,
});

export const JobProgressSchema = Type.Object({
  phase: Type.String(),
  percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  bytesDone: Type.Optional(Type.Integer({ minimum: 0 })),
  bytesTotal: Type.Optional(Type.Integer({ minimum: 0 })),
  detail: Type.Optional(Type.String()),
  migration: Type.Optional(MigrationStatsSchema),
});

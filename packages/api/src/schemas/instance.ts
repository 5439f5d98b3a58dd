import { Type, type Static } from '@sinclair/typebox';
import { desiredStates, instanceActions, instanceTypes, phases, powerStates, tasks, type InstanceAction } from '@kumo/core/lifecycle';
import { AnyId, ListQueryBase, Name, NamePrefix, Nullable, Tags, Timestamp } from './common.ts';
import { NicRequests } from './network.ts';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

// The lists are core's (lifecycle-states.ts): one definition for the API, the database and the console.
export const DesiredState = lit(desiredStates);
export const Phase = lit(phases);
export const Task = lit(tasks);
export const PowerState = lit(powerStates);
export const InstanceType = lit(instanceTypes);
/** Actions taken by POST /instances/{id}/{action}; delete is DELETE /instances/{id}. */
const PostedAction = lit(instanceActions.filter((a): a is Exclude<InstanceAction, 'delete'> => a !== 'delete'));

export const InstanceAddress = Type.Object({
  nicId: Type.String(), deviceIndex: Type.Integer(), networkId: Type.String(), networkName: Type.String(),
  mac: Type.String(), ip: Type.String({ description: 'private address on the network' }),
  publicIp: Nullable(Type.String({ description: 'the public address statically NATed to this NIC (elastic IP), if any' })),
});

export const Instance = Type.Object({
  id: Type.String(), accountId: Type.String(), name: Type.String(),
  type: Type.Union(InstanceType.anyOf, { description: 'vm (QEMU hosts) or container (LXC hosts), from the image: a root-fs tarball (rootfs-tar) makes a container' }),
  zoneId: Type.String(), hostId: Nullable(Type.String()), poolId: Nullable(Type.String()),
  imageId: Nullable(Type.String({ description: 'null only on a deleted instance whose image was deleted since' })),
  imageVersionId: Nullable(Type.String()), offeringId: Nullable(Type.String()), keypairId: Nullable(Type.String()),
  vcpus: Type.Integer(), memoryMiB: Type.Integer(), rootDiskGiB: Type.Integer(),
  addresses: Type.Array(InstanceAddress, { description: 'per NIC in device order: network, MAC, private IP, static-NAT public IP' }),
  desired: DesiredState, phase: Phase, task: Nullable(Task),
  observed: Type.Object({ power: Nullable(PowerState), at: Nullable(Timestamp) }),
  errorReason: Nullable(Type.String()), hostTags: Tags, affinityGroupIds: Type.Array(Type.String()),
  configDrive: Type.Boolean(),
  graphicalConsole: Nullable(Type.Boolean({ description: 'a display with a VNC server (graphical console, screenshots); null: as the image — disk images and ISOs have one, kernel bundles do not' })),
  metadataHttpTokens: Type.Union(lit(['required', 'optional'] as const).anyOf, { description: 'IMDSv2: required — the EC2 metadata paths (169.254.169.254/latest/...) answer only with a session token (PUT /latest/api/token); optional — plain IMDSv1 GETs too' }),
  cdrom: Nullable(Type.Object({
    imageId: Nullable(Type.String({ description: 'the ISO in the drive; null: the drive is empty' })), imageVersionId: Nullable(Type.String()),
  }, { description: 'the CD-ROM drive; null: the instance has none' })),
  bootDevice: lit(['disk', 'cdrom'] as const),
  ha: Type.Object({
    enabled: Type.Boolean({ description: 'restarted on another host of its cluster when its host fails (after storage fencing)' }),
    priority: Type.Integer({ description: 'higher restarts first' }),
    restarts: Type.Integer({ description: 'HA restarts so far' }), lastRestartAt: Nullable(Timestamp),
  }),
  version: Type.Integer(), createdAt: Timestamp, updatedAt: Timestamp,
});

export const InstanceCreate = Type.Object({
  name: Name,
  zoneId: AnyId,
  imageId: Type.Optional(AnyId),
  imageVersionId: Type.Optional(AnyId),
  imageVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'a version label of the image (`image:version`); default: the image\'s default version' })),
  type: Type.Optional(Type.Union(InstanceType.anyOf, { description: 'vm or container: checked against the image (a root-fs tarball makes a container, any other image a VM); default: what the image makes' })),
  isoImageId: Type.Optional(AnyId),
  diskSizeGiB: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536, description: 'size of the blank root disk of an ISO install (default: the offering\'s)' })),
  offeringId: AnyId,
  keypairId: Type.Optional(AnyId),
  podId: Type.Optional(AnyId),
  clusterId: Type.Optional(AnyId),
  hostTags: Type.Optional(Tags),
  affinityGroupIds: Type.Optional(Type.Array(AnyId, { maxItems: 8 })),
  userData: Type.Optional(Type.String({ maxLength: 65536, description: 'cloud-init user-data, plain text' })),
  start: Type.Optional(Type.Boolean({ description: 'start after creation (default true)' })),
  nics: Type.Optional(NicRequests),
  configDrive: Type.Optional(Type.Boolean({ description: 'attach a NoCloud config drive (ISO 9660 labelled cidata: meta-data, user-data, network-config) for guests without network metadata' })),
  ha: Type.Optional(Type.Boolean({ description: 'high availability: restart on another host when its host fails (default: the offering\'s)' })),
  graphicalConsole: Type.Optional(Type.Boolean({ description: 'give the guest a display and VNC server (graphical console, screenshots); default: disk images and ISOs yes, kernel bundles no' })),
  haPriority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000, description: 'HA restart order: higher first (default 0)' })),
  metadataHttpTokens: Type.Optional(Type.Union(lit(['required', 'optional'] as const).anyOf, { description: 'IMDSv2: required — metadata only with a session token; optional (default) — IMDSv1 GETs too' })),
}, { additionalProperties: false });

/** Insert an ISO into the instance's CD-ROM drive (the drive is added to a stopped instance that has none). */
export const InstanceCdromInsert = Type.Object({ imageId: AnyId, imageVersionId: Type.Optional(AnyId) }, { additionalProperties: false });
export const InstanceUpdate = Type.Object({
  bootDevice: Type.Optional(lit(['disk', 'cdrom'] as const)),
  ha: Type.Optional(Type.Boolean({ description: 'high availability on or off (takes effect at once; the guest\'s host learns it at its next lease renewal)' })),
  haPriority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
  metadataHttpTokens: Type.Optional(Type.Union(lit(['required', 'optional'] as const).anyOf, { description: 'IMDSv2 session tokens required, or optional (IMDSv1 too); the guest\'s metadata service applies it at once' })),
}, { additionalProperties: false });

export const InstanceActionRequest = Type.Object({
  force: Type.Optional(Type.Boolean({ description: 'stop: kill at once instead of ACPI power-down' })),
  timeoutSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
}, { additionalProperties: false });

/**
 * POST /instances/{id}/migrate (operators): move the instance to another host of its cluster (or of
 * its zone when its disks move). Running or paused: live migration; stopped: cold (its disks are
 * copied). Answered 202 with an `instance.migrate` operation whose progressDetail.migration has the
 * live figures.
 */
export const InstanceMigrateRequest = Type.Object({
  hostId: Type.Optional(Type.String({ minLength: 1, description: 'target host (id or name); omitted: the scheduler picks a compatible host' })),
  live: Type.Optional(Type.Boolean({ description: 'false: refuse unless the instance can move without running on both hosts at once (cold); default: live when it runs' })),
}, { additionalProperties: false });

export const InstanceActionParams = Type.Object({
  id: AnyId, action: PostedAction,
}, { additionalProperties: false });

export const InstanceListQuery = Type.Object({
  ...ListQueryBase,
  name: Type.Optional(Type.String({ maxLength: 63 })), namePrefix: Type.Optional(NamePrefix),
  zoneId: Type.Optional(AnyId), hostId: Type.Optional(AnyId), phase: Type.Optional(Phase),
  accountId: Type.Optional(AnyId),
}, { additionalProperties: false });


export const WaitQuery = Type.Object({
  wait: Type.Optional(Type.Boolean()),
  waitTimeoutSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
}, { additionalProperties: false });

/**
 * KVM → LXC: make a container of a stopped VM. The container takes the VM's name (or `name`), its
 * NICs (same MAC and IP) and security groups; the VM is renamed `<name>-vm` and stays stopped (or is
 * deleted, with keep: false). A VM with data volumes attached is refused: detach them first.
 */
export const InstanceConvert = Type.Object({
  to: Type.Literal('container', { description: 'what the instance becomes (only a VM → a container)' }),
  keep: Type.Optional(Type.Boolean({ description: 'keep the VM (default true: it stays stopped, renamed <name>-vm, so the conversion can be undone); false deletes it once the container is made' })),
  name: Type.Optional(Name),
}, { additionalProperties: false });
export type InstanceConvert = Static<typeof InstanceConvert>;

export type Instance = Static<typeof Instance>;
export type InstanceAddress = Static<typeof InstanceAddress>;
export type InstanceCreate = Static<typeof InstanceCreate>;
export type InstanceCdromInsert = Static<typeof InstanceCdromInsert>;
export type InstanceUpdate = Static<typeof InstanceUpdate>;
export type InstanceActionRequest = Static<typeof InstanceActionRequest>;

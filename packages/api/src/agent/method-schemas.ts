/**
 * Every method the server may call on an agent: its parameters, its result, whether it runs as a
 * job (answered at once with a job id, then progress frames and a final result; see jobs.ts), the
 * capability that gates it, and the first protocol version that has it. Both ends validate
 * parameters and results against these schemas.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { DriverCapability } from '@kumo/core';
import {
  DiskLimitsSchema, DiskSpecSchema, GuestInfoSchema, IncomingEndpointSchema, InstanceSpecSchema, InstanceStatusSchema, MigrationPolicySchema, MigrationResultSchema,
} from './spec-schemas.ts';

export const ImageRefSchema = Type.Object({
  imageVersionId: Type.String(),
  url: Type.String(),
  sha256: Type.String(),
  format: Type.String(),
  sizeBytes: Type.Integer({ minimum: 0 }),
});
export type ImageRef = Static<typeof ImageRefSchema>;

const InstanceIdParams = Type.Object({ instanceId: Type.String({ minLength: 1 }) });
const AbsolutePath = Type.String({ pattern: '^/' });
const Id = Type.String({ minLength: 1 });
const CephName = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' });

/**
 * A primary storage pool as a host reaches it: a directory (local, or the same shared directory
 * on every host of a cluster) or a Ceph RBD pool (the host's ceph.conf names the monitors and
 * the keyring of `user`).
 */
export const PoolRefSchema = Type.Union([
  Type.Object({ kind: Type.Literal('directory'), path: AbsolutePath }),
  Type.Object({ kind: Type.Literal('rbd'), pool: CephName, user: CephName, cephConf: AbsolutePath }),
]);
export type PoolRef = Static<typeof PoolRefSchema>;

/**
 * Where a volume's first contents come from, besides `image`: a snapshot kept in the pool itself
 * (RBD snapshots; the volume is a layered clone of it). Snapshots and images kept in the image
 * store come as an ImageRef (`image`), like any image.
 */
export const VolumeSourceSchema = Type.Union([
  Type.Object({ kind: Type.Literal('image'), image: ImageRefSchema }),
  Type.Object({ kind: Type.Literal('pool-snapshot'), volumeId: Id, snapshotId: Id }),
]);
export type VolumeSource = Static<typeof VolumeSourceSchema>;

/** Where a snapshot goes: uploaded to the server's image store (PUT uploadPath with the host token), or kept in the pool. */
export const SnapshotTargetSchema = Type.Union([
  Type.Object({ kind: Type.Literal('image-store'), uploadPath: Type.String({ pattern: '^/api/v1/' }) }),
  Type.Object({ kind: Type.Literal('pool') }),
]);
export type SnapshotTarget = Static<typeof SnapshotTargetSchema>;

/** The network agent's apply report (packages/netagent: apply-report.ts). */
export const NetworkApplyReportSchema = Type.Object({
  generation: Type.Integer(),
  ok: Type.Boolean(),
  changes: Type.Array(Type.Object({ action: Type.String(), kind: Type.String(), id: Type.String(), detail: Type.String() })),
  errors: Type.Array(Type.Object({ kind: Type.String(), id: Type.String(), message: Type.String(), code: Type.Optional(Type.String()) })),
  durationMs: Type.Number({ minimum: 0 }),
});

interface MethodDef {
  params: TSchema;
  result: TSchema;
  /** Runs as a job: progress, cancel, deadline, survives a dropped connection. */
  job: boolean;
  /** Refused up front for hosts that lack it. */
  capability?: DriverCapability;
  /** First protocol version with this method. */
  since: 1 | 2;
}

function method<P extends TSchema, R extends TSchema>(params: P, result: R, opts: Omit<MethodDef, 'params' | 'result'>) {
  return { params, result, ...opts };
}

export const agentMethodDefs = {
  /** `iso`: the ISO for spec.cdrom, fetched into the host's image cache; the agent fills in spec.cdrom.iso from it. */
  'instance.start': method(Type.Object({ spec: InstanceSpecSchema, image: Type.Union([ImageRefSchema, Type.Null()]), iso: Type.Optional(ImageRefSchema) }), InstanceStatusSchema, { job: true, since: 1 }),
  'instance.stop': method(Type.Object({
    instanceId: Type.String({ minLength: 1 }), force: Type.Boolean(), timeoutSec: Type.Integer({ minimum: 0 }), statePath: Type.Optional(AbsolutePath),
  }), InstanceStatusSchema, { job: false, since: 1 }),
  'instance.reboot': method(InstanceIdParams, InstanceStatusSchema, { job: false, since: 1 }),
  'instance.pause': method(InstanceIdParams, InstanceStatusSchema, { job: false, capability: 'pause', since: 1 }),
  'instance.resume': method(InstanceIdParams, InstanceStatusSchema, { job: false, capability: 'pause', since: 1 }),
  'instance.save': method(Type.Object({ instanceId: Type.String({ minLength: 1 }), statePath: AbsolutePath }), InstanceStatusSchema, { job: true, capability: 'save-restore', since: 1 }),
  'instance.restore': method(Type.Object({ spec: InstanceSpecSchema, image: Type.Union([ImageRefSchema, Type.Null()]), iso: Type.Optional(ImageRefSchema), statePath: AbsolutePath }), InstanceStatusSchema, { job: true, capability: 'save-restore', since: 1 }),
  /** Forget the instance on this host; statePath, when given, is a saved-state file to remove too. */
  'instance.destroy': method(Type.Object({ instanceId: Type.String({ minLength: 1 }), statePath: Type.Optional(AbsolutePath) }), Type.Null(), { job: false, since: 1 }),
  'instance.inspect': method(InstanceIdParams, InstanceStatusSchema, { job: false, since: 1 }),
  /** Recent console output, base64. */
  'instance.consoleLog': method(InstanceIdParams, Type.String({ contentEncoding: 'base64' }), { job: false, since: 1 }),
  /**
   * The whole desired guest networking of the host (the HostNetworkSpec of @kumo/netagent, built by
   * the server from the database). Its shape belongs to the network agent, which validates it fully.
   */
  'network.apply': method(Type.Object({ spec: Type.Object({ generation: Type.Integer({ minimum: 0 }) }, { additionalProperties: true }) }), NetworkApplyReportSchema, { job: false, since: 1 }),
  /**
   * Make a volume on a pool: blank, from `image` (an image or a snapshot in the image store) or
   * from `source` (a snapshot kept in the pool). Directory pools come as `poolPath` (protocol 1)
   * and, since protocol 2, also as `pool`; RBD pools only as `pool` (capability 'rbd').
   */
  'volume.create': method(Type.Object({
    volumeId: Type.String({ minLength: 1 }), instanceId: Type.String({ description: 'empty for a volume of no instance' }), poolPath: Type.Optional(AbsolutePath), sizeGiB: Type.Integer({ minimum: 0 }),
    provisioning: Type.Union([Type.Literal('linked'), Type.Literal('full')]), image: Type.Union([ImageRefSchema, Type.Null()]),
    pool: Type.Optional(PoolRefSchema), source: Type.Optional(VolumeSourceSchema),
  }), Type.Object({ path: Type.String() }), { job: true, since: 1 }),
  /** Remove a volume. On a pool that keeps snapshots, a volume with snapshots is hidden and removed with its last snapshot. */
  'volume.delete': method(Type.Object({ volumeId: Type.String({ minLength: 1 }), poolPath: Type.Optional(AbsolutePath), pool: Type.Optional(PoolRefSchema) }), Type.Null(), { job: false, since: 1 }),
  /** Grow a volume no guest has open (a running guest's disk grows with instance.resizeDisk). Shrinking is refused. */
  'volume.resize': method(Type.Object({ volumeId: Id, pool: PoolRefSchema, sizeGiB: Type.Integer({ minimum: 1 }) }), Type.Null(), { job: false, since: 2 }),
  /**
   * A crash-consistent snapshot of a volume. `instanceId` names the running (or paused) guest that
   * has it open ('' when none does: the file or image is read directly). Goes to the image store
   * (uploaded with the host token) or stays in the pool (RBD snapshot). Progress in bytes.
   */
  'volume.snapshot': method(Type.Object({
    volumeId: Id, snapshotId: Id, pool: PoolRefSchema, instanceId: Type.String(), target: SnapshotTargetSchema,
  }), Type.Object({
    sizeBytes: Type.Integer({ minimum: 0 }), sha256: Type.Union([Type.String(), Type.Null()]),
    format: Type.Union([Type.Literal('qcow2'), Type.Literal('raw')]), location: Type.Union([Type.Literal('image-store'), Type.Literal('pool')]),
  }), { job: true, since: 2 }),
  /**
   * KVM → LXC: read a stopped VM's root volume, turn its file system into a root-fs tarball adapted
   * for a container (NICs renamed enp0s<pciSlot> → eth<index>) and upload it to `uploadPath` (an
   * image version being converted, format 'rootfs-tar'). Read-only on the volume. Since protocol 2.
   */
  'volume.rootfsTar': method(Type.Object({
    volumeId: Id, pool: PoolRefSchema, uploadPath: Type.String({ pattern: '^/api/v1/' }),
    nics: Type.Array(Type.Object({ pciSlot: Type.Integer({ minimum: 0 }), index: Type.Integer({ minimum: 0 }) })),
  }), Type.Object({ sizeBytes: Type.Integer({ minimum: 0 }), sha256: Type.String(), format: Type.Literal('rootfs-tar') }), { job: true, since: 2 }),
  /** Remove a snapshot kept in the pool (and the hidden volume it was the last to hold). Idempotent. */
  'volume.snapshotDelete': method(Type.Object({ volumeId: Id, snapshotId: Id, pool: PoolRefSchema }), Type.Null(), { job: false, since: 2 }),
  /**
   * Export a snapshot kept in the pool to the image store (to capture an image from it), as
   * volume.snapshot does for a volume.
   */
  'volume.snapshotExport': method(Type.Object({ volumeId: Id, snapshotId: Id, pool: PoolRefSchema, uploadPath: Type.String({ pattern: '^/api/v1/' }) }), Type.Object({
    sizeBytes: Type.Integer({ minimum: 0 }), sha256: Type.String(), format: Type.Union([Type.Literal('qcow2'), Type.Literal('raw')]),
  }), { job: true, since: 2 }),
  /** Put a volume no guest has open back to a snapshot's contents (its size becomes sizeGiB). */
  'volume.rollback': method(Type.Object({ volumeId: Id, pool: PoolRefSchema, sizeGiB: Type.Integer({ minimum: 1 }), source: VolumeSourceSchema }), Type.Null(), { job: true, since: 2 }),
  /** Hot-plug a data disk into a running guest at its stored address. */
  'instance.attachDisk': method(Type.Object({ instanceId: Id, disk: DiskSpecSchema }), Type.Null(), { job: false, capability: 'hot-attach-disk', since: 2 }),
  /** Hot-unplug a data disk; the guest has timeoutSec to release it (error `timeout` otherwise, the disk stays). */
  'instance.detachDisk': method(Type.Object({ instanceId: Id, volumeId: Id, timeoutSec: Type.Integer({ minimum: 1 }) }), Type.Null(), { job: false, capability: 'hot-attach-disk', since: 2 }),
  /** Grow an attached disk of a running guest. */
  'instance.resizeDisk': method(Type.Object({ instanceId: Id, volumeId: Id, sizeGiB: Type.Integer({ minimum: 1 }) }), Type.Null(), { job: false, capability: 'disk-resize-online', since: 2 }),
  /** Replace the I/O limits of an attached disk of a running guest ({} = none). */
  'instance.setDiskLimits': method(Type.Object({ instanceId: Id, volumeId: Id, limits: DiskLimitsSchema }), Type.Null(), { job: false, capability: 'disk-qos', since: 2 }),
  /** Insert an ISO (fetched into the host's image cache first) into a running guest's CD-ROM drive, or eject (null). */
  /** Connect the guest's display server to a stream the server names; display-data / display-close frames follow (messages.ts). */
  'instance.displayOpen': method(Type.Object({ instanceId: Id, streamId: Type.String({ minLength: 1, maxLength: 64 }) }), Type.Null(), { job: false, capability: 'graphical-console', since: 2 }),
  /** The guest's screen now as PNG, base64. */
  'instance.screenshot': method(InstanceIdParams, Type.String({ contentEncoding: 'base64' }), { job: false, capability: 'graphical-console', since: 2 }),
  /** What the guest agent reports (OS, interfaces and addresses); 'timeout' when it does not answer. */
  'instance.guestInfo': method(InstanceIdParams, GuestInfoSchema, { job: false, since: 2 }),
  /** Set a guest user's password through the guest agent. */
  'instance.setGuestPassword': method(Type.Object({ instanceId: Id, user: Type.String({ minLength: 1, maxLength: 32 }), password: Type.String({ minLength: 1, maxLength: 256 }) }), Type.Null(), { job: false, since: 2 }),
  'instance.changeMedium': method(Type.Object({ instanceId: Id, iso: Type.Union([ImageRefSchema, Type.Null()]) }), Type.Null(), { job: false, capability: 'cdrom', since: 2 }),
  /**
   * Remove the pool's cached base images that no volume backs onto and whose image version is not
   * in `keepImageVersionIds` (the versions that still exist); bases used within `graceMs` (default
   * 10 minutes: a clone may be being made on another host of a shared pool) are kept.
   */
  'pool.collectGarbage': method(Type.Object({
    pool: PoolRefSchema, keepImageVersionIds: Type.Array(Id), graceMs: Type.Optional(Type.Integer({ minimum: 0 })),
  }), Type.Object({ removed: Type.Array(Type.String()), kept: Type.Array(Type.String()) }), { job: false, since: 2 }),
  /**
   * Live migration, target side: fetch the images the spec needs, then start the copy waiting for
   * the stream on listenAddress (Driver.prepareIncoming). receiveDisks (volumes on local pools,
   * already created on this host) are exported over NBD for the source's mirrors.
   */
  'instance.prepareIncoming': method(Type.Object({
    spec: InstanceSpecSchema, image: Type.Union([ImageRefSchema, Type.Null()]), iso: Type.Optional(ImageRefSchema),
    listenAddress: Type.String({ minLength: 1 }), receiveDisks: Type.Array(Id), postcopy: Type.Boolean(),
    /** Ports from the host's transfer range for the memory stream and the disk mirrors' NBD server; absent or 0: a free port. */
    ports: Type.Optional(Type.Object({ stream: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })), nbd: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) }, { additionalProperties: false })),
  }), IncomingEndpointSchema, { job: true, capability: 'live-migrate', since: 2 }),
  /** Live migration, source side (Driver.migrate): progress carries `migration` figures; cancel leaves the guest running here. */
  'instance.migrate': method(Type.Object({ instanceId: Id, target: IncomingEndpointSchema, policy: MigrationPolicySchema }), MigrationResultSchema, { job: true, capability: 'live-migrate', since: 2 }),
  /** Live migration, target side: wait until the incoming copy runs (Driver.finishIncoming). */
  'instance.finishIncoming': method(Type.Object({ instanceId: Id, timeoutMs: Type.Integer({ minimum: 1 }) }), InstanceStatusSchema, { job: false, capability: 'live-migrate', since: 2 }),
  /** Stop a running job; the host is left as it was before the job (the job ends with error `cancelled`). */
  'job.cancel': method(Type.Object({ jobId: Type.String({ minLength: 1 }) }), Type.Object({ found: Type.Boolean(), state: Type.String() }), { job: false, since: 2 }),
  /**
   * Host-to-host transfers: the target listens on a port the server allocated and writes what it
   * receives to a file (written to `path.partial`, renamed when complete); the source streams a file
   * to it as a job with byte progress. Migration streams and disk mirrors build on these listeners.
   */
  'transfer.listen': method(Type.Object({ transferId: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }), path: AbsolutePath }), Type.Object({ address: Type.String(), port: Type.Integer() }), { job: false, since: 2 }),
  'transfer.send': method(Type.Object({ transferId: Type.String({ minLength: 1 }), address: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }), path: AbsolutePath }), Type.Object({ bytes: Type.Integer(), sha256: Type.String() }), { job: true, since: 2 }),
  /** Close a listener; reports what it received (`complete` once the sender finished). */
  'transfer.close': method(Type.Object({ transferId: Type.String({ minLength: 1 }) }), Type.Object({ found: Type.Boolean(), complete: Type.Boolean(), bytes: Type.Integer(), sha256: Type.Union([Type.String(), Type.Null()]) }), { job: false, since: 2 }),
  /**
   * Storage fencing (HA), run by a healthy host of the cluster on behalf of a lost one: `add` keeps
   * every client at `clientAddress` from the RBD pool's cluster (`ceph osd blocklist add`), `remove`
   * lets it back once its stale copies are destroyed. Idempotent.
   */
  'storage.fence': method(Type.Object({
    pool: PoolRefSchema, clientAddress: Type.String({ minLength: 1 }), action: Type.Union([Type.Literal('add'), Type.Literal('remove')]),
  }), Type.Object({ detail: Type.String() }), { job: false, since: 2 }),
  /** How long ago each lease file was last touched (ms, by this host's clock); null: no such file. */
  'storage.leaseAges': method(Type.Object({ paths: Type.Array(AbsolutePath) }), Type.Object({ agesMs: Type.Array(Type.Union([Type.Integer(), Type.Null()])) }), { job: false, since: 2 }),
} satisfies Record<string, MethodDef>;

export type AgentMethod = keyof typeof agentMethodDefs;
export type AgentMethods = { [M in AgentMethod]: Static<(typeof agentMethodDefs)[M]['params']> };
export type AgentResults = { [M in AgentMethod]: Static<(typeof agentMethodDefs)[M]['result']> };
export const agentMethodNames = Object.keys(agentMethodDefs) as AgentMethod[];

export function isAgentMethod(name: string): name is AgentMethod {
  return Object.hasOwn(agentMethodDefs, name);
}

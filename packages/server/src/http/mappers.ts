import type * as api from '@kumo/api';
import { protocolV1Capabilities } from '@kumo/core';
import { haSettingsOf } from '../ha/ha-settings.ts';
import { propertiesOf } from '../services/image-properties.ts';
import type {
  ClusterRow, DiskOfferingRow, EventRow, HostRow, ImageRow, ImageVersionRow, InstanceListRow, KeypairRow, OfferingRow,
  OperationRow, PodRow, PoolRow, ZoneRow, AffinityGroupRow, VolumeRow, SnapshotRow, AccountRow, ApiKeyRow, InstanceAddressRow,
} from '@kumo/db';

/** Rows as stored → resources as the API shows them. One function per resource, no logic. */
export const toZone = (r: ZoneRow): api.Zone => ({ id: r.id, name: r.name, description: r.description, placementStrategy: r.placementStrategy, ha: haSettingsOf(r), createdAt: r.createdAt });
export const toPod = (r: PodRow): api.Pod => ({ id: r.id, zoneId: r.zoneId, name: r.name, createdAt: r.createdAt });
export const toCluster = (r: ClusterRow): api.Cluster => ({
  id: r.id, zoneId: r.zoneId, podId: r.podId, name: r.name, hypervisor: r.hypervisor,
  cpuOvercommit: r.cpuOvercommit, memoryOvercommit: r.memoryOvercommit, createdAt: r.createdAt,
});
export const toHost = (r: HostRow, instanceCount = 0): api.Host => ({
  id: r.id, name: r.name, zoneId: r.zoneId, podId: r.podId, clusterId: r.clusterId, hypervisor: r.hypervisor, state: r.state, adminState: r.adminState,
  address: r.address, accelerator: r.accelerator, cpuModel: r.cpuModel, hypervisorVersion: r.hypervisorVersion,
  cpus: r.cpus, memoryMiB: r.memoryMiB, cpuAllocated: r.cpuAllocated, memoryAllocatedMiB: r.memoryAllocatedMiB,
  tags: JSON.parse(r.tags) as string[], dedicatedAccountId: r.dedicatedAccountId, instanceCount,
  lastHeartbeatAt: r.lastHeartbeatAt, createdAt: r.createdAt,
  // Hosts registered by protocol-1 agents (no capabilities in their hello) can do what that release did.
  capabilities: r.capabilities === null ? [...protocolV1Capabilities] : JSON.parse(r.capabilities) as string[],
  leaseExpiresAt: r.leaseExpiresAt ?? null,
  fence: { state: r.fenceState ?? 'none', startedAt: r.fenceStartedAt ?? null, fencedAt: r.fencedAt ?? null, method: r.fenceMethod ?? null, error: r.fenceError ?? null },
});
export const toPool = (r: PoolRow): api.Pool => ({
  id: r.id, name: r.name, zoneId: r.zoneId, clusterId: r.clusterId, hostId: r.hostId, kind: r.kind, path: r.path,
  capacityGiB: r.capacityGiB, allocatedGiB: r.allocatedGiB, usedGiB: r.usedGiB, overcommit: r.overcommit, createdAt: r.createdAt,
  rbd: r.kind === 'rbd' ? { pool: r.rbdPool ?? '', user: r.cephUser ?? '', cephConf: r.cephConf ?? '' } : null,
});
export const toImage = (r: ImageRow, latestVersionId: string | null = null, defaultVersionId: string | null = null): api.Image => ({
  id: r.id, accountId: r.accountId, name: r.name, description: r.description, kind: r.kind, public: r.public === 1,
  osType: r.osType, minDiskGiB: r.minDiskGiB, latestVersionId, createdAt: r.createdAt, defaultVersionId,
  ...imagePropertiesOf(r),
});
function imagePropertiesOf(r: ImageRow): Pick<api.Image, 'firmware' | 'secureBoot' | 'diskBus' | 'nicModel' | 'tpm' | 'guestAgent' | 'minMemoryMiB'> {
  const p = propertiesOf(r);
  return { firmware: p.firmware, secureBoot: p.secureBoot, diskBus: p.diskBus, nicModel: p.nicModel, tpm: p.tpm, guestAgent: p.guestAgent, minMemoryMiB: p.minMemoryMiB };
}
/** `defaultVersionId`: the image's effective default version (ImageService.defaultVersionId). */
export const toImageVersion = (r: ImageVersionRow, defaultVersionId: string | null = null): api.ImageVersion => ({
  id: r.id, imageId: r.imageId, version: r.version, format: r.format, sizeBytes: r.sizeBytes, sha256: r.sha256,
  state: r.state, cmdline: r.cmdline, createdAt: r.createdAt,
  parentVersionId: r.parentVersionId ?? null, isDefault: r.id === defaultVersionId,
  sourceInstanceId: r.sourceInstanceId ?? null, sourceSnapshotId: r.sourceSnapshotId ?? null, failureReason: r.failureReason ?? null,
});
export const toOffering = (r: OfferingRow): api.Offering => ({
  id: r.id, name: r.name, description: r.description, vcpus: r.vcpus, memoryMiB: r.memoryMiB, rootDiskGiB: r.rootDiskGiB,
  qosClass: r.qosClass, ha: r.ha === 1, diskProvisioning: r.diskProvisioning, stopTimeoutSec: r.stopTimeoutSec, createdAt: r.createdAt,
});
export const toDiskOffering = (r: DiskOfferingRow): api.DiskOffering => ({
  id: r.id, name: r.name, description: r.description, sizeGiB: r.sizeGiB, qosClass: r.qosClass, createdAt: r.createdAt,
  readIops: r.readIops ?? null, writeIops: r.writeIops ?? null, readBytesPerSec: r.readBytesPerSec ?? null, writeBytesPerSec: r.writeBytesPerSec ?? null,
});
export const toKeypair = (r: KeypairRow): api.Keypair => ({
  id: r.id, accountId: r.accountId, name: r.name, publicKey: r.publicKey, fingerprint: r.fingerprint, createdAt: r.createdAt,
});
export const toAffinityGroup = (r: AffinityGroupRow): api.AffinityGroup => ({ id: r.id, accountId: r.accountId, name: r.name, policy: r.policy, createdAt: r.createdAt });
/** An API key; `secret` only in the answer to its creation. */
export const toApiKey = (r: ApiKeyRow, secret?: string): api.ApiKey => ({
  id: r.id, name: r.name, accountId: r.accountId, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, expiresAt: r.expiresAt,
  access: r.access, userId: r.userId, ...(secret === undefined ? {} : { secret }),
});
export const toAccount = (r: AccountRow): api.Account => ({ id: r.id, name: r.name, role: r.role, createdAt: r.createdAt });
export const toInstance = (r: InstanceListRow, affinityGroupIds: string[] = [], addresses: InstanceAddressRow[] = []): api.Instance => ({
  id: r.id, accountId: r.accountId, name: r.name, type: r.type ?? 'vm', zoneId: r.zoneId, hostId: r.hostId, poolId: r.poolId,
  imageId: r.imageId, imageVersionId: r.imageVersionId, offeringId: r.offeringId, keypairId: r.keypairId,
  vcpus: r.vcpus, memoryMiB: r.memoryMiB, rootDiskGiB: r.rootDiskGiB,
  addresses: addresses.map((a) => ({ nicId: a.nicId, deviceIndex: a.deviceIndex, networkId: a.networkId, networkName: a.networkName, mac: a.mac, ip: a.ip, publicIp: a.publicIp })),
  desired: r.desired, phase: r.phase, task: r.task,
  observed: { power: r.observedPower, at: r.observedAt },
  errorReason: r.errorReason, hostTags: JSON.parse(r.hostTags) as string[], affinityGroupIds, configDrive: r.configDrive === 1,
  graphicalConsole: r.graphicalConsole === 1 ? true : r.graphicalConsole === 0 ? false : null,
  metadataHttpTokens: r.metadataHttpTokens ?? 'optional',
  cdrom: r.cdrom === 1 ? { imageId: r.cdromImageId ?? null, imageVersionId: r.cdromImageVersionId ?? null } : null,
  bootDevice: r.bootDevice ?? 'disk',
  ha: { enabled: r.ha === 1, priority: r.haPriority ?? 0, restarts: r.haRestarts ?? 0, lastRestartAt: r.haLastRestartAt ?? null },
  version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt,
});
export const toVolume = (r: VolumeRow): api.Volume => ({
  id: r.id, accountId: r.accountId, name: r.name ?? '', instanceId: r.instanceId, poolId: r.poolId, kind: r.kind, sizeGiB: r.sizeGiB,
  format: r.format, provisioning: r.provisioning, path: r.path, desired: r.desired, phase: r.phase, task: r.task, errorReason: r.errorReason, pciSlot: r.pciSlot, serial: r.serial, createdAt: r.createdAt,
  diskOfferingId: r.diskOfferingId ?? null, sourceImageVersionId: r.sourceImageVersionId ?? null, sourceSnapshotId: r.sourceSnapshotId ?? null,
});
export const toSnapshot = (r: SnapshotRow): api.Snapshot => ({
  id: r.id, accountId: r.accountId, name: r.name, volumeId: r.volumeId, sizeGiB: r.sizeGiB, sizeBytes: r.sizeBytes, location: r.location,
  poolId: r.poolId, format: r.format, sha256: r.sha256, desired: r.desired, phase: r.phase, task: r.task, errorReason: r.errorReason, createdAt: r.createdAt,
});
export const toOperation = (r: OperationRow): api.Operation => ({
  id: r.id, accountId: r.accountId, kind: r.kind, resourceType: r.resourceType, resourceId: r.resourceId,
  status: r.status, progress: r.progress, message: r.message,
  progressDetail: r.progressDetail ? JSON.parse(r.progressDetail) as api.Operation['progressDetail'] : null, cancelRequestedAt: r.cancelRequestedAt,
  error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null,
  createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt, updatedAt: r.updatedAt,
});
export const toEvent = (r: EventRow): api.Event => ({
  id: r.id, accountId: r.accountId, resourceType: r.resourceType, resourceId: r.resourceId, kind: r.kind,
  severity: r.severity, message: r.message, createdAt: r.createdAt,
});

/** Row types of Kumo's tables, as Kysely sees them (camelCase; the database has snake_case). */
import type { DesiredState, HostAdminState, HostState, InstanceType, OperationStatus, Phase, PowerState, Task } from '@kumo/core';

export interface AccountRow {
  id: string; name: string;
  /** Compatibility (before roles): 'admin' is the root-admin role, 'user' the user role, unless roleId says otherwise. */
  role: 'admin' | 'user'; createdAt: string;
  /** Tenancy (migration 023); the database fills them in (ROOT, enabled, user, null) when left out. */
  domainId?: string; state?: TenantState | 'deleted'; kind?: AccountKind; roleId?: string | null;
}
/** Whether an account, user or domain may act (migration 023). A deleted account is a tombstone: state 'deleted'. */
export type TenantState = 'enabled' | 'disabled';
/** 'user': people log in to it; 'project': it owns a project's resources, its members act on them. */
export type AccountKind = 'user' | 'project';
/** A domain of the tree (migration 023); `path` is '/ROOT/…/name/'. */
export interface DomainRow { id: string; name: string; parentId: string | null; path: string; state: TenantState; createdAt: string }
/** The built-in roles; custom roles have one of them as `base`. */
export type BuiltinRole = 'root-admin' | 'domain-admin' | 'user' | 'read-only';
/** A role (migration 023): a base role narrowed by allow/deny lists of action names (JSON arrays). */
export interface RoleRow { id: string; name: string; base: BuiltinRole; builtin: number; allow: string; deny: string; description: string; createdAt: string }
/** How an account takes part in a project (migration 023). */
export type ProjectRole = 'member' | 'admin' | 'read-only';
export interface ProjectMemberRow { projectAccountId: string; accountId: string; role: ProjectRole; createdAt: string }
/** A user's own role (migration 012); null: the account's role. */
export type UserRole = 'admin' | 'user' | 'read-only';
export interface UserRow {
  id: string; accountId: string; username: string; passwordHash: string; createdAt: string;
  role: UserRole | null; identityProviderId: string | null; externalDn: string | null;
  /** Migration 023; the database fills in 'enabled' when left out. */
  state?: TenantState;
}
export interface ApiKeyRow {
  id: string; accountId: string; userId: string | null; name: string; kind: 'key' | 'session';
  secretHash: string; expiresAt: string | null; lastUsedAt: string | null; createdAt: string;
  /** 'read-only': the key may only read (migration 012). */
  access: 'full' | 'read-only';
}
/** A directory users log in with (migration 012). domainId null: serves the whole cloud. */
export interface IdentityProviderRow {
  id: string; domainId: string | null; name: string; kind: 'ldap'; enabled: number;
  url: string; startTls: number; tlsCaFile: string | null; tlsVerify: number;
  bindDn: string; bindPassword: string; userSearchBase: string; userFilter: string;
  groupSearchBase: string; groupFilter: string;
  /** JSON array of { group, role, account? }, first match wins. */
  groupMappings: string; timeoutMs: number; createdAt: string;
}
export interface ZoneRow {
  id: string; name: string; description: string; placementStrategy: 'spread' | 'pack'; createdAt: string;
  /** HA settings (migration 014): host lease duration, how long before its end a host that cannot renew stops its HA guests, restarts at once. */
  haLeaseMs?: number | undefined; haFenceMarginMs?: number | undefined; haRestartConcurrency?: number | undefined;
  /** The account the zone is dedicated to (migration 025); null: shared. */
  dedicatedAccountId?: string | null | undefined;
}
/** Where storage fencing of a host is (migration 014): none, started, or confirmed (the host's old copies cannot write). */
export type HostFenceState = 'none' | 'fencing' | 'fenced';
export interface PodRow { id: string; zoneId: string; name: string; createdAt: string; /** migration 025 */ dedicatedAccountId?: string | null | undefined }
export interface ClusterRow {
  id: string; zoneId: string; podId: string; name: string; hypervisor: 'qemu' | 'lxc' | 'fake';
  cpuOvercommit: number; memoryOvercommit: number; createdAt: string;
  /** The account the cluster is dedicated to (migration 025); null: shared. */
  dedicatedAccountId?: string | null | undefined;
}
export interface HostRow {
  id: string; zoneId: string; podId: string; clusterId: string; name: string;
  hypervisor: 'qemu' | 'lxc' | 'fake';
  /** Liveness, from heartbeats only (migration 006). */
  state: HostLiveness;
  /** What the operator asked for, and where the maintenance state machine is (migration 006). */
  adminState: HostAdminState;
  address: string; accelerator: string; cpuModel: string; hypervisorVersion: string; agentVersion: string;
  cpus: number; memoryMiB: number; cpuAllocated: number; memoryAllocatedMiB: number;
  tags: string; dedicatedAccountId: string | null; tokenHash: string;
  /** The token the host presented at its last registration, still accepted until it presents tokenHash's (migration 030). */
  previousTokenHash: string | null;
  lastHeartbeatAt: string | null; connectedAt: string | null; createdAt: string; version: number;
  /** 1/0: the host's kernel can (not) create 802.1Q VLAN interfaces; null: not reported (migration 003). */
  vlanCapable: number | null;
  /** Fencing generation: bumped at every registration; calls carry it (migration 007). */
  generation: number;
  /** JSON array of DriverCapability; null until an agent reported it (migration 007). */
  capabilities: string | null;
  /** Agent protocol version the host's agent speaks (migration 007). */
  protocol: number;
  /** The host's lease (migration 014): renewed by every heartbeat; once past, the host is presumed lost. Null: never leased. */
  leaseExpiresAt?: string | null | undefined;
  /** Storage fencing (migration 014): state, when it started and was confirmed, how, and why it failed (if it did). */
  fenceState?: HostFenceState | undefined;
  fenceStartedAt?: string | null | undefined; fencedAt?: string | null | undefined;
  fenceMethod?: string | null | undefined; fenceError?: string | null | undefined; fenceGeneration?: number | null | undefined;
}
/** A port the server allocated on a host for a host-to-host transfer (migration 007). */
export interface HostPortRow { hostId: string; port: number; purpose: string; resourceId: string; createdAt: string }
export type HostLiveness = HostState;
export type { HostAdminState };
export interface JoinTokenRow { id: string; clusterId: string; secretHash: string; expiresAt: string; createdAt: string }
export interface PoolRow {
  id: string; zoneId: string; clusterId: string; hostId: string | null; name: string; kind: 'local' | 'shared' | 'rbd';
  path: string; capacityGiB: number; allocatedGiB: number; usedGiB: number; overcommit: number; createdAt: string;
  /** RBD pools (migration 009): the Ceph pool, the client id and the ceph.conf path on every host of the cluster; null otherwise. */
  rbdPool?: string | null | undefined; cephUser?: string | null | undefined; cephConf?: string | null | undefined;
}
export interface ImageRow {
  id: string; accountId: string; name: string; description: string; kind: 'template' | 'iso' | 'kernel';
  public: number; osType: string; minDiskGiB: number; createdAt: string;
  /** The version launched when the image is named alone; null: the newest ready version (migration 010). */
  defaultVersionId?: string | null | undefined;
  /** Image properties (migration 021; core guest/guest-hardware.ts): optional so inserts may leave them to the defaults. */
  firmware?: 'bios' | 'uefi' | undefined; secureBoot?: number | undefined;
  diskBus?: 'virtio-blk' | 'virtio-scsi' | 'sata' | undefined; nicModel?: 'virtio' | 'e1000' | undefined;
  tpm?: number | undefined; guestAgent?: number | undefined; minMemoryMiB?: number | undefined;
}
export interface ImageVersionRow {
  id: string; imageId: string; version: string; format: 'qcow2' | 'raw' | 'iso' | 'kernel-initrd' | 'rootfs-tar';
  sizeBytes: number; sha256: string; state: 'uploading' | 'ready' | 'failed'; cmdline: string; storagePath: string; createdAt: string;
  /** Lineage: the version this one was captured on top of (migration 010). */
  parentVersionId?: string | null | undefined;
  /** A captured version: the instance whose root volume it is taken from, or the snapshot (migration 010). */
  sourceInstanceId?: string | null | undefined;
  sourceSnapshotId?: string | null | undefined;
  /** Why a capture ended `failed` (migration 010). */
  failureReason?: string | null | undefined;
}
export interface OfferingRow {
  id: string; name: string; description: string; vcpus: number; memoryMiB: number; rootDiskGiB: number;
  qosClass: 'guaranteed' | 'best-effort'; ha: number; diskProvisioning: 'linked' | 'full'; stopTimeoutSec: number; createdAt: string;
}
export interface DiskOfferingRow {
  id: string; name: string; description: string; sizeGiB: number; qosClass: 'guaranteed' | 'best-effort'; createdAt: string;
  /** I/O limits (migration 009); null = no limit. */
  readIops?: number | null | undefined; writeIops?: number | null | undefined;
  readBytesPerSec?: number | null | undefined; writeBytesPerSec?: number | null | undefined;
}
export interface KeypairRow { id: string; accountId: string; name: string; publicKey: string; fingerprint: string; createdAt: string }
export interface AffinityGroupRow { id: string; accountId: string; name: string; policy: 'affinity' | 'anti-affinity'; createdAt: string }
export interface AffinityMemberRow { groupId: string; instanceId: string }
export interface InstanceRow {
  id: string; accountId: string; name: string; zoneId: string; podId: string | null; clusterId: string | null;
  hostId: string | null; poolId: string | null;
  /** Null only on deleted instances whose image (version), offering or key pair was deleted since (migration 008). */
  imageId: string | null; imageVersionId: string | null; offeringId: string | null; keypairId: string | null;
  vcpus: number; memoryMiB: number; rootDiskGiB: number; hostTags: string; userData: string;
  /** 1: attach a NoCloud config drive (migration 003). */
  configDrive: number;
  desired: DesiredState;
  phase: Phase;
  task: Task | null;
  observedPower: PowerState | null; observedAt: string | null; errorReason: string | null;
  excludedHostIds: string;
  /**
   * While the instance moves: the host its incoming copy is on (migration 006); the copy on hostId is
   * the one that may run. Optional so that inserts may leave it out (the column defaults to null).
   */
  targetHostId?: string | null | undefined;
  version: number; createdAt: string; updatedAt: string; deletedAt: string | null;
  /** 1: the instance has a CD-ROM drive; the ISO in it, null when empty (migration 010). */
  cdrom?: number | undefined;
  cdromImageId?: string | null | undefined;
  cdromImageVersionId?: string | null | undefined;
  /** What the firmware boots first (migration 010). */
  bootDevice?: 'disk' | 'cdrom' | undefined;
  /** 1: restarted on another host when its host fails; higher haPriority first; restarts so far and the last (migration 014). */
  ha?: number | undefined; haPriority?: number | undefined; haRestarts?: number | undefined; haLastRestartAt?: string | null | undefined;
  haRestartedFrom?: string | null | undefined;
  /**
   * 1: the guest has a memory balloon (guest-reported memory). Set when the controller starts it, so
   * a guest started before balloons keeps its device set until its next start: a live migration's
   * target must have the same devices as its source (migration 019).
   */
  memoryBalloon?: number | undefined;
  /** A VM or a container, from its image at creation (migration 022). */
  type?: InstanceType | undefined;
  /** 1: a display and VNC server; 0: none; null: as the image (disk images and ISOs yes, kernel bundles no) (migration 024). */
  graphicalConsole?: number | null | undefined;
  /** IMDSv2: 'required' — the EC2 metadata paths answer only with a session token; 'optional' or null — IMDSv1 too (migration 027). */
  metadataHttpTokens?: 'required' | 'optional' | null | undefined;
}
export interface VolumeRow {
  id: string; accountId: string; instanceId: string | null; poolId: string; kind: 'root' | 'data';
  sizeGiB: number; format: string; provisioning: string; path: string; createdAt: string;
  /** Reconciled like an instance (migration 006): desired by its owner, phase/task by the controller, observed from the agent. */
  desired: 'ready' | 'deleted';
  phase: 'pending' | 'ready' | 'error' | 'deleted';
  task: 'creating' | 'deleting' | 'attaching' | 'detaching' | 'resizing' | 'restoring' | 'updating' | null;
  observedState: string | null; observedAt: string | null; errorReason: string | null;
  version: number; updatedAt: string | null;
  /** Slot on the guest's PCI bus while attached, null when not (migration 005; docs/architecture.md#device-layout). */
  pciSlot: number | null;
  /** The disk serial the guest sees, fixed at creation (migration 005). */
  serial: string;
  /** A user's name for the volume ('' for root disks), its disk offering (I/O limits) and where its first contents came from (migration 009). */
  name?: string | undefined;
  diskOfferingId?: string | null | undefined;
  sourceImageVersionId?: string | null | undefined;
  sourceSnapshotId?: string | null | undefined;
}
/** A volume's point-in-time copy (migration 009), in the image store or in the pool; outlives its volume. */
export interface SnapshotRow {
  id: string; accountId: string; volumeId: string; name: string;
  /** The volume's size when it was taken (a volume made from it is at least this big). */
  sizeGiB: number; sizeBytes: number;
  location: 'image-store' | 'pool'; poolId: string; format: 'qcow2' | 'raw';
  /** Image-store blobs: where the file is and its sha256; null for pool snapshots. */
  storagePath: string | null; sha256: string | null;
  desired: 'ready' | 'deleted';
  phase: 'pending' | 'ready' | 'error' | 'deleted';
  task: 'creating' | 'deleting' | null;
  errorReason: string | null; version: number; createdAt: string; updatedAt: string;
}
export interface OperationRow {
  id: string; accountId: string; kind: string; resourceType: string; resourceId: string;
  status: OperationStatus; progress: number; message: string;
  params: string; errorCode: string | null; errorMessage: string | null;
  idempotencyKey: string | null; requestHash: string | null;
  createdAt: string; startedAt: string | null; finishedAt: string | null; updatedAt: string;
  /** JSON JobProgress of the job doing the work, when there is one (migration 007). */
  progressDetail: string | null;
  /** A user asked to cancel; the controller stops the job and ends the operation `cancelled` (migration 007). */
  cancelRequestedAt: string | null;
}
export interface EventRow {
  id: string; accountId: string; resourceType: string; resourceId: string; kind: string;
  severity: 'info' | 'warning' | 'error'; message: string; createdAt: string;
}

// Guest networking (migration 002). JSON columns hold text; booleans are 0/1.
export type TrafficType = 'management' | 'guest' | 'public';
export type NetworkProtocol = 'tcp' | 'udp' | 'icmp' | 'all';
export interface PhysicalNetworkRow {
  id: string; zoneId: string; name: string;
  /** JSON array of TrafficType. */
  trafficTypes: string;
  /** Default device on every host (a host mapping overrides it). */
  device: string; deviceKind: 'interface' | 'bridge'; mtu: number;
  vniStart: number | null; vniEnd: number | null; vlanStart: number | null; vlanEnd: number | null; createdAt: string;
}
/** Per-host underlay of a physical network: which device, and the host's address on it. */
export interface PhysicalNetworkHostRow { physicalNetworkId: string; hostId: string; device: string; address: string; createdAt: string }
export interface PublicIpRangeRow {
  id: string; zoneId: string; physicalNetworkId: string; cidr: string; gateway: string; startIp: string; endIp: string;
  vlan: number | null; createdAt: string;
}
export interface NetworkRow {
  id: string; accountId: string; zoneId: string; physicalNetworkId: string; name: string; description: string;
  kind: 'shared' | 'isolated'; cidr: string; gateway: string; rangeStart: string; rangeEnd: string;
  vni: number | null; vlan: number | null; mtu: number; dnsDomain: string; egressDefaultPolicy: 'allow' | 'deny';
  /** Bumped by every write that changes what hosts must do for this network. */
  configVersion: number; createdAt: string; updatedAt: string;
}
export interface PublicIpRow {
  id: string; accountId: string; zoneId: string; rangeId: string; address: string; networkId: string | null;
  sourceNat: number; staticNatNicId: string | null; createdAt: string;
}
export interface RouterRow {
  id: string; accountId: string; networkId: string; hostId: string | null; publicIpId: string | null;
  state: 'pending' | 'starting' | 'running' | 'stopped' | 'error';
  /** Why the router is in `error` (its host's apply report, or a refused apply); null otherwise (migration 008). */
  stateReason: string | null;
  version: number; createdAt: string; updatedAt: string;
}
export interface NicRow {
  id: string; accountId: string; instanceId: string; networkId: string; deviceIndex: number; mac: string; ip: string; createdAt: string;
  /** Slot on the guest's PCI bus, fixed when the NIC is added (migration 005; docs/architecture.md#device-layout). */
  pciSlot: number;
}
export interface NicSecurityGroupRow { nicId: string; securityGroupId: string }
export interface SecurityGroupRow { id: string; accountId: string; name: string; description: string; createdAt: string }
export interface SecurityGroupRuleRow {
  id: string; accountId: string; securityGroupId: string; direction: 'ingress' | 'egress'; protocol: NetworkProtocol;
  portStart: number | null; portEnd: number | null; icmpType: number | null; icmpCode: number | null;
  cidr: string | null; remoteGroupId: string | null; createdAt: string;
}
export interface PortForwardRow {
  id: string; accountId: string; networkId: string; publicIpId: string; protocol: 'tcp' | 'udp';
  publicPortStart: number; publicPortEnd: number; nicId: string; privatePortStart: number; privatePortEnd: number; createdAt: string;
}
export interface FirewallRuleRow {
  id: string; accountId: string; networkId: string; publicIpId: string; protocol: NetworkProtocol;
  portStart: number | null; portEnd: number | null; icmpType: number | null; icmpCode: number | null;
  /** JSON array of CIDRs. */
  sourceCidrs: string; createdAt: string;
}
export interface EgressRuleRow {
  id: string; accountId: string; networkId: string; protocol: NetworkProtocol;
  portStart: number | null; portEnd: number | null; icmpType: number | null; icmpCode: number | null;
  /** JSON array of CIDRs. */
  destinationCidrs: string; createdAt: string;
}
export interface LoadBalancerRow {
  id: string; accountId: string; networkId: string; publicIpId: string; name: string; publicPort: number; privatePort: number;
  algorithm: 'roundrobin' | 'leastconn'; healthIntervalMs: number | null; healthRise: number | null; healthFall: number | null;
  healthHttpPath: string | null; createdAt: string;
}
export interface LoadBalancerMemberRow { loadBalancerId: string; nicId: string; createdAt: string }

export { defaultMigrationPolicy, finishedMigrationStates, migrationStates, type MigrationPolicyRow, type MigrationRow, type MigrationState } from './schema-migrations.ts';
import type { MigrationPolicyRow, MigrationRow } from './schema-migrations.ts';
export type { Ec2CredentialRow, Ec2TagRow } from './schema-ec2.ts';
export type { UsageRollupCursorRow, UsageRollupGranularity, UsageRollupRow } from './schema-usage-rollups.ts';
import type { UsageRollupCursorRow, UsageRollupRow } from './schema-usage-rollups.ts';
import type { Ec2CredentialRow, Ec2TagRow } from './schema-ec2.ts';
export type { ServerRow, WorkShardRow, HostSessionRow } from './schema-cluster.ts';
import type { ServerRow, WorkShardRow, HostSessionRow } from './schema-cluster.ts';
/** Who a quota or a usage record belongs to (migration 017): an account today; domains and projects later. */
/** Who a quota or usage record is of: an account (projects are accounts too) or (quotas) a domain subtree (migration 023). */
export type OwnerKind = 'account' | 'domain';
/** Per-owner limits (migration 017); null: the server's default for that resource. */
export interface QuotaRow {
  ownerKind: OwnerKind; ownerId: string;
  instances: number | null; vcpus: number | null; memoryMiB: number | null; volumes: number | null; volumeGiB: number | null;
  snapshots: number | null; publicIps: number | null; networks: number | null; updatedAt: string;
}
/** What is metered (migration 017). */
export type UsageMeter = 'instance.running' | 'instance.allocated' | 'volume.gib' | 'snapshot.gib' | 'publicIp' | 'network';
/** From `at` on, `meter` of the resource stands at `quantity` (0: stopped) (migration 017). */
export interface UsageEventRow {
  id: string; ownerKind: OwnerKind; ownerId: string; resourceType: string; resourceId: string;
  meter: UsageMeter; offeringId: string | null; quantity: number; at: string;
}
/** One mutating API call (migration 017). `body` is the request body with secrets redacted (JSON). */
export interface AuditRow {
  id: string; accountId: string; userId: string | null; username: string; sourceAddress: string;
  method: string; route: string; action: string; resourceId: string | null; status: number; errorCode: string | null;
  requestId: string; body: string; createdAt: string;
}

export interface Database {
  accounts: AccountRow;
  domains: DomainRow;
  roles: RoleRow;
  projectMembers: ProjectMemberRow;
  users: UserRow;
  apiKeys: ApiKeyRow;
  identityProviders: IdentityProviderRow;
  zones: ZoneRow;
  pods: PodRow;
  clusters: ClusterRow;
  hosts: HostRow;
  hostPorts: HostPortRow;
  joinTokens: JoinTokenRow;
  pools: PoolRow;
  images: ImageRow;
  imageVersions: ImageVersionRow;
  offerings: OfferingRow;
  diskOfferings: DiskOfferingRow;
  keypairs: KeypairRow;
  affinityGroups: AffinityGroupRow;
  affinityMembers: AffinityMemberRow;
  instances: InstanceRow;
  volumes: VolumeRow;
  snapshots: SnapshotRow;
  operations: OperationRow;
  events: EventRow;
  physicalNetworks: PhysicalNetworkRow;
  physicalNetworkHosts: PhysicalNetworkHostRow;
  publicIpRanges: PublicIpRangeRow;
  networks: NetworkRow;
  publicIps: PublicIpRow;
  routers: RouterRow;
  nics: NicRow;
  nicSecurityGroups: NicSecurityGroupRow;
  securityGroups: SecurityGroupRow;
  securityGroupRules: SecurityGroupRuleRow;
  portForwards: PortForwardRow;
  firewallRules: FirewallRuleRow;
  egressRules: EgressRuleRow;
  loadBalancers: LoadBalancerRow;
  loadBalancerMembers: LoadBalancerMemberRow;
  metricSamples: MetricSampleRow;
  alertStates: AlertStateRow;
  migrationPolicies: MigrationPolicyRow;
  migrations: MigrationRow;
  hostEvacuationItems: HostEvacuationItemRow;
  quotas: QuotaRow;
  usageEvents: UsageEventRow;
  usageRollups: UsageRollupRow;
  usageRollupCursor: UsageRollupCursorRow;
  auditLog: AuditRow;
  ec2Credentials: Ec2CredentialRow;
  ec2Tags: Ec2TagRow;
  servers: ServerRow;
  workShards: WorkShardRow;
  hostSessions: HostSessionRow;
}

/**
 * One point of a host's or an instance's series (migration 011): step 10 = raw samples, 300 =
 * 5-minute rollups; `at` in seconds since the epoch. Columns of the other kind are null.
 * Per-device rows (migration 019): resourceId `<instance>/volume/<id>`, `<instance>/nic/<dev>` or
 * `<host>/nic/<dev>`; their cpuPct, cpuPctMax and memoryBytes are 0.
 */
export type MetricResourceKind = 'instance' | 'host' | 'volume' | 'nic' | 'host-nic';
export interface MetricSampleRow {
  resourceId: string; step: number; at: number; resourceKind: MetricResourceKind; hostId: string;
  cpuPct: number; cpuPctMax: number; memoryBytes: number;
  cpuIowaitPct: number | null; cpuStealPct: number | null; load1: number | null; memoryTotalBytes: number | null; poolUsedPct: number | null;
  diskReadBps: number | null; diskWriteBps: number | null; diskReadIops: number | null; diskWriteIops: number | null;
  netRxBps: number | null; netTxBps: number | null; netRxPps: number | null; netTxPps: number | null; netDropsPs: number | null;
  guestMemoryUsedBytes: number | null; diskReadLatencyMs: number | null; diskWriteLatencyMs: number | null;
}

/** An alert condition that is firing now (migration 019): `key` names the condition, e.g. `pool:<id>`. */
export interface AlertStateRow { key: string; rule: string; firedAt: string }

/** Where one instance is in its host's evacuation (migration 018; controller/host-evacuation.ts). */
export type EvacuationItemState = 'pending' | 'migrating' | 'moved' | 'stopped' | 'blocked' | 'failed';
export interface HostEvacuationItemRow {
  hostId: string; instanceId: string; state: EvacuationItemState;
  /** Why the instance is blocked or failed; null otherwise. */
  reason: string | null;
  /** The migration (or stop) operation the evacuation asked for. */
  operationId: string | null;
  createdAt: string; updatedAt: string;
}

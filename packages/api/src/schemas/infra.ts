import { Type, type Static } from '@sinclair/typebox';
import { hostAdminStates, hostStates } from '@kumo/core/lifecycle';
import { AnyId, Description, Name, Nullable, Tags, Timestamp, ListQueryBase } from './common.ts';

export const Hypervisor = Type.Union([Type.Literal('qemu'), Type.Literal('lxc'), Type.Literal('fake')]);
export const PlacementStrategy = Type.Union([Type.Literal('spread'), Type.Literal('pack')]);
/** Liveness, from heartbeats. */
export const HostState = Type.Union(hostStates.map((s) => Type.Literal(s)));
/** What the operator asked for: enabled → preparing-maintenance → in-maintenance → enabled (docs/operators.md). */
export const HostAdminState = Type.Union(hostAdminStates.map((s) => Type.Literal(s)));

/** A zone's high-availability settings (docs/operators.md#ha-and-fencing). */
export const ZoneHaSettings = Type.Object({
  leaseMs: Type.Integer({ minimum: 2000, maximum: 600_000, description: 'how long a heartbeat keeps a host\'s lease (default 20000)' }),
  fenceMarginMs: Type.Integer({ minimum: 500, maximum: 300_000, description: 'a host that cannot renew stops its HA guests this long before its lease ends (default 5000)' }),
  restartConcurrency: Type.Integer({ minimum: 1, maximum: 256, description: 'HA restarts at once in the zone (default 4)' }),
});
export const ZoneHaSettingsUpdate = Type.Partial(ZoneHaSettings, { additionalProperties: false, minProperties: 1 });

export const Zone = Type.Object({
  id: Type.String(), name: Type.String(), description: Type.String(),
  placementStrategy: PlacementStrategy, ha: ZoneHaSettings, createdAt: Timestamp,
});
export const ZoneCreate = Type.Object({
  name: Name, description: Type.Optional(Description), placementStrategy: Type.Optional(PlacementStrategy), ha: Type.Optional(ZoneHaSettingsUpdate),
}, { additionalProperties: false });
export const ZoneUpdate = Type.Object({
  description: Type.Optional(Description), placementStrategy: Type.Optional(PlacementStrategy), ha: Type.Optional(ZoneHaSettingsUpdate),
}, { additionalProperties: false, minProperties: 1 });

export const Pod = Type.Object({ id: Type.String(), zoneId: Type.String(), name: Type.String(), createdAt: Timestamp });
export const PodCreate = Type.Object({ zoneId: AnyId, name: Name }, { additionalProperties: false });

export const Cluster = Type.Object({
  id: Type.String(), zoneId: Type.String(), podId: Type.String(), name: Type.String(), hypervisor: Hypervisor,
  cpuOvercommit: Type.Number(), memoryOvercommit: Type.Number(), createdAt: Timestamp,
});
export const ClusterCreate = Type.Object({
  podId: AnyId, name: Name, hypervisor: Hypervisor,
  cpuOvercommit: Type.Optional(Type.Number({ minimum: 1, maximum: 16 })),
  memoryOvercommit: Type.Optional(Type.Number({ minimum: 1, maximum: 4 })),
}, { additionalProperties: false });
export const ClusterUpdate = Type.Object({
  cpuOvercommit: Type.Optional(Type.Number({ minimum: 1, maximum: 16 })),
  memoryOvercommit: Type.Optional(Type.Number({ minimum: 1, maximum: 4 })),
}, { additionalProperties: false, minProperties: 1 });

export const Host = Type.Object({
  id: Type.String(), name: Type.String(), zoneId: Type.String(), podId: Type.String(), clusterId: Type.String(),
  hypervisor: Hypervisor, state: HostState, adminState: HostAdminState, address: Type.String(),
  accelerator: Type.String(), cpuModel: Type.String(), hypervisorVersion: Type.String(),
  cpus: Type.Integer(), memoryMiB: Type.Integer(), cpuAllocated: Type.Number(), memoryAllocatedMiB: Type.Integer(),
  tags: Tags, dedicatedAccountId: Nullable(Type.String()), instanceCount: Type.Integer(),
  lastHeartbeatAt: Nullable(Timestamp), createdAt: Timestamp,
  capabilities: Type.Array(Type.String(), { description: 'what the host can do beyond the core lifecycle (save-restore, pause, serial-console, …), as its agent announced' }),
});
export const HostUpdate = Type.Object({
  tags: Type.Optional(Tags), dedicatedAccountId: Type.Optional(Nullable(AnyId)),
}, { additionalProperties: false, minProperties: 1 });
export const HostAction = Type.Object({
  action: Type.Union([Type.Literal('enable'), Type.Literal('disable'), Type.Literal('maintenance')]),
}, { additionalProperties: false });
export const HostListQuery = Type.Object({
  ...ListQueryBase, zoneId: Type.Optional(AnyId), clusterId: Type.Optional(AnyId), state: Type.Optional(HostState), adminState: Type.Optional(HostAdminState),
  name: Type.Optional(Type.String({ maxLength: 63 })),
}, { additionalProperties: false });

export const JoinTokenCreate = Type.Object({
  clusterId: AnyId, ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 86400 })),
}, { additionalProperties: false });
export const JoinToken = Type.Object({
  id: Type.String(), clusterId: Type.String(), token: Type.String({ description: 'shown once' }), expiresAt: Timestamp,
});

export const PoolKind = Type.Union([Type.Literal('local'), Type.Literal('shared'), Type.Literal('rbd')]);
const CephName = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' });
export const Pool = Type.Object({
  id: Type.String(), name: Type.String(), zoneId: Type.String(), clusterId: Type.String(), hostId: Nullable(Type.String()),
  kind: PoolKind, path: Type.String(), capacityGiB: Type.Number(), allocatedGiB: Type.Number(), usedGiB: Type.Number(),
  overcommit: Type.Number(), createdAt: Timestamp,
  rbd: Nullable(Type.Object({ pool: Type.String(), user: Type.String(), cephConf: Type.String() }, { description: 'rbd pools: the Ceph pool, client id and ceph.conf path on every host of the cluster' })),
});
export const PoolCreate = Type.Object({
  name: Name, clusterId: AnyId, hostId: Type.Optional(AnyId), kind: PoolKind,
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^/', description: 'directory pools (local, shared): required' })),
  rbdPool: Type.Optional(CephName), cephUser: Type.Optional(CephName),
  cephConf: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^/', description: 'rbd pools: the ceph.conf path on every host (default /etc/ceph/ceph.conf)' })),
  capacityGiB: Type.Number({ minimum: 1, maximum: 1e7 }),
  overcommit: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
}, { additionalProperties: false });

export type Zone = Static<typeof Zone>;
export type ZoneHaSettings = Static<typeof ZoneHaSettings>;
export type ZoneHaSettingsUpdate = Static<typeof ZoneHaSettingsUpdate>;
export type Pod = Static<typeof Pod>;
export type Cluster = Static<typeof Cluster>;
export type Host = Static<typeof Host>;
export type Pool = Static<typeof Pool>;
export type JoinToken = Static<typeof JoinToken>;
export type ZoneCreate = Static<typeof ZoneCreate>;
export type PodCreate = Static<typeof PodCreate>;
export type ClusterCreate = Static<typeof ClusterCreate>;
export type PoolCreate = Static<typeof PoolCreate>;

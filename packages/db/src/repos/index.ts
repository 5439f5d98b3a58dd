import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';
import { InstancesRepo } from './instances-repo.ts';
import { HostsRepo } from './hosts-repo.ts';
import { OperationsRepo } from './operations-repo.ts';
import { EventsRepo } from './events-repo.ts';
import { NetworksRepo } from './networks-repo.ts';
import { NicsRepo } from './nics-repo.ts';
import { PublicIpsRepo } from './public-ips-repo.ts';
import { SecurityGroupsRepo } from './security-groups-repo.ts';
import { ImageVersionsRepo } from './image-versions-repo.ts';
import { RoutersRepo } from './routers-repo.ts';
import { CredentialsRepo } from './credentials-repo.ts';
import { VolumesRepo } from './volumes-repo.ts';
import { SnapshotsRepo } from './snapshots-repo.ts';
import { HealthRepo } from './health-repo.ts';
import { LoadBalancersRepo } from './load-balancers-repo.ts';
import { MetricsRepo } from './metrics-repo.ts';
import { AlertStatesRepo } from './alert-states-repo.ts';
import { MigrationsRepo } from './migrations-repo.ts';
import { EvacuationsRepo } from './evacuations-repo.ts';
import { UsageEventsRepo } from './usage-events-repo.ts';
import { UsageRollupsRepo, type UsageRollupFilter } from './usage-rollups-repo.ts';
import { DedicationsRepo } from './dedications-repo.ts';
import { QuotasRepo } from './quotas-repo.ts';
import { AuditRepo } from './audit-repo.ts';
import { Ec2CredentialsRepo } from './ec2-credentials-repo.ts';
import { Ec2TagsRepo } from './ec2-tags-repo.ts';
import { Ec2InstanceViewsRepo } from './ec2-instance-views-repo.ts';
import { TenancyRepo } from './tenancy-repo.ts';
import { ServersRepo } from './servers-repo.ts';
import { WorkShardsRepo } from './work-shards-repo.ts';

export { EvacuationsRepo, type EvacuationItemView } from './evacuations-repo.ts';
export { AlertStatesRepo } from './alert-states-repo.ts';
export { MetricsRepo, deviceSeriesId, metricValueColumns, type MetricValueColumn, type MetricBucketRow } from './metrics-repo.ts';
export { CrudRepo, InstancesRepo, HostsRepo, OperationsRepo, EventsRepo, VolumesRepo, SnapshotsRepo, HealthRepo, LoadBalancersRepo };
export { NetworksRepo, NicsRepo, PublicIpsRepo, SecurityGroupsRepo, ImageVersionsRepo, RoutersRepo, CredentialsRepo };
export { dedicationKinds, type DedicationKind, type DedicationRow, type DedicationTarget } from './dedications-repo.ts';
export { UsageEventsRepo, UsageRollupsRepo, type UsageRollupFilter, DedicationsRepo, QuotasRepo, AuditRepo, Ec2CredentialsRepo, Ec2TagsRepo, Ec2InstanceViewsRepo };
export { TenancyRepo, ownedTables, type OwnedTable, type OwnerRow } from './tenancy-repo.ts';
export { ServersRepo, WorkShardsRepo };
export type { Ec2InstanceViewRow } from './ec2-instance-views-repo.ts';
export { instanceLevels, volumeLevels, snapshotLevels, inTransaction, type UsageLevel } from './usage-events-repo.ts';
export { quotaResources, type QuotaResource, type QuotaUse } from './quotas-repo.ts';
export type { AuditFilter } from './audit-repo.ts';
export { withSavepoint, isUniqueViolation, isForeignKeyViolation } from './savepoint.ts';
export { MigrationsRepo, type MigrationPatch } from './migrations-repo.ts';
export type { Reservation } from './hosts-repo.ts';
export type { InstanceAddressRow } from './nics-repo.ts';
export type { LoginUser, KeyCredential, AccountTenancy } from './credentials-repo.ts';
export type { InstanceStatusPatch, InstanceListRow, InstanceCatalogRef } from './instances-repo.ts';
export type { VolumeStatusPatch } from './volumes-repo.ts';
export type { SnapshotStatusPatch } from './snapshots-repo.ts';
export type { LoadBalancerMemberView } from './load-balancers-repo.ts';

/** Every repository over one database. */
export function createRepos(db: Kysely<Database>) {
  return {
    db,
    health: new HealthRepo(db),
    accounts: new CrudRepo(db, { table: 'accounts', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'role', 'domainId', 'state', 'kind'] }),
    domains: new CrudRepo(db, { table: 'domains', tenantScoped: false, sortable: ['path', 'name', 'createdAt'], filterable: ['name', 'parentId', 'state'] }),
    roles: new CrudRepo(db, { table: 'roles', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'base'] }),
    tenancy: new TenancyRepo(db),
    users: new CrudRepo(db, { table: 'users', tenantScoped: true, sortable: ['username', 'createdAt'], filterable: ['username', 'accountId', 'state'] }),
    credentials: new CredentialsRepo(db),
    apiKeys: new CrudRepo(db, { table: 'apiKeys', tenantScoped: true, sortable: ['name', 'createdAt'], filterable: ['name', 'kind', 'userId'] }),
    identityProviders: new CrudRepo(db, { table: 'identityProviders', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'domainId', 'enabled'] }),
    zones: new CrudRepo(db, { table: 'zones', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name'] }),
    pods: new CrudRepo(db, { table: 'pods', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'zoneId'] }),
    clusters: new CrudRepo(db, { table: 'clusters', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'zoneId', 'podId', 'hypervisor'] }),
    hosts: new HostsRepo(db),
    joinTokens: new CrudRepo(db, { table: 'joinTokens', tenantScoped: false, sortable: ['createdAt'], filterable: ['clusterId'] }),
    pools: new CrudRepo(db, { table: 'pools', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'zoneId', 'clusterId', 'hostId', 'kind'] }),
    images: new CrudRepo(db, { table: 'images', tenantScoped: true, publicColumn: 'public', sortable: ['name', 'createdAt'], filterable: ['name', 'kind'] }),
    imageVersions: new ImageVersionsRepo(db),
    offerings: new CrudRepo(db, { table: 'offerings', tenantScoped: false, sortable: ['name', 'createdAt', 'vcpus', 'memoryMiB'], filterable: ['name'] }),
    diskOfferings: new CrudRepo(db, { table: 'diskOfferings', tenantScoped: false, sortable: ['name', 'createdAt', 'sizeGiB'], filterable: ['name'] }),
    keypairs: new CrudRepo(db, { table: 'keypairs', tenantScoped: true, sortable: ['name', 'createdAt'], filterable: ['name'] }),
    affinityGroups: new CrudRepo(db, { table: 'affinityGroups', tenantScoped: true, sortable: ['name', 'createdAt'], filterable: ['name', 'policy'] }),
    volumes: new VolumesRepo(db),
    snapshots: new SnapshotsRepo(db),
    instances: new InstancesRepo(db),
    operations: new OperationsRepo(db),
    events: new EventsRepo(db),
    physicalNetworks: new CrudRepo(db, { table: 'physicalNetworks', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'zoneId'] }),
    publicIpRanges: new CrudRepo(db, { table: 'publicIpRanges', tenantScoped: false, sortable: ['createdAt', 'startIp'], filterable: ['zoneId', 'physicalNetworkId'] }),
    networks: new NetworksRepo(db),
    publicIps: new PublicIpsRepo(db),
    routers: new RoutersRepo(db),
    nics: new NicsRepo(db),
    securityGroups: new SecurityGroupsRepo(db),
    securityGroupRules: new CrudRepo(db, { table: 'securityGroupRules', tenantScoped: true, sortable: ['createdAt'], filterable: ['securityGroupId', 'direction'] }),
    portForwards: new CrudRepo(db, { table: 'portForwards', tenantScoped: true, sortable: ['createdAt', 'publicPortStart'], filterable: ['networkId', 'publicIpId', 'nicId', 'protocol'] }),
    firewallRules: new CrudRepo(db, { table: 'firewallRules', tenantScoped: true, sortable: ['createdAt'], filterable: ['networkId', 'publicIpId', 'protocol'] }),
    egressRules: new CrudRepo(db, { table: 'egressRules', tenantScoped: true, sortable: ['createdAt'], filterable: ['networkId', 'protocol'] }),
    loadBalancers: new LoadBalancersRepo(db),
    metrics: new MetricsRepo(db),
    alertStates: new AlertStatesRepo(db),
    migrations: new MigrationsRepo(db),
    evacuations: new EvacuationsRepo(db),
    usageEvents: new UsageEventsRepo(db),
    usageRollups: new UsageRollupsRepo(db),
    dedications: new DedicationsRepo(db),
    quotas: new QuotasRepo(db),
    audit: new AuditRepo(db),
    ec2Credentials: new Ec2CredentialsRepo(db),
    ec2Tags: new Ec2TagsRepo(db),
    ec2InstanceViews: new Ec2InstanceViewsRepo(db),
    servers: new ServersRepo(db),
    workShards: new WorkShardsRepo(db),
  };
}

export type Repos = ReturnType<typeof createRepos>;

import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';
import { InstancesRepo } from './instances-repo.ts';
import { HostsRepo } from './hosts-repo.ts';
import { OperationsRepo } from './operations-repo.ts';
import { EventsRepo } from './events-repo.ts';

export { CrudRepo, InstancesRepo, HostsRepo, OperationsRepo, EventsRepo };
export type { Reservation } from './hosts-repo.ts';
export type { InstanceStatusPatch } from './instances-repo.ts';

/** Every repository over one database. */
export function createRepos(db: Kysely<Database>) {
  return {
    db,
    accounts: new CrudRepo(db, { table: 'accounts', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'role'] }),
    users: new CrudRepo(db, { table: 'users', tenantScoped: true, sortable: ['username'], filterable: ['username'] }),
    apiKeys: new CrudRepo(db, { table: 'apiKeys', tenantScoped: true, sortable: ['name', 'createdAt'], filterable: ['name', 'kind'] }),
    zones: new CrudRepo(db, { table: 'zones', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name'] }),
    pods: new CrudRepo(db, { table: 'pods', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'zoneId'] }),
    clusters: new CrudRepo(db, { table: 'clusters', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'zoneId', 'podId', 'hypervisor'] }),
    hosts: new HostsRepo(db),
    joinTokens: new CrudRepo(db, { table: 'joinTokens', tenantScoped: false, sortable: ['createdAt'], filterable: ['clusterId'] }),
    pools: new CrudRepo(db, { table: 'pools', tenantScoped: false, sortable: ['name', 'createdAt'], filterable: ['name', 'zoneId', 'clusterId', 'hostId', 'kind'] }),
    images: new CrudRepo(db, { table: 'images', tenantScoped: true, publicColumn: 'public', sortable: ['name', 'createdAt'], filterable: ['name', 'kind'] }),
    imageVersions: new CrudRepo(db, { table: 'imageVersions', tenantScoped: false, sortable: ['version', 'createdAt'], filterable: ['imageId', 'state'] }),
    offerings: new CrudRepo(db, { table: 'offerings', tenantScoped: false, sortable: ['name', 'createdAt', 'vcpus', 'memoryMiB'], filterable: ['name'] }),
    diskOfferings: new CrudRepo(db, { table: 'diskOfferings', tenantScoped: false, sortable: ['name', 'createdAt', 'sizeGiB'], filterable: ['name'] }),
    keypairs: new CrudRepo(db, { table: 'keypairs', tenantScoped: true, sortable: ['name', 'createdAt'], filterable: ['name'] }),
    affinityGroups: new CrudRepo(db, { table: 'affinityGroups', tenantScoped: true, sortable: ['name', 'createdAt'], filterable: ['name', 'policy'] }),
    volumes: new CrudRepo(db, { table: 'volumes', tenantScoped: true, sortable: ['createdAt', 'sizeGiB'], filterable: ['instanceId', 'poolId', 'kind'] }),
    instances: new InstancesRepo(db),
    operations: new OperationsRepo(db),
    events: new EventsRepo(db),
  };
}

export type Repos = ReturnType<typeof createRepos>;

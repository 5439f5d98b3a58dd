import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  const text = 'text' as const;
  await db.schema.createTable('accounts')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull().unique())
    .addColumn('role', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();

  await db.schema.createTable('users')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('username', text, (c) => c.notNull().unique())
    .addColumn('passwordHash', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();

  await db.schema.createTable('apiKeys')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('userId', text)
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('secretHash', text, (c) => c.notNull())
    .addColumn('expiresAt', text)
    .addColumn('lastUsedAt', text)
    .addColumn('createdAt', text, (c) => c.notNull()).execute();
  await db.schema.createIndex('apiKeysAccount').on('apiKeys').columns(['accountId', 'id']).execute();

  await db.schema.createTable('zones')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull().unique())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('placementStrategy', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();

  await db.schema.createTable('pods')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('zoneId', text, (c) => c.notNull().references('zones.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('podsZoneName', ['zoneId', 'name']).execute();

  await db.schema.createTable('clusters')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('zoneId', text, (c) => c.notNull().references('zones.id'))
    .addColumn('podId', text, (c) => c.notNull().references('pods.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('hypervisor', text, (c) => c.notNull())
    .addColumn('cpuOvercommit', 'real', (c) => c.notNull())
    .addColumn('memoryOvercommit', 'real', (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('clustersPodName', ['podId', 'name']).execute();

  await db.schema.createTable('hosts')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('zoneId', text, (c) => c.notNull().references('zones.id'))
    .addColumn('podId', text, (c) => c.notNull().references('pods.id'))
    .addColumn('clusterId', text, (c) => c.notNull().references('clusters.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('hypervisor', text, (c) => c.notNull())
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('adminState', text, (c) => c.notNull())
    .addColumn('address', text, (c) => c.notNull())
    .addColumn('accelerator', text, (c) => c.notNull())
    .addColumn('cpuModel', text, (c) => c.notNull())
    .addColumn('hypervisorVersion', text, (c) => c.notNull())
    .addColumn('agentVersion', text, (c) => c.notNull())
    .addColumn('cpus', 'integer', (c) => c.notNull())
    .addColumn('memoryMiB', 'integer', (c) => c.notNull())
    .addColumn('cpuAllocated', 'real', (c) => c.notNull())
    .addColumn('memoryAllocatedMiB', 'integer', (c) => c.notNull())
    .addColumn('tags', text, (c) => c.notNull())
    .addColumn('dedicatedAccountId', text)
    .addColumn('tokenHash', text, (c) => c.notNull())
    .addColumn('lastHeartbeatAt', text)
    .addColumn('connectedAt', text)
    .addColumn('createdAt', text, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addUniqueConstraint('hostsClusterName', ['clusterId', 'name']).execute();
  await db.schema.createIndex('hostsZoneState').on('hosts').columns(['zoneId', 'state']).execute();

  await db.schema.createTable('joinTokens')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('clusterId', text, (c) => c.notNull().references('clusters.id'))
    .addColumn('secretHash', text, (c) => c.notNull())
    .addColumn('expiresAt', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();

  await db.schema.createTable('pools')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('zoneId', text, (c) => c.notNull().references('zones.id'))
    .addColumn('clusterId', text, (c) => c.notNull().references('clusters.id'))
    .addColumn('hostId', text, (c) => c.references('hosts.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('path', text, (c) => c.notNull())
    .addColumn('capacityGiB', 'real', (c) => c.notNull())
    .addColumn('allocatedGiB', 'real', (c) => c.notNull())
    .addColumn('usedGiB', 'real', (c) => c.notNull())
    .addColumn('overcommit', 'real', (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('poolsClusterName', ['clusterId', 'name']).execute();
  await db.schema.createIndex('poolsHost').on('pools').columns(['hostId']).execute();

  await db.schema.createTable('images')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('public', 'integer', (c) => c.notNull())
    .addColumn('osType', text, (c) => c.notNull())
    .addColumn('minDiskGiB', 'integer', (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('imagesAccountName', ['accountId', 'name']).execute();

  await db.schema.createTable('imageVersions')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('imageId', text, (c) => c.notNull().references('images.id'))
    .addColumn('version', text, (c) => c.notNull())
    .addColumn('format', text, (c) => c.notNull())
    .addColumn('sizeBytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', text, (c) => c.notNull())
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('cmdline', text, (c) => c.notNull())
    .addColumn('storagePath', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('imageVersionsImageVersion', ['imageId', 'version']).execute();

  await db.schema.createTable('offerings')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull().unique())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memoryMiB', 'integer', (c) => c.notNull())
    .addColumn('rootDiskGiB', 'integer', (c) => c.notNull())
    .addColumn('qosClass', text, (c) => c.notNull())
    .addColumn('ha', 'integer', (c) => c.notNull())
    .addColumn('diskProvisioning', text, (c) => c.notNull())
    .addColumn('stopTimeoutSec', 'integer', (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();

  await db.schema.createTable('diskOfferings')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull().unique())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('sizeGiB', 'integer', (c) => c.notNull())
    .addColumn('qosClass', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();

  await db.schema.createTable('keypairs')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('publicKey', text, (c) => c.notNull())
    .addColumn('fingerprint', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('keypairsAccountName', ['accountId', 'name']).execute();

  await db.schema.createTable('affinityGroups')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('policy', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addUniqueConstraint('affinityGroupsAccountName', ['accountId', 'name']).execute();

  await db.schema.createTable('instances')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('zoneId', text, (c) => c.notNull().references('zones.id'))
    .addColumn('podId', text)
    .addColumn('clusterId', text)
    .addColumn('hostId', text, (c) => c.references('hosts.id'))
    .addColumn('poolId', text, (c) => c.references('pools.id'))
    .addColumn('imageId', text, (c) => c.notNull().references('images.id'))
    .addColumn('imageVersionId', text, (c) => c.notNull().references('imageVersions.id'))
    .addColumn('offeringId', text, (c) => c.notNull().references('offerings.id'))
    .addColumn('keypairId', text, (c) => c.references('keypairs.id'))
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memoryMiB', 'integer', (c) => c.notNull())
    .addColumn('rootDiskGiB', 'integer', (c) => c.notNull())
    .addColumn('hostTags', text, (c) => c.notNull())
    .addColumn('userData', text, (c) => c.notNull())
    .addColumn('desired', text, (c) => c.notNull())
    .addColumn('phase', text, (c) => c.notNull())
    .addColumn('task', text)
    .addColumn('observedPower', text)
    .addColumn('observedAt', text)
    .addColumn('errorReason', text)
    .addColumn('excludedHostIds', text, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull())
    .addColumn('updatedAt', text, (c) => c.notNull())
    .addColumn('deletedAt', text).execute();
  await db.schema.createIndex('instancesAccount').on('instances').columns(['accountId', 'id']).execute();
  await db.schema.createIndex('instancesHost').on('instances').columns(['hostId']).execute();
  await db.schema.createIndex('instancesUnsettled').on('instances').columns(['phase', 'desired']).execute();

  await db.schema.createTable('affinityMembers')
    .addColumn('groupId', text, (c) => c.notNull().references('affinityGroups.id'))
    .addColumn('instanceId', text, (c) => c.notNull().references('instances.id'))
    .addPrimaryKeyConstraint('affinityMembersPk', ['groupId', 'instanceId']).execute();

  await db.schema.createTable('volumes')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('instanceId', text, (c) => c.references('instances.id'))
    .addColumn('poolId', text, (c) => c.notNull().references('pools.id'))
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('sizeGiB', 'integer', (c) => c.notNull())
    .addColumn('format', text, (c) => c.notNull())
    .addColumn('provisioning', text, (c) => c.notNull())
    .addColumn('path', text, (c) => c.notNull())
    .addColumn('state', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();
  await db.schema.createIndex('volumesInstance').on('volumes').columns(['instanceId']).execute();

  await db.schema.createTable('operations')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull().references('accounts.id'))
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('resourceType', text, (c) => c.notNull())
    .addColumn('resourceId', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('message', text, (c) => c.notNull())
    .addColumn('params', text, (c) => c.notNull())
    .addColumn('errorCode', text)
    .addColumn('errorMessage', text)
    .addColumn('idempotencyKey', text)
    .addColumn('requestHash', text)
    .addColumn('createdAt', text, (c) => c.notNull())
    .addColumn('startedAt', text)
    .addColumn('finishedAt', text)
    .addColumn('updatedAt', text, (c) => c.notNull())
    .addUniqueConstraint('operationsIdempotency', ['accountId', 'idempotencyKey']).execute();
  await db.schema.createIndex('operationsResource').on('operations').columns(['resourceId', 'status']).execute();
  await db.schema.createIndex('operationsStatus').on('operations').columns(['status']).execute();

  await db.schema.createTable('events')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('accountId', text, (c) => c.notNull())
    .addColumn('resourceType', text, (c) => c.notNull())
    .addColumn('resourceId', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('severity', text, (c) => c.notNull())
    .addColumn('message', text, (c) => c.notNull())
    .addColumn('createdAt', text, (c) => c.notNull()).execute();
  await db.schema.createIndex('eventsResource').on('events').columns(['resourceId', 'id']).execute();
}

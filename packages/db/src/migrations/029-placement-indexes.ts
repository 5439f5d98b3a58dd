import type { Kysely } from 'kysely';

/*
 * Placement reads per instance (control-plane-ha, performance): whether the account has hosts of its
 * own (`hosts.dedicated_account_id = ?`) scanned every host, ~6 ms at 10,000 hosts on SQLite; the
 * shared pools of a cluster (`host_id is null and cluster_id = ?`) were found through the cluster's
 * pool names, i.e. every local pool of the cluster too.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('hostsDedicatedAccount').on('hosts').columns(['dedicatedAccountId']).execute();
  await db.schema.createIndex('poolsHostCluster').on('pools').columns(['hostId', 'clusterId']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('poolsHostCluster').execute();
  await db.schema.dropIndex('hostsDedicatedAccount').execute();
}

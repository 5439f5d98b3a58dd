import type { Kysely } from 'kysely';

/*
 * Several management servers on one PostgreSQL (issue control-plane-ha):
 *  - servers: every running `kumo server` (its id, the address other servers call it on, when it
 *    started, its last heartbeat, and the token another server shows when it relays a host call to it). A server whose heartbeat is older than the lease is gone.
 *  - workShards: who reconciles what. A resource belongs to shard hash(id) mod N; the owner holds the
 *    shard's lease until `expiresAt` and renews it; `epoch` goes up at every change of owner (the
 *    fencing token a server checks its writes against).
 *  - hostSessions: which server holds a host's agent WebSocket, and the last heartbeat it saw there.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('servers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('callToken', 'text', (c) => c.notNull())
    .addColumn('startedAt', 'text', (c) => c.notNull())
    .addColumn('heartbeatAt', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('workShards')
    .addColumn('shard', 'integer', (c) => c.primaryKey())
    .addColumn('ownerServerId', 'text')
    .addColumn('epoch', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expiresAt', 'text')
    .execute();
  await db.schema.createTable('hostSessions')
    .addColumn('hostId', 'text', (c) => c.primaryKey().references('hosts.id').onDelete('cascade'))
    .addColumn('serverId', 'text', (c) => c.notNull())
    .addColumn('connectedAt', 'text', (c) => c.notNull())
    .addColumn('heartbeatAt', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('hostSessionsServer').on('hostSessions').columns(['serverId']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hostSessions').execute();
  await db.schema.dropTable('workShards').execute();
  await db.schema.dropTable('servers').execute();
}

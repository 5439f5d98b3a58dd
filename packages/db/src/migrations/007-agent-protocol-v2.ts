import type { Kysely } from 'kysely';

/*
 * Agent protocol v2.
 * - hosts.generation: the fencing generation, bumped at every registration (hello); calls carry it
 *   and agents refuse older ones. hosts.capabilities: JSON array of what the host's driver can do
 *   (null until an agent reported it). hosts.protocol: the protocol the host's agent speaks.
 * - operations.progressDetail: JSON of the running job's progress (phase, percent, bytes, detail);
 *   operations.cancelRequestedAt: a user asked to cancel (the controller stops the job).
 * - hostPorts: ports the server allocated on a host for host-to-host transfers.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hosts').addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('hosts').addColumn('capabilities', 'text').execute();
  await db.schema.alterTable('hosts').addColumn('protocol', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('operations').addColumn('progressDetail', 'text').execute();
  await db.schema.alterTable('operations').addColumn('cancelRequestedAt', 'text').execute();
  await db.schema.createTable('hostPorts')
    .addColumn('hostId', 'text', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('resourceId', 'text', (c) => c.notNull())
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('hostPortsPk', ['hostId', 'port'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hostPorts').execute();
  await db.schema.alterTable('operations').dropColumn('cancelRequestedAt').execute();
  await db.schema.alterTable('operations').dropColumn('progressDetail').execute();
  await db.schema.alterTable('hosts').dropColumn('protocol').execute();
  await db.schema.alterTable('hosts').dropColumn('capabilities').execute();
  await db.schema.alterTable('hosts').dropColumn('generation').execute();
}

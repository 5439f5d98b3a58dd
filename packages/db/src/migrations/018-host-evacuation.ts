import type { Kysely } from 'kysely';

/*
 * Host maintenance by evacuation (issue 11): one row per instance that was on a host when its
 * evacuation looked at it. `state` is pending | migrating | moved | stopped | blocked | failed;
 * `operationId` is the migration (or stop) the evacuation asked for; `reason` says why an instance
 * is blocked or failed. The request's options live in the host.maintenance operation's params.
 * A restarted server resumes from these rows (controller/host-evacuation.ts).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('hostEvacuationItems')
    .addColumn('hostId', 'text', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('instanceId', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('operationId', 'text')
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('hostEvacuationItemsPk', ['hostId', 'instanceId'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hostEvacuationItems').execute();
}

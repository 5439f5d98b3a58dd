import type { Kysely } from 'kysely';

/*
 * Containers next to VMs (issue 14): `instances.type` is 'vm' or 'container', set at creation from
 * the image (a root-fs tarball makes a container) and kept by the instance: the scheduler places it
 * only on hosts whose hypervisor runs that type, and lists show it. Existing instances made from a
 * 'rootfs-tar' image version are containers.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('type', 'text', (c) => c.notNull().defaultTo('vm')).execute();
  await db.updateTable('instances').set({ type: 'container' })
    .where('imageVersionId', 'in', db.selectFrom('imageVersions').select('id').where('format', '=', 'rootfs-tar'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('instances').dropColumn('type').execute();
}

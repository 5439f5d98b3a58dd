import { sql, type Kysely } from 'kysely';

/*
 * Images with versions and lineage; ISOs as CD-ROMs.
 *  - images.defaultVersionId: the version an instance gets when it names the image alone (`image`,
 *    not `image:version`). No foreign key (the two tables would point at each other); the services
 *    keep it pointing at a version of the image, and null means "the newest ready version".
 *    Existing images get their newest ready version as default.
 *  - imageVersions.parentVersionId: lineage, the version this one was captured on top of.
 *  - imageVersions.sourceInstanceId / sourceSnapshotId: what a captured version is captured from
 *    (its root volume, or a snapshot); null for uploaded and registered versions.
 *  - imageVersions.failureReason: why a capture ended `failed`.
 *  - instances.cdrom (0/1: the instance has a CD-ROM drive), cdromImageId / cdromImageVersionId (the
 *    ISO in it; null = empty drive), bootDevice ('disk' | 'cdrom', what the firmware boots first).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('images').addColumn('defaultVersionId', 'text').execute();
  await db.schema.alterTable('imageVersions').addColumn('parentVersionId', 'text', (c) => c.references('imageVersions.id').onDelete('set null')).execute();
  await db.schema.alterTable('imageVersions').addColumn('sourceInstanceId', 'text').execute();
  await db.schema.alterTable('imageVersions').addColumn('sourceSnapshotId', 'text').execute();
  await db.schema.alterTable('imageVersions').addColumn('failureReason', 'text').execute();
  await db.schema.createIndex('imageVersionsState').on('imageVersions').columns(['state']).execute();
  await db.schema.createIndex('imageVersionsParent').on('imageVersions').columns(['parentVersionId']).execute();
  await db.schema.alterTable('instances').addColumn('cdrom', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('instances').addColumn('cdromImageId', 'text', (c) => c.references('images.id')).execute();
  await db.schema.alterTable('instances').addColumn('cdromImageVersionId', 'text', (c) => c.references('imageVersions.id')).execute();
  await db.schema.alterTable('instances').addColumn('bootDevice', 'text', (c) => c.notNull().defaultTo('disk')).execute();
  await db.schema.createIndex('instancesCdromVersion').on('instances').columns(['cdromImageVersionId']).execute();
  // Every existing image: its newest ready version is the default (ids sort by creation time).
  await sql`update images set default_version_id = (
    select v.id from image_versions v where v.image_id = images.id and v.state = 'ready' order by v.id desc limit 1)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('instancesCdromVersion').execute();
  for (const c of ['bootDevice', 'cdromImageVersionId', 'cdromImageId', 'cdrom']) await db.schema.alterTable('instances').dropColumn(c).execute();
  await db.schema.dropIndex('imageVersionsParent').execute();
  await db.schema.dropIndex('imageVersionsState').execute();
  for (const c of ['failureReason', 'sourceSnapshotId', 'sourceInstanceId', 'parentVersionId']) await db.schema.alterTable('imageVersions').dropColumn(c).execute();
  await db.schema.alterTable('images').dropColumn('defaultVersionId').execute();
}

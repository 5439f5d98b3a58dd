import type { Kysely } from 'kysely';

/*
 * Volumes as users and operators expect them ([storage]):
 *  - pools gain a Ceph RBD backend: `rbd_pool`, `ceph_user`, `ceph_conf` (the ceph.conf path on
 *    every host of the pool's cluster). Directory pools keep them null.
 *  - disk offerings gain I/O limits: read/write IOPS and bytes per second (null = no limit).
 *  - volumes gain a name, a disk offering (their limits) and their source (an image version or a
 *    snapshot). Device changes (attach, detach, resize, restore, new limits) are asked for by
 *    operations whose params are the desired value; the row records what is (instance_id, pci_slot,
 *    size_gib) and only the controller writes those once the host confirmed (docs/architecture.md).
 *  - snapshots: a volume's point-in-time copy, kept in the image store (a blob with sha256) or in
 *    the pool (an RBD snapshot). They keep their volume's id after the volume is gone. Reconciled
 *    like volumes: desired by the API, phase/task/version by the controller.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('pools').addColumn('rbdPool', 'text').execute();
  await db.schema.alterTable('pools').addColumn('cephUser', 'text').execute();
  await db.schema.alterTable('pools').addColumn('cephConf', 'text').execute();

  for (const c of ['readIops', 'writeIops', 'readBytesPerSec', 'writeBytesPerSec']) {
    await db.schema.alterTable('diskOfferings').addColumn(c, 'bigint').execute();
  }

  await db.schema.alterTable('volumes').addColumn('name', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('volumes').addColumn('diskOfferingId', 'text', (c) => c.references('diskOfferings.id')).execute();
  await db.schema.alterTable('volumes').addColumn('sourceImageVersionId', 'text').execute();
  await db.schema.alterTable('volumes').addColumn('sourceSnapshotId', 'text').execute();
  await db.schema.createIndex('volumesPool').on('volumes').columns(['poolId']).execute();
  await db.schema.createIndex('volumesAccountName').on('volumes').columns(['accountId', 'name']).execute();

  await db.schema.createTable('snapshots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('accountId', 'text', (c) => c.notNull().references('accounts.id'))
    // No foreign key: a snapshot outlives its volume and keeps the id it was taken from.
    .addColumn('volumeId', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sizeGiB', 'integer', (c) => c.notNull())
    .addColumn('sizeBytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('poolId', 'text', (c) => c.notNull().references('pools.id'))
    .addColumn('format', 'text', (c) => c.notNull().defaultTo('qcow2'))
    .addColumn('storagePath', 'text')
    .addColumn('sha256', 'text')
    .addColumn('desired', 'text', (c) => c.notNull().defaultTo('ready'))
    .addColumn('phase', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('task', 'text')
    .addColumn('errorReason', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('snapshotsVolume').on('snapshots').columns(['volumeId']).execute();
  await db.schema.createIndex('snapshotsAccount').on('snapshots').columns(['accountId', 'createdAt']).execute();
  await db.schema.createIndex('snapshotsUnsettled').on('snapshots').columns(['phase', 'desired']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('snapshots').execute();
  await db.schema.dropIndex('volumesAccountName').execute();
  await db.schema.dropIndex('volumesPool').execute();
  for (const c of ['sourceSnapshotId', 'sourceImageVersionId', 'diskOfferingId', 'name']) {
    await db.schema.alterTable('volumes').dropColumn(c).execute();
  }
  for (const c of ['writeBytesPerSec', 'readBytesPerSec', 'writeIops', 'readIops']) {
    await db.schema.alterTable('diskOfferings').dropColumn(c).execute();
  }
  for (const c of ['cephConf', 'cephUser', 'rbdPool']) await db.schema.alterTable('pools').dropColumn(c).execute();
}

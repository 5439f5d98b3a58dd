import type { Kysely } from 'kysely';
import type { Database, ImageVersionRow } from '../schema.ts';
import { CrudRepo } from './crud-repo.ts';

/**
 * Versions of images. Not tenant-scoped itself: callers reach a version through its image, which
 * they load with the caller's scope first (repos.images.get / getForWrite).
 */
export class ImageVersionsRepo extends CrudRepo<'imageVersions'> {
  constructor(db: Kysely<Database>) {
    super(db, { table: 'imageVersions', tenantScoped: false, sortable: ['version', 'createdAt'], filterable: ['imageId', 'state'] });
  }

  async ofImage(imageId: string, db: Kysely<Database> = this.db): Promise<ImageVersionRow[]> {
    return db.selectFrom('imageVersions').selectAll().where('imageId', '=', imageId).orderBy('id').execute();
  }

  /** The newest ready version of an image (ids sort by creation time). */
  async latestReady(imageId: string, db: Kysely<Database> = this.db): Promise<ImageVersionRow | undefined> {
    return db.selectFrom('imageVersions').selectAll().where('imageId', '=', imageId).where('state', '=', 'ready')
      .orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** A version of this image by id (undefined when it belongs to another image). */
  async getOfImage(imageId: string, versionId: string, db: Kysely<Database> = this.db): Promise<ImageVersionRow | undefined> {
    return db.selectFrom('imageVersions').selectAll().where('id', '=', versionId).where('imageId', '=', imageId).executeTakeFirst();
  }

  async findByVersion(imageId: string, version: string, db: Kysely<Database> = this.db): Promise<ImageVersionRow | undefined> {
    return db.selectFrom('imageVersions').selectAll().where('imageId', '=', imageId).where('version', '=', version).executeTakeFirst();
  }

  async deleteOfImage(imageId: string, db: Kysely<Database> = this.db): Promise<void> {
    const ids = db.selectFrom('imageVersions').select('id').where('imageId', '=', imageId);
    await db.updateTable('imageVersions').set({ parentVersionId: null }).where('parentVersionId', 'in', ids).execute();
    await db.deleteFrom('imageVersions').where('imageId', '=', imageId).execute();
  }

  /** Captured versions whose capture has not ended (the image-capture reconciler's unfinished work). */
  async capturingIds(db: Kysely<Database> = this.db): Promise<string[]> {
    const rows = await db.selectFrom('imageVersions').select('id').where('state', '=', 'uploading')
      .where((eb) => eb.or([eb('sourceInstanceId', 'is not', null), eb('sourceSnapshotId', 'is not', null)])).orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  /** A capture of this instance that has not ended, if any (the instance may not start meanwhile). */
  async captureOf(instanceId: string, db: Kysely<Database> = this.db): Promise<ImageVersionRow | undefined> {
    return db.selectFrom('imageVersions').selectAll().where('sourceInstanceId', '=', instanceId).where('state', '=', 'uploading').executeTakeFirst();
  }

  /** Captures from this snapshot that have not ended (the snapshot may not be deleted meanwhile). */
  async capturesOfSnapshot(snapshotId: string, db: Kysely<Database> = this.db): Promise<ImageVersionRow[]> {
    return db.selectFrom('imageVersions').selectAll().where('sourceSnapshotId', '=', snapshotId).where('state', '=', 'uploading').orderBy('id').execute();
  }

  async getAny(id: string, db: Kysely<Database> = this.db): Promise<ImageVersionRow | undefined> {
    return db.selectFrom('imageVersions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Patch a version's state and file facts; only while it is in `from` (false: it was not). */
  async transition(id: string, from: ImageVersionRow['state'], patch: Partial<Pick<ImageVersionRow, 'state' | 'sizeBytes' | 'sha256' | 'format' | 'storagePath' | 'failureReason'>>, db: Kysely<Database> = this.db): Promise<boolean> {
    const r = await db.updateTable('imageVersions').set(patch).where('id', '=', id).where('state', '=', from).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The image's default version (null: the newest ready one is). */
  async setDefault(imageId: string, versionId: string | null, db: Kysely<Database> = this.db): Promise<void> {
    await db.updateTable('images').set({ defaultVersionId: versionId }).where('id', '=', imageId).execute();
  }

  /** The version launched when the image is named alone: its default, else the newest ready one. */
  async defaultOf(image: { id: string; defaultVersionId?: string | null | undefined }, db: Kysely<Database> = this.db): Promise<ImageVersionRow | undefined> {
    if (image.defaultVersionId) {
      const v = await this.getOfImage(image.id, image.defaultVersionId, db);
      if (v) return v;
    }
    return this.latestReady(image.id, db);
  }

  /**
   * Instances (not deleted) that use a version: launched from it (their root disk is a linked clone
   * of its base, or it was their ISO) or holding it in their CD-ROM drive.
   */
  async usersOf(versionId: string, db: Kysely<Database> = this.db): Promise<Array<{ id: string; name: string; how: 'root disk' | 'CD-ROM' }>> {
    const rows = await db.selectFrom('instances').select(['id', 'name', 'imageVersionId', 'cdromImageVersionId'])
      .where((eb) => eb.or([eb('imageVersionId', '=', versionId), eb('cdromImageVersionId', '=', versionId)]))
      .where('phase', '!=', 'deleted').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, how: r.cdromImageVersionId === versionId && r.imageVersionId !== versionId ? 'CD-ROM' : 'root disk' }));
  }

  /** Ids of every version that exists (any state): what hosts must keep cached. */
  async allIds(db: Kysely<Database> = this.db): Promise<string[]> {
    return (await db.selectFrom('imageVersions').select('id').orderBy('id').execute()).map((r) => r.id);
  }

  async deleteOne(id: string, db: Kysely<Database> = this.db): Promise<void> {
    await db.updateTable('imageVersions').set({ parentVersionId: null }).where('parentVersionId', '=', id).execute();
    await db.deleteFrom('imageVersions').where('id', '=', id).execute();
  }
}

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
    await db.deleteFrom('imageVersions').where('imageId', '=', imageId).execute();
  }
}

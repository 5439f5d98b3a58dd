import { rmSync } from 'node:fs';
import { newId, type Clock } from '@kumo/core';
import { defaultImageProperties } from '@kumo/core';
import { ApiError, type ImageCreate, type ImageUpdate, type ImageVersionCreate } from '@kumo/api';
import type { ImageRow, ImageVersionRow, Repos, Scope } from '@kumo/db';
import { deleteInUseGuarded, releaseOrRefuse } from './catalog-in-use.ts';
import { uniquely } from './unique-insert.ts';
import { mergeProperties, propertiesOf, propertyColumns } from './image-properties.ts';

/** Images (templates, ISOs, kernels) and their versions' metadata; the files are ImageStore's. */
export class ImageService {
  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  private now(): string { return new Date(this.clock.now()).toISOString(); }

  async get(scope: Scope, id: string): Promise<ImageRow> {
    const image = await this.repos.images.get(scope, id);
    if (!image) throw new ApiError('not_found', `image ${id} not found`);
    return image;
  }

  /** The image if the caller may change it (not someone else's public image). */
  async getForWrite(scope: Scope, id: string): Promise<ImageRow> {
    const image = await this.repos.images.getForWrite(scope, id);
    if (!image) throw new ApiError('not_found', `image ${id} not found`);
    return image;
  }

  async latestVersionId(imageId: string): Promise<string | null> {
    return (await this.repos.imageVersions.latestReady(imageId))?.id ?? null;
  }

  /** The version launched when the image is named alone: its default, else its newest ready one. */
  async defaultVersionId(image: ImageRow): Promise<string | null> {
    return (await this.repos.imageVersions.defaultOf(image))?.id ?? null;
  }

  /** Remove a version's stored file (the row is gone already). */
  async removeFile(v: ImageVersionRow): Promise<void> {
    if (v.storagePath) rmSync(v.storagePath, { force: true });
    if (v.storagePath) rmSync(`${v.storagePath}.partial`, { force: true });
  }

  async create(scope: Scope, b: ImageCreate): Promise<ImageRow> {
    if (b.public && !scope.admin) throw new ApiError('forbidden', 'only admins publish public images', { field: 'public' });
    const { name: _n, description: _d, kind: _k, public: _p, ...props } = b;
    const row: ImageRow = {
      id: newId('image'), accountId: scope.accountId, name: b.name, description: b.description ?? '', kind: b.kind ?? 'template',
      public: b.public ? 1 : 0, createdAt: this.now(), ...propertyColumns(mergeProperties(defaultImageProperties, props)),
    };
    await uniquely('name', `image ${b.name}`, () => this.repos.images.insert(row));
    return row;
  }

  /** Change the description or properties; instances get new properties at their next start. */
  async update(scope: Scope, image: ImageRow, b: ImageUpdate): Promise<ImageRow> {
    const { description, ...props } = b;
    const patch: Partial<ImageRow> = {
      ...(description !== undefined ? { description } : {}),
      ...propertyColumns(mergeProperties(propertiesOf(image), props)),
    };
    if (!(await this.repos.images.update(scope, image.id, patch))) throw new ApiError('not_found', `image ${image.id} not found`);
    return { ...image, ...patch };
  }

  /**
   * Delete an image with its versions and their stored files. Refused (409) while instances that are
   * not deleted use it; deleted instances let go of it.
   */
  async delete(scope: Scope, id: string): Promise<void> {
    const image = await this.getForWrite(scope, id);
    const versions = await deleteInUseGuarded(`image ${image.name}`, () => this.repos.db.transaction().execute(async (trx) => {
      await releaseOrRefuse(this.repos, trx, 'imageId', image.id, `image ${image.name}`);
      await releaseOrRefuse(this.repos, trx, 'cdromImageId', image.id, `ISO ${image.name} (in a CD-ROM drive)`);
      if ((await this.repos.imageVersions.ofImage(image.id, trx)).some((v) => v.state === 'uploading' && (v.sourceInstanceId || v.sourceSnapshotId))) {
        throw new ApiError('conflict', `a version of image ${image.name} is being captured; wait until it is ready or failed`);
      }
      const all = await this.repos.imageVersions.ofImage(image.id, trx);
      await this.repos.imageVersions.deleteOfImage(image.id, trx);
      if (!(await this.repos.images.delete(scope, image.id, trx))) throw new ApiError('not_found', `image ${id} not found`);
      return all;
    }));
    for (const v of versions) if (v.storagePath) rmSync(v.storagePath, { force: true });
  }

  async versions(scope: Scope, id: string): Promise<ImageVersionRow[]> {
    const image = await this.get(scope, id);
    return this.repos.imageVersions.ofImage(image.id);
  }

  /** Register a version by its metadata (the file is uploaded separately or lives elsewhere). */
  async registerVersion(scope: Scope, id: string, b: ImageVersionCreate): Promise<ImageVersionRow> {
    const image = await this.getForWrite(scope, id);
    const row: ImageVersionRow = {
      id: newId('imageVersion'), imageId: image.id, version: b.version, format: b.format, sizeBytes: b.sizeBytes, sha256: b.sha256,
      state: 'ready', cmdline: b.cmdline ?? '', storagePath: '', createdAt: this.now(),
    };
    await uniquely('version', `version ${b.version} of image ${image.name}`, () => this.repos.imageVersions.insert(row));
    await this.repos.imageVersions.setDefault(image.id, row.id); // the newest version is the default (rollback moves it back)
    return row;
  }
}

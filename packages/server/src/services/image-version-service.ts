import { ApiError } from '@kumo/api';
import type { ImageRow, ImageVersionRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { ImageService } from './image-service.ts';
import { deleteInUseGuarded } from './catalog-in-use.ts';

/**
 * The version an instance launches: `versionId` or the version labelled `label` if given, else the
 * image's default. Refused (400 naming the field) unless it is ready.
 */
export async function resolveLaunchVersion(repos: Repos, image: ImageRow, pick: { versionId?: string | undefined; label?: string | undefined }, field: string): Promise<ImageVersionRow> {
  const v = pick.versionId ? await repos.imageVersions.getOfImage(image.id, pick.versionId)
    : pick.label ? await repos.imageVersions.findByVersion(image.id, pick.label)
      : await repos.imageVersions.defaultOf(image);
  const which = pick.versionId ? 'imageVersionId' : pick.label ? 'imageVersion' : field;
  if (!v) throw new ApiError('bad_request', `image ${image.name} has no ${pick.versionId || pick.label ? `version ${pick.versionId ?? pick.label}` : 'ready version'}`, { field: which });
  if (v.state !== 'ready') throw new ApiError('bad_request', `version ${v.version} of image ${image.name} is ${v.state}, not ready`, { field: which });
  return v;
}

/**
 * An image's versions as a user sees them: which one is the default (launched when the image is
 * named alone), rollback to an older one, the version an instance launches (`image` or
 * `image:version`), and deleting one version without losing data an instance still needs.
 */
export class ImageVersionService {
  constructor(private readonly repos: Repos, private readonly images: ImageService, private readonly events: EventLog) {}

  /** The effective default version id of an image (its default, else its newest ready version). */
  async defaultVersionId(image: ImageRow): Promise<string | null> {
    return (await this.repos.imageVersions.defaultOf(image))?.id ?? null;
  }

  /** Make a ready version of the caller's image its default. */
  async setDefault(scope: Scope, imageId: string, versionId: string): Promise<ImageVersionRow> {
    const image = await this.images.getForWrite(scope, imageId);
    const v = await this.repos.imageVersions.getOfImage(image.id, versionId);
    if (!v) throw new ApiError('bad_request', `image ${image.name} has no version ${versionId}`, { field: 'versionId' });
    if (v.state !== 'ready') throw new ApiError('bad_request', `version ${v.version} is ${v.state}: only a ready version can be the default`, { field: 'versionId' });
    await this.repos.imageVersions.setDefault(image.id, v.id);
    await this.events.record({ accountId: image.accountId, resourceType: 'image', resourceId: image.id, kind: 'image.default.changed', message: `version ${v.version} of ${image.name} is the default` });
    return v;
  }

  /** Make an older version the default again: the one named, or the current default's parent. */
  async rollback(scope: Scope, imageId: string, versionId: string | undefined): Promise<ImageVersionRow> {
    const image = await this.images.getForWrite(scope, imageId);
    if (versionId) return this.setDefault(scope, image.id, versionId);
    const current = await this.repos.imageVersions.defaultOf(image);
    const parentId = current?.parentVersionId;
    const parent = parentId ? await this.repos.imageVersions.getOfImage(image.id, parentId) : undefined;
    if (!current || !parent) throw new ApiError('bad_request', `the default version of ${image.name} has no earlier version of this image to roll back to; name one`, { field: 'versionId' });
    return this.setDefault(scope, image.id, parent.id);
  }

  /**
   * Delete one version and its file. Refused (409 in_use, naming them) while instances that are not
   * deleted use it: their root disk is a linked clone of it (the host's cached base), or it is in
   * their CD-ROM drive. The default version goes only if it is the last one, or with a new default.
   */
  async deleteVersion(scope: Scope, imageId: string, versionId: string, newDefaultVersionId: string | undefined): Promise<ImageVersionRow> {
    const image = await this.images.getForWrite(scope, imageId);
    const v = await this.repos.imageVersions.getOfImage(image.id, versionId);
    if (!v) throw new ApiError('not_found', `image ${image.name} has no version ${versionId}`);
    if (v.state === 'uploading' && (v.sourceInstanceId || v.sourceSnapshotId)) throw new ApiError('conflict', `version ${v.version} is being captured; wait until it is ready or failed`);
    const users = await this.repos.imageVersions.usersOf(v.id);
    if (users.length > 0) {
      const names = users.slice(0, 10).map((u) => `${u.name} (${u.id}, ${u.how})`).join(', ');
      throw new ApiError('in_use', `version ${v.version} of ${image.name} is used by instance${users.length > 1 ? 's' : ''} ${names}; delete ${users.length > 1 ? 'them' : 'it'} or eject the ISO first`, { instanceIds: users.map((u) => u.id) });
    }
    const currentDefault = await this.defaultVersionId(image);
    const others = (await this.repos.imageVersions.ofImage(image.id)).filter((o) => o.id !== v.id);
    let nextDefault: ImageVersionRow | undefined;
    if (newDefaultVersionId) {
      nextDefault = others.find((o) => o.id === newDefaultVersionId);
      if (!nextDefault || nextDefault.state !== 'ready') throw new ApiError('bad_request', `${newDefaultVersionId} is not another ready version of ${image.name}`, { field: 'newDefaultVersionId' });
    } else if (currentDefault === v.id && others.some((o) => o.state === 'ready')) {
      throw new ApiError('conflict', `version ${v.version} is the default of ${image.name}; name a new default (newDefaultVersionId) to delete it`, { field: 'newDefaultVersionId' });
    }
    await deleteInUseGuarded(`version ${v.version} of ${image.name}`, () => this.repos.db.transaction().execute(async (trx) => {
      await this.repos.instances.releaseVersionFromDeleted(v.id, trx);
      if (nextDefault) await this.repos.imageVersions.setDefault(image.id, nextDefault.id, trx);
      else if (image.defaultVersionId === v.id) await this.repos.imageVersions.setDefault(image.id, null, trx);
      await this.repos.imageVersions.deleteOne(v.id, trx);
    }));
    await this.images.removeFile(v);
    await this.events.record({ accountId: image.accountId, resourceType: 'image', resourceId: image.id, kind: 'image.version.deleted', message: `version ${v.version} of ${image.name} deleted` });
    return v;
  }
}

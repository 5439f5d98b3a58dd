import { newId, type Clock } from '@kumo/core';
import { ApiError, type ImageCapture } from '@kumo/api';
import type { ImageRow, ImageVersionRow, OperationRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import { requestHash, type OperationService } from './operation-service.ts';

/** The next free numeric label among an image's versions ("1" for the first). */
export function nextVersionLabel(existing: readonly string[]): string {
  let max = 0;
  for (const v of existing) if (/^\d+$/.test(v)) max = Math.max(max, Number(v));
  let n = max + 1;
  while (existing.includes(String(n))) n++;
  return String(n);
}

/**
 * Capture an image from a stopped instance's root volume. The request makes (or reuses, by name,
 * the caller's own template) the image and a version in state `uploading` whose parent is the
 * image's default version (for a new image: the version the instance was launched from), with an
 * `image.capture` operation; the image-capture reconciler asks the instance's host to export the
 * volume into the image store. The instance cannot start or be deleted until the capture ends.
 */
export class ImageCaptureService {
  constructor(
    private readonly repos: Repos, private readonly ops: OperationService, private readonly events: EventLog,
    private readonly notifier: Notifier, private readonly clock: Clock,
  ) {}

  private now(): string { return new Date(this.clock.now()).toISOString(); }

  async capture(scope: Scope, instanceId: string, body: ImageCapture, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['image.capture', instanceId, body]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const r = this.repos;
    const inst = await r.instances.get(scope, instanceId);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${instanceId} not found`);
    if (inst.phase !== 'stopped' || inst.task !== null || inst.desired !== 'stopped' || (await r.operations.activeFor(inst.id)).length > 0) {
      throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.task ?? inst.phase}: stop it first (an image is captured from a stopped instance)`, { phase: inst.phase, task: inst.task });
    }
    const capturing = await r.imageVersions.captureOf(inst.id);
    if (capturing) throw new ApiError('instance_busy', `instance ${inst.name} is being captured already (image version ${capturing.id})`);
    const root = (await r.volumes.ofInstance(inst.id)).find((v) => v.kind === 'root');
    if (!root || root.phase !== 'ready') throw new ApiError('invalid_state', `instance ${inst.name} has no ready root volume to capture`);
    if (!inst.hostId) throw new ApiError('invalid_state', `instance ${inst.name} is on no host: its root volume cannot be read`);

    const existing = await r.db.selectFrom('images').selectAll().where('accountId', '=', scope.accountId).where('name', '=', body.name).executeTakeFirst();
    if (existing && existing.kind !== 'template') throw new ApiError('conflict', `image ${body.name} is a${existing.kind === 'iso' ? 'n' : ''} ${existing.kind}, not a template: choose another name`, { field: 'name' });
    const source = inst.imageVersionId ? await r.imageVersions.getAny(inst.imageVersionId) : undefined;
    const sourceImage = inst.imageId ? await r.db.selectFrom('images').selectAll().where('id', '=', inst.imageId).executeTakeFirst() : undefined;
    const versions = existing ? await r.imageVersions.ofImage(existing.id) : [];
    const label = body.version ?? nextVersionLabel(versions.map((v) => v.version));
    if (versions.some((v) => v.version === label)) throw new ApiError('conflict', `image ${body.name} already has a version ${label}`, { field: 'version' });
    const parentId = existing ? ((await r.imageVersions.defaultOf(existing))?.id ?? null) : (source && source.format !== 'iso' ? source.id : null);

    const now = this.now();
    const image: ImageRow = existing ?? {
      id: newId('image'), accountId: scope.accountId, name: body.name, description: body.description ?? `captured from ${inst.name}`, kind: 'template',
      public: 0, osType: sourceImage?.osType ?? 'linux', minDiskGiB: inst.rootDiskGiB, createdAt: now, defaultVersionId: null,
    };
    const version: ImageVersionRow = {
      id: newId('imageVersion'), imageId: image.id, version: label, format: 'qcow2', sizeBytes: 0, sha256: '', state: 'uploading',
      cmdline: source?.format === 'kernel-initrd' ? source.cmdline : '', storagePath: '', createdAt: now,
      parentVersionId: parentId, sourceInstanceId: inst.id, sourceSnapshotId: null, failureReason: null,
    };
    const op = this.ops.newRow({
      accountId: scope.accountId, kind: 'image.capture', resourceType: 'imageVersion', resourceId: version.id,
      params: { instanceId: inst.id, imageId: image.id, version: label }, idempotencyKey, requestHash: hash,
    });
    try {
      await r.db.transaction().execute(async (trx) => {
        if (!existing) await r.images.insert(image, trx);
        await r.imageVersions.insert(version, trx);
        await r.operations.insert(op, trx);
        await this.events.record({ accountId: scope.accountId, resourceType: 'image', resourceId: image.id, kind: 'image.capture.requested', message: `capture of ${inst.name} into ${image.name} version ${label} requested` }, trx);
      });
    } catch (e) {
      if (/unique|duplicate/i.test(String(e))) {
        const again = idempotencyKey ? await this.ops.replay(scope.accountId, idempotencyKey, hash) : null;
        if (again) return again;
        throw new ApiError('conflict', `image ${body.name} (version ${label}) was just created by another request; retry`, { field: 'name' });
      }
      throw e;
    }
    this.notifier.publish({ kind: 'imageVersion', id: version.id, accountId: scope.accountId });
    return op;
  }
}

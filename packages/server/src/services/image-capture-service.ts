import { defaultImageProperties, newId, type Clock } from '@kumo/core';
import { ApiError, type ImageCapture } from '@kumo/api';
import type { ImageRow, ImageVersionRow, OperationRow, Repos, Scope, VolumeRow } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import { propertiesOf, propertyColumns } from './image-properties.ts';
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

/** What a capture reads: an instance's root volume or a snapshot (exactly one of the two ids). */
export interface CaptureSource {
  sourceName: string; source: ImageVersionRow | undefined; sourceImage: ImageRow | undefined; minDiskGiB: number;
  sourceInstanceId: string | null; sourceSnapshotId: string | null; params: Record<string, string | boolean>;
  idempotencyKey: string | undefined; hash: string;
  /** 'rootfs-tar': a KVM → LXC conversion (operation `instance.convert`, instance-convert-service.ts). */
  format?: 'qcow2' | 'rootfs-tar';
  opKind?: string;
}

/**
 * The image version a volume was made from: its own source, else (a root volume) its instance's.
 * A kernel-bundle source makes a capture of the volume a bundle again.
 */
export async function sourceVersionOfVolume(repos: Repos, vol: VolumeRow | undefined): Promise<ImageVersionRow | undefined> {
  if (!vol) return undefined;
  if (vol.sourceImageVersionId) return repos.imageVersions.getAny(vol.sourceImageVersionId);
  if (vol.kind !== 'root' || !vol.instanceId) return undefined;
  const inst = await repos.instances.getAny(vol.instanceId);
  return inst?.imageVersionId ? repos.imageVersions.getAny(inst.imageVersionId) : undefined;
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

    const source = inst.imageVersionId ? await r.imageVersions.getAny(inst.imageVersionId) : undefined;
    const sourceImage = inst.imageId ? await r.db.selectFrom('images').selectAll().where('id', '=', inst.imageId).executeTakeFirst() : undefined;
    return this.createVersion(scope, body, {
      sourceName: inst.name, source, sourceImage, minDiskGiB: inst.rootDiskGiB,
      sourceInstanceId: inst.id, sourceSnapshotId: null, params: { instanceId: inst.id }, idempotencyKey, hash,
    });
  }

  /**
   * Capture an image from a ready snapshot (either location). Same rules as an instance capture; the
   * version's source is the snapshot (sourceSnapshotId), which cannot be deleted until the capture ends.
   */
  async captureSnapshot(scope: Scope, snapshotId: string, body: ImageCapture, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['image.capture.snapshot', snapshotId, body]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const r = this.repos;
    const snap = await r.snapshots.get(scope, snapshotId);
    if (!snap || snap.desired === 'deleted') throw new ApiError('not_found', `snapshot ${snapshotId} not found`, { field: 'id' });
    if (snap.phase !== 'ready') throw new ApiError('invalid_state', `snapshot ${snap.name} is ${snap.phase}; an image is captured from a ready snapshot`, { field: 'id', phase: snap.phase });
    const vol = await r.volumes.getAny(snap.volumeId);
    const source = await sourceVersionOfVolume(r, vol);
    const sourceImage = source ? await r.db.selectFrom('images').selectAll().where('id', '=', source.imageId).executeTakeFirst() : undefined;
    return this.createVersion(scope, body, {
      sourceName: `snapshot ${snap.name}`, source, sourceImage, minDiskGiB: snap.sizeGiB,
      sourceInstanceId: null, sourceSnapshotId: snap.id, params: { snapshotId: snap.id }, idempotencyKey, hash,
    });
  }

  /** The image (made, or the caller's template of that name) and its new `uploading` version, with the operation. */
  async createVersion(scope: Scope, body: ImageCapture, src: CaptureSource): Promise<OperationRow> {
    const r = this.repos;
    const { source, idempotencyKey, hash } = src;
    const existing = await r.db.selectFrom('images').selectAll().where('accountId', '=', scope.accountId).where('name', '=', body.name).executeTakeFirst();
    if (existing && existing.kind !== 'template') throw new ApiError('conflict', `image ${body.name} is a${existing.kind === 'iso' ? 'n' : ''} ${existing.kind}, not a template: choose another name`, { field: 'name' });
    const versions = existing ? await r.imageVersions.ofImage(existing.id) : [];
    const label = body.version ?? nextVersionLabel(versions.map((v) => v.version));
    if (versions.some((v) => v.version === label)) throw new ApiError('conflict', `image ${body.name} already has a version ${label}`, { field: 'version' });
    const parentId = existing ? ((await r.imageVersions.defaultOf(existing))?.id ?? null) : (source && source.format !== 'iso' && src.format !== 'rootfs-tar' ? source.id : null);

    const now = this.now();
    const image: ImageRow = existing ?? {
      id: newId('image'), accountId: scope.accountId, name: body.name, description: body.description ?? `captured from ${src.sourceName}`, kind: 'template',
      public: 0, createdAt: now, defaultVersionId: null,
      // The guest's hardware comes along: a Windows (or UEFI) system stays one when it is captured.
      ...propertyColumns({ ...(src.sourceImage ? propertiesOf(src.sourceImage) : defaultImageProperties), minDiskGiB: src.minDiskGiB }),
    };
    const version: ImageVersionRow = {
      id: newId('imageVersion'), imageId: image.id, version: label, format: src.format ?? 'qcow2', sizeBytes: 0, sha256: '', state: 'uploading',
      cmdline: source?.format === 'kernel-initrd' && src.format !== 'rootfs-tar' ? source.cmdline : '', storagePath: '', createdAt: now,
      parentVersionId: parentId, sourceInstanceId: src.sourceInstanceId, sourceSnapshotId: src.sourceSnapshotId, failureReason: null,
    };
    const op = this.ops.newRow({
      accountId: scope.accountId, kind: src.opKind ?? 'image.capture', resourceType: 'imageVersion', resourceId: version.id,
      params: { ...src.params, imageId: image.id, version: label }, idempotencyKey, requestHash: hash,
    });
    try {
      await r.db.transaction().execute(async (trx) => {
        if (!existing) await r.images.insert(image, trx);
        await r.imageVersions.insert(version, trx);
        await r.operations.insert(op, trx);
        await this.events.record({ accountId: scope.accountId, resourceType: 'image', resourceId: image.id, kind: 'image.capture.requested', message: `capture of ${src.sourceName} into ${image.name} version ${label} requested` }, trx);
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

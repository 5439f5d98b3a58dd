import { rmSync } from 'node:fs';
import type { Clock } from '@kumo/core';
import type { PoolRef } from '@kumo/api';
import type { ImageVersionRow, InstanceRow, OperationRow, Repos } from '@kumo/db';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { EventLog } from '../services/event-log.ts';
import type { Change, Notifier } from '../services/notifier.ts';
import type { OperationService } from '../services/operation-service.ts';
import { bundleCapturedDisk } from '../services/kernel-bundle-capture.ts';
import { poolRefOf } from './volume-host.ts';
import { exportSnapshotForCapture, type CaptureExport, type SnapshotCaptureDeps } from './snapshot-capture.ts';
import { TerminalError, WaitError } from './errors.ts';
import { completeConversion, type ConversionDeps } from './instance-conversion.ts';
import type { ReconcilerTimeouts } from './instance-reconciler.ts';
import { OperationProgress } from './operation-progress.ts';
import { workKey, type Reconciler, type WorkKey } from './reconciler.ts';

const exportStep = 'exporting the root volume to the image store';
const convertStep = 'making a root-fs tarball of the VM\'s root volume';

/** Where the host uploads a captured version's file (an agent-allowed PUT, image-file-routes.ts). */
export function captureUploadPath(v: Pick<ImageVersionRow, 'imageId' | 'id'>): string {
  return `/api/v1/images/${v.imageId}/versions/${v.id}/upload`;
}

/**
 * Drives an image version being captured (state `uploading`, with a source instance or snapshot) to
 * `ready`: the instance's host exports the root volume as a job (volume.snapshot to the image store,
 * which uploads the file with the host token); a snapshot is copied or exported (snapshot-capture.ts); the version becomes ready, and the image's default, only
 * when the stored file has the size and SHA-256 the host's job reports. A failure ends it `failed`
 * with the reason and removes the partial file. After a server restart the resync finds every
 * capture still `uploading` and re-attaches to the host's job by its key.
 */
export class ImageCaptureReconciler implements Reconciler<'imageVersion'> {
  readonly kind = 'imageVersion' as const;
  private readonly progress: OperationProgress;

  constructor(
    private readonly repos: Repos, private readonly gateway: AgentGateway, private readonly ops: OperationService,
    private readonly events: EventLog, private readonly notifier: Notifier, private readonly clock: Clock, private readonly timeouts: ReconcilerTimeouts,
    /** Remove what the image store holds of a version (its file, a partial upload). */
    private readonly removeFiles: (versionId: string) => void,
    /** Copy a server-held file (an image-store snapshot's) into a version being captured (ImageStore.copyIntoCapture). */
    private readonly copyIntoCapture: SnapshotCaptureDeps['copyIntoCapture'],
    /** Delete an instance as its owner would (InstanceService.act 'delete'): a conversion with keep: false deletes the VM. */
    private readonly deleteInstance?: (accountId: string, instanceId: string) => Promise<OperationRow>,
  ) {
    this.progress = new OperationProgress(ops, clock);
  }

  unsettledIds(): Promise<string[]> { return this.repos.imageVersions.capturingIds(); }

  keysFor(c: Change): WorkKey[] { return c.kind === 'imageVersion' ? [workKey('imageVersion', c.id)] : []; }

  private async accountOf(v: ImageVersionRow): Promise<string> {
    const image = await this.repos.db.selectFrom('images').select('accountId').where('id', '=', v.imageId).executeTakeFirst();
    return image?.accountId ?? '';
  }

  async reconcile(id: string): Promise<boolean> {
    const v = await this.repos.imageVersions.getAny(id);
    const active = await this.repos.operations.activeFor(id);
    if (!v || v.state !== 'uploading' || !(v.sourceInstanceId || v.sourceSnapshotId)) { await this.settle(v, active); return false; }
    const exported = v.sourceSnapshotId
      ? await exportSnapshotForCapture(this.snapshotDeps(), { ...v, sourceSnapshotId: v.sourceSnapshotId }, active)
      : await this.exportInstance(v, active);
    const { result, source, sourceName } = exported;
    const stored = await this.repos.imageVersions.getAny(v.id);
    if (!stored || stored.state !== 'uploading') return true; // ended meanwhile (failed, deleted): settle
    if (!stored.storagePath || stored.sha256 !== result.sha256 || stored.sizeBytes !== result.sizeBytes) {
      throw new TerminalError('operation_failed', `the host exported ${result.sizeBytes} bytes (sha256 ${result.sha256 ?? 'none'}) but the image store holds ${stored.storagePath ? `${stored.sizeBytes} bytes (sha256 ${stored.sha256})` : 'no file'}`);
    }
    // A guest that booted a kernel bundle gets its captured disk back in a bundle with the same kernel.
    const ready = source?.format === 'kernel-initrd' && source.storagePath && result.format !== 'rootfs-tar'
      ? await bundleCapturedDisk(source.storagePath, stored.storagePath, stored.cmdline).then((b) => ({ format: 'kernel-initrd' as const, storagePath: b.path, sizeBytes: b.sizeBytes, sha256: b.sha256 }))
      : { format: result.format };
    if (!(await this.repos.imageVersions.transition(v.id, 'uploading', { state: 'ready', ...ready }))) return true;
    if ('storagePath' in ready) rmSync(stored.storagePath, { force: true }); // the bare disk now lives in the bundle
    await this.repos.imageVersions.setDefault(v.imageId, v.id);
    const accountId = await this.accountOf(v);
    await this.events.record({ accountId, resourceType: 'image', resourceId: v.imageId, kind: 'image.captured', message: `version ${v.version} captured from ${sourceName} (${result.sizeBytes} bytes); it is the image's default` });
    this.notifier.publish({ kind: 'imageVersion', id: v.id, accountId });
    return true;
  }

  private snapshotDeps(): SnapshotCaptureDeps {
    return {
      repos: this.repos, gateway: this.gateway, progress: this.progress, timeoutMs: this.timeouts.provisionMs, uploadPath: captureUploadPath,
      startStep: (op, step) => this.ops.start(op, step, 5).then(() => undefined),
      copyIntoCapture: this.copyIntoCapture,
    };
  }

  /** The instance's host exports the stopped instance's root volume into the image store. */
  private async exportInstance(v: ImageVersionRow, active: OperationRow[]): Promise<CaptureExport> {
    const inst = await this.repos.instances.getAny(v.sourceInstanceId ?? '');
    if (!inst || inst.phase === 'deleted') throw new TerminalError('operation_failed', `instance ${v.sourceInstanceId} is gone`);
    const root = (await this.repos.volumes.ofInstance(inst.id)).find((x) => x.kind === 'root');
    if (!root) throw new TerminalError('operation_failed', `instance ${inst.name} has no root volume`);
    const pool = await this.repos.db.selectFrom('pools').selectAll().where('id', '=', root.poolId).executeTakeFirst();
    const hostId = pool?.hostId ?? inst.hostId;
    if (!pool || !hostId) throw new TerminalError('operation_failed', `the root volume of ${inst.name} is on no host`);
    if (!this.gateway.isConnected(hostId)) {
      // A host declared down may never come back: the capture fails, and the instance is free again.
      const host = await this.repos.hosts.getAny(hostId);
      if (!host || host.state === 'down') throw new TerminalError('host_unavailable', `host ${host?.name ?? hostId} of the root volume is down; capture again once it is back`);
      throw new WaitError(`waiting for host ${hostId} to connect`);
    }
    if (v.format === 'rootfs-tar') return this.convertInstance(v, inst, root.id, poolRefOf(pool), hostId, active);
    for (const op of active) await this.ops.start(op, exportStep, 5);
    try {
      const result = await this.gateway.call(hostId, 'volume.snapshot', {
        volumeId: root.id, snapshotId: v.id, pool: poolRefOf(pool), instanceId: '',
        target: { kind: 'image-store', uploadPath: captureUploadPath(v) },
      }, this.timeouts.provisionMs, {
        jobKey: `${v.id}:capture`, // asked again after a restart, the host re-attaches to the same job
        onProgress: (p) => { for (const op of active) this.progress.report(op, exportStep, p); },
      });
      const source = inst.imageVersionId ? await this.repos.imageVersions.getAny(inst.imageVersionId) : undefined;
      return { result, source, sourceName: inst.name };
    } finally { this.progress.forget(active); }
  }

  /** KVM → LXC: the host turns the stopped VM's root volume into a root-fs tarball in the image store. */
  private async convertInstance(v: ImageVersionRow, inst: InstanceRow, volumeId: string, pool: PoolRef, hostId: string, active: OperationRow[]): Promise<CaptureExport> {
    for (const op of active) await this.ops.start(op, convertStep, 5);
    const nics = (await this.repos.nics.ofInstance(inst.id)).sort((a, b) => a.deviceIndex - b.deviceIndex).map((n, index) => ({ pciSlot: n.pciSlot, index }));
    try {
      const result = await this.gateway.call(hostId, 'volume.rootfsTar', { volumeId, pool, uploadPath: captureUploadPath(v), nics }, this.timeouts.provisionMs, {
        jobKey: `${v.id}:convert`,
        onProgress: (p) => { for (const op of active) this.progress.report(op, convertStep, p); },
      });
      const source = inst.imageVersionId ? await this.repos.imageVersions.getAny(inst.imageVersionId) : undefined;
      return { result, source, sourceName: inst.name };
    } finally { this.progress.forget(active); }
  }

  /** Nothing left to do: end the operations by the version's state (a conversion makes its container first). */
  private async settle(v: ImageVersionRow | undefined, active: OperationRow[]): Promise<void> {
    for (const op of active) {
      if (v?.state === 'ready' && op.kind === 'instance.convert') await this.finishConversion(v, op);
      else if (v?.state === 'ready') await this.ops.finish(op.id, 'succeeded', `version ${v.version} is ready and the image's default`);
      else {
        const why = v?.failureReason ?? (v ? `the capture ended ${v.state}` : 'the image version was deleted');
        await this.ops.finish(op.id, 'failed', why, { code: 'operation_failed', message: why });
      }
    }
  }

  private async finishConversion(v: ImageVersionRow, op: OperationRow): Promise<void> {
    let c: Awaited<ReturnType<typeof completeConversion>>;
    try {
      c = await completeConversion(this.conversionDeps(), v, op);
    } catch (e) {
      const why = `the root file system is stored (image version ${v.version}) but the container could not be made: ${(e as Error).message}`;
      await this.ops.finish(op.id, 'failed', why, { code: e instanceof TerminalError ? e.code : 'operation_failed', message: why });
      return;
    }
    const made = `container ${c.name} (${c.id}) made from the VM's root file system (image version ${v.version})`;
    if (c.keep) {
      await this.ops.finish(op.id, 'succeeded', `${made}; the VM is stopped and named ${c.vmName}`);
      return;
    }
    // keep: false. The container is made whatever happens to the VM's deletion, which the message reports.
    let vmFate: string;
    try {
      if (!this.deleteInstance) throw new Error('this server cannot delete instances from the controller');
      const del = await this.deleteInstance(c.accountId, c.vmId);
      vmFate = `the VM ${c.vmName} is being deleted (operation ${del.id})`;
    } catch (e) {
      vmFate = `the VM ${c.vmName} is kept, stopped, as its deletion was refused: ${(e as Error).message}`;
    }
    await this.ops.finish(op.id, 'succeeded', `${made}; ${vmFate}`);
  }

  private conversionDeps(): ConversionDeps { return { repos: this.repos, events: this.events, notifier: this.notifier, clock: this.clock }; }

  /** The capture failed for good: the version is `failed` with the reason, its partial file removed. */
  async fail(id: string, err: TerminalError): Promise<void> {
    const v = await this.repos.imageVersions.getAny(id);
    if (v && v.state === 'uploading') {
      await this.repos.imageVersions.transition(id, 'uploading', { state: 'failed', failureReason: err.message, storagePath: '' });
      this.removeFiles(id);
      const accountId = await this.accountOf(v);
      await this.events.record({ accountId, resourceType: 'image', resourceId: v.imageId, kind: 'image.capture.failed', severity: 'error', message: `capture of version ${v.version} failed: ${err.message}` });
      this.notifier.publish({ kind: 'imageVersion', id, accountId });
    }
    for (const op of await this.repos.operations.activeFor(id)) await this.ops.finish(op.id, 'failed', err.message, { code: err.code, message: err.message });
  }
}

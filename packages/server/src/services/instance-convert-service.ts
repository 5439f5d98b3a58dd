import { newId, type Clock } from '@kumo/core';
import { ApiError, type InstanceConvert } from '@kumo/api';
import type { OperationRow, Repos, Scope } from '@kumo/db';
import type { ImageCaptureService } from './image-capture-service.ts';
import { requestHash, type OperationService } from './operation-service.ts';

/** The name a converted VM keeps (the container takes its old name). */
export function convertedVmName(name: string): string { return `${name}-vm`; }

/** The image a conversion stores the VM's root file system in (a template of the caller's). */
export function conversionImageName(containerName: string): string { return `${containerName}-rootfs`; }

/**
 * Why a VM with data volumes does not convert (here, and again when the container is made, in case
 * one was attached meanwhile): a container gets only the VM's root file system.
 */
export function dataVolumesRefusal(vmName: string, volumeIds: readonly string[]): string {
  return `instance ${vmName} has data volume(s) ${volumeIds.join(', ')} attached: a container gets only the VM's root file system (LXC hosts attach no block volumes); detach them first (kumo volume detach ID) and copy what the container needs from them`;
}

/**
 * KVM → LXC (issue 14). A stopped VM's root volume becomes a root-fs tarball: a new version, format
 * 'rootfs-tar', of the caller's template `<name>-rootfs`, made on the VM's host (agent method
 * volume.rootfsTar) and uploaded as an image capture is (operation `instance.convert`, driven by the
 * image-capture reconciler). When the version is ready, one transaction (controller/instance-conversion.ts)
 * makes the container (stopped), moves the VM's NICs to it (same MAC, IP and security groups) and, when
 * the container takes the VM's name, renames the VM `<name>-vm`. The VM stays, stopped, so the
 * conversion can be undone (unless keep is false: then it is deleted once the container is made). A VM
 * with data volumes is refused. A failed conversion changes nothing of the VM.
 */
export class InstanceConvertService {
  constructor(
    private readonly repos: Repos, private readonly ops: OperationService, private readonly capture: ImageCaptureService,
    private readonly clock: Clock,
  ) {}

  async convert(scope: Scope, instanceId: string, body: InstanceConvert, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['instance.convert', instanceId, body]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const r = this.repos;
    if ((body.to as string) !== 'container') throw new ApiError('bad_request', `to: a VM converts only to 'container', not '${String(body.to)}'`, { field: 'to' });
    const inst = await r.instances.get(scope, instanceId);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${instanceId} not found`, { field: 'id' });
    if ((inst.type ?? 'vm') !== 'vm') throw new ApiError('invalid_state', `instance ${inst.name} is a container already; only a VM converts`, { field: 'id' });
    if (inst.phase !== 'stopped' || inst.task !== null || inst.desired !== 'stopped' || (await r.operations.activeFor(inst.id)).length > 0) {
      throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.task ?? inst.phase}: stop it first (a VM is converted while stopped)`, { phase: inst.phase, task: inst.task });
    }
    const capturing = await r.imageVersions.captureOf(inst.id);
    if (capturing) throw new ApiError('instance_busy', `instance ${inst.name} is being captured or converted already (image version ${capturing.id})`);
    const volumes = await r.volumes.ofInstance(inst.id);
    const data = volumes.filter((v) => v.kind !== 'root');
    if (data.length > 0) throw new ApiError('invalid_state', dataVolumesRefusal(inst.name, data.map((v) => v.id)), { field: 'id', volumeIds: data.map((v) => v.id) });
    const root = volumes.find((v) => v.kind === 'root');
    if (!root || root.phase !== 'ready') throw new ApiError('invalid_state', `instance ${inst.name} has no ready root volume to convert`);
    if (!inst.hostId) throw new ApiError('invalid_state', `instance ${inst.name} is on no host: its root volume cannot be read`);

    const containerName = body.name ?? inst.name;
    const vmName = containerName === inst.name ? convertedVmName(inst.name) : inst.name;
    if (vmName.length > 63) throw new ApiError('bad_request', `name: ${inst.name} is too long to be renamed ${vmName}; give the container another name`, { field: 'name' });
    const taken = await r.instances.liveByName(scope, containerName);
    if (taken && taken.id !== inst.id) throw new ApiError('conflict', `name: an instance named ${containerName} exists in this account`, { field: 'name' });
    if (vmName !== inst.name && (await r.instances.liveByName(scope, vmName))) {
      throw new ApiError('conflict', `name: the VM would be renamed ${vmName}, but an instance of that name exists; rename it or give the container another name`, { field: 'name' });
    }
    const imageName = conversionImageName(containerName);
    if (imageName.length > 63) throw new ApiError('bad_request', `name: ${containerName} is too long for its image ${imageName}`, { field: 'name' });
    const existing = await r.db.selectFrom('images').selectAll().where('accountId', '=', scope.accountId).where('name', '=', imageName).executeTakeFirst();
    const existingDefault = existing ? await r.imageVersions.defaultOf(existing) : undefined;
    if (existingDefault && existingDefault.format !== 'rootfs-tar') {
      throw new ApiError('conflict', `name: image ${imageName} exists and holds a VM's disk, not a container's root file system; rename it or give the container another name`, { field: 'name' });
    }

    const source = inst.imageVersionId ? await r.imageVersions.getAny(inst.imageVersionId) : undefined;
    const sourceImage = inst.imageId ? await r.db.selectFrom('images').selectAll().where('id', '=', inst.imageId).executeTakeFirst() : undefined;
    return this.capture.createVersion(scope, { name: imageName, description: `root file system of VM ${inst.name}, converted to a container` }, {
      sourceName: inst.name, source, sourceImage, minDiskGiB: inst.rootDiskGiB,
      sourceInstanceId: inst.id, sourceSnapshotId: null, idempotencyKey, hash, format: 'rootfs-tar', opKind: 'instance.convert',
      // The container's id is chosen now: the step that makes it is idempotent (done when it exists).
      // keep (default true): the VM stays, stopped and renamed, so the conversion can be undone;
      // keep: false deletes it once the container is made (controller/image-capture-reconciler.ts).
      params: { instanceId: inst.id, containerId: newId('instance', this.clock.now()), containerName, vmName, keep: body.keep !== false },
    });
  }
}

import { actionCapabilities, checkInstanceAction, instanceTypeOfImageFormat, newId, type Clock, type InstanceAction } from '@kumo/core';
import { checkImageMinimums } from './image-properties.ts';
import { ApiError, type InstanceCreate } from '@kumo/api';
import type { ImageRow, ImageVersionRow, InstanceRow, OperationRow, Repos, Scope, VolumeRow } from '@kumo/db';
import { checkPinning } from './dedication-service.ts';
import { resolveLaunchVersion } from './image-version-service.ts';
import type { Notifier } from './notifier.ts';
import type { EventLog } from './event-log.ts';
import { requestHash, type OperationService } from './operation-service.ts';
import { allocateNics, defaultNics } from './network-nic-service.ts';
import { publishNetworkChanges } from './network-tx.ts';
import { enforceQuota } from './quota-service.ts';

export interface ActionParams { force?: boolean | undefined; timeoutSec?: number | undefined }

/** What the API may do to instances: write `desired`, create operations. Never `phase` or `task`. */
export class InstanceService {
  constructor(
    private readonly repos: Repos,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  async get(scope: Scope, id: string): Promise<InstanceRow> {
    const row = await this.repos.instances.get(scope, id);
    if (!row || row.phase === 'deleted') throw new ApiError('not_found', `instance ${id} not found`);
    return row;
  }

  /** The disks of an instance the caller may see, in id order. */
  async volumes(scope: Scope, id: string): Promise<VolumeRow[]> {
    const row = await this.get(scope, id);
    return this.repos.volumes.listOfInstance(scope, row.id);
  }

  async create(scope: Scope, body: InstanceCreate, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['instance.create', body]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;

    const r = this.repos;
    const zone = await r.zones.get(scope, body.zoneId);
    if (!zone) throw new ApiError('bad_request', `zone ${body.zoneId} does not exist`, { field: 'zoneId' });
    const { image, version } = await this.launchImage(scope, body);
    const offering = await r.offerings.get(scope, body.offeringId);
    if (!offering) throw new ApiError('bad_request', `offering ${body.offeringId} does not exist`, { field: 'offeringId' });
    if (body.keypairId && !(await r.keypairs.get(scope, body.keypairId))) {
      throw new ApiError('bad_request', `key pair ${body.keypairId} does not exist`, { field: 'keypairId' });
    }
    await checkPinning(r, scope, body);
    if (body.podId) {
      const pod = await r.pods.get(scope, body.podId);
      if (!pod || pod.zoneId !== zone.id) throw new ApiError('bad_request', `pod ${body.podId} is not in zone ${zone.name}`, { field: 'podId' });
    }
    if (body.clusterId) {
      const cl = await r.clusters.get(scope, body.clusterId);
      if (!cl || cl.zoneId !== zone.id) throw new ApiError('bad_request', `cluster ${body.clusterId} is not in zone ${zone.name}`, { field: 'clusterId' });
    }
    const groups = [...new Set(body.affinityGroupIds ?? [])];
    for (const g of groups) {
      if (!(await r.affinityGroups.get(scope, g))) throw new ApiError('bad_request', `affinity group ${g} does not exist`, { field: 'affinityGroupIds' });
    }
    const type = instanceTypeOfImageFormat(version.format);
    if (body.type !== undefined && body.type !== type) {
      throw new ApiError('bad_request', `type: image ${image.name} (${version.format}) makes a ${type === 'vm' ? 'VM' : 'container'}; containers need a 'rootfs-tar' image, VMs any other`, { field: 'type' });
    }
    checkImageMinimums(image, { memoryMiB: offering.memoryMiB, diskSizeGiB: body.diskSizeGiB });
    const rootDiskGiB = Math.max(body.diskSizeGiB ?? offering.rootDiskGiB, image.minDiskGiB);
    const fromIso = image.kind === 'iso';
    if (await r.instances.liveByName(scope, body.name)) throw new ApiError('conflict', `an instance named ${body.name} exists in this account`, { field: 'name' });

    const id = newId('instance', this.clock.now());
    const now = this.iso();
    const row: InstanceRow = {
      id, accountId: scope.accountId, name: body.name, zoneId: zone.id, podId: body.podId ?? null, clusterId: body.clusterId ?? null,
      hostId: null, poolId: null, imageId: image.id, imageVersionId: version.id, offeringId: offering.id, keypairId: body.keypairId ?? null,
      vcpus: offering.vcpus, memoryMiB: offering.memoryMiB, rootDiskGiB, hostTags: JSON.stringify(body.hostTags ?? []),
      userData: body.userData ?? '', configDrive: body.configDrive === true ? 1 : 0,
      ...(body.graphicalConsole !== undefined ? { graphicalConsole: body.graphicalConsole ? 1 : 0 } : {}), desired: body.start === false ? 'stopped' : 'running', phase: 'pending', task: null,
      observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: now, updatedAt: now, deletedAt: null,
      // An ISO install: a blank root disk, the ISO in the CD-ROM drive, booted first.
      cdrom: fromIso ? 1 : 0, cdromImageId: fromIso ? image.id : null, cdromImageVersionId: fromIso ? version.id : null, bootDevice: fromIso ? 'cdrom' : 'disk',
      ha: (body.ha ?? offering.ha === 1) ? 1 : 0, haPriority: body.haPriority ?? 0,
      ...(body.metadataHttpTokens === 'required' ? { metadataHttpTokens: 'required' as const } : {}),
      type,
    };
    const op = this.ops.newRow({ accountId: scope.accountId, kind: 'instance.create', resourceType: 'instance', resourceId: id, idempotencyKey, requestHash: hash });
    let nicNetworks: string[] = [];
    try {
      await r.db.transaction().execute(async (trx) => {
        await enforceQuota(trx, scope.accountId, { instances: 1, vcpus: row.vcpus, memoryMiB: row.memoryMiB });
        await r.instances.insert(row, trx);
        nicNetworks = (await allocateNics(trx, scope, id, body.nics ?? (await defaultNics(trx, scope, zone.id)), { nowIso: now })).map((n) => n.networkId);
        await r.instances.addToAffinityGroups(id, groups, trx);
        await r.operations.insert(op, trx);
        await this.events.record({ accountId: scope.accountId, resourceType: 'instance', resourceId: id, kind: 'instance.created', message: `instance ${body.name} created` }, trx);
      });
    } catch (e) {
      // Two identical retries raced: the other one stored the operation first.
      if (idempotencyKey && /unique|duplicate/i.test(String(e))) {
        const again = await this.ops.replay(scope.accountId, idempotencyKey, hash);
        if (again) return again;
      }
      throw e;
    }
    this.notifier.publish({ kind: 'instance', id, accountId: scope.accountId });
    await publishNetworkChanges(this.notifier, r.db, nicNetworks);
    return op;
  }

  /**
   * What the instance is made from: a template (`imageId`, its default version or the one named by
   * `imageVersionId` / `imageVersion`), or an ISO to install from (`isoImageId`, onto a blank root disk).
   */
  private async launchImage(scope: Scope, body: InstanceCreate): Promise<{ image: ImageRow; version: ImageVersionRow }> {
    const r = this.repos;
    if (body.imageId && body.isoImageId) throw new ApiError('bad_request', 'give imageId (a template) or isoImageId (an ISO install), not both', { field: 'isoImageId' });
    if (body.isoImageId) {
      const iso = await r.images.get(scope, body.isoImageId);
      if (!iso) throw new ApiError('bad_request', `image ${body.isoImageId} does not exist`, { field: 'isoImageId' });
      if (iso.kind !== 'iso') throw new ApiError('bad_request', `image ${iso.name} is a ${iso.kind}, not an ISO`, { field: 'isoImageId' });
      return { image: iso, version: await resolveLaunchVersion(r, iso, { versionId: body.imageVersionId, label: body.imageVersion }, 'isoImageId') };
    }
    if (!body.imageId) throw new ApiError('bad_request', 'name the image to launch (imageId) or an ISO to install from (isoImageId)', { field: 'imageId' });
    const image = await r.images.get(scope, body.imageId);
    if (!image) throw new ApiError('bad_request', `image ${body.imageId} does not exist`, { field: 'imageId' });
    if (image.kind === 'iso') throw new ApiError('bad_request', `image ${image.name} is an ISO: install from it with isoImageId (and diskSizeGiB)`, { field: 'imageId' });
    return { image, version: await resolveLaunchVersion(r, image, { versionId: body.imageVersionId, label: body.imageVersion }, 'imageId') };
  }

  /** Refuse, before asking anything of the host, an action the instance's host cannot do. */
  private async requireCapability(inst: InstanceRow, action: InstanceAction): Promise<void> {
    const capability = actionCapabilities[action];
    if (!capability || !inst.hostId) return;
    const host = await this.repos.hosts.capabilitiesOf(inst.hostId);
    if (host && !host.capabilities.includes(capability)) {
      throw new ApiError('capability_missing', `host ${host.name} (${host.hypervisor}) cannot ${action} instances: it lacks the capability ${capability}`, { capability, hostId: inst.hostId });
    }
  }

  /** start, stop, reboot, pause, resume, delete: check the lifecycle table, write desired with CAS. */
  async act(scope: Scope, id: string, action: InstanceAction, params: ActionParams, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash([`instance.${action}`, id, params]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const inst = await this.get(scope, id);
    const active = await this.repos.operations.activeFor(id);
    const busyTask = inst.task ?? (active.length > 0 ? 'busy' : null);
    const check = checkInstanceAction(inst.phase, busyTask as InstanceRow['task'], action);
    if (!check.ok) throw new ApiError(check.code, check.reason, { phase: inst.phase, task: inst.task });
    const capture = await this.repos.imageVersions.captureOf(inst.id);
    if (capture) throw new ApiError('instance_busy', `instance ${inst.name} is being captured into an image (version ${capture.id}); ${action} it when the capture has ended`, { phase: inst.phase, task: inst.task });
    await this.requireCapability(inst, action);
    const op = this.ops.newRow({ accountId: scope.accountId, kind: `instance.${action}`, resourceType: 'instance', resourceId: id, params, idempotencyKey, requestHash: hash });
    await this.repos.db.transaction().execute(async (trx) => {
      const wanted = check.desired ? { desired: check.desired } : {};
      if (!(await this.repos.instances.requestDesired(scope, id, inst.version, wanted, this.iso(), trx))) {
        throw new ApiError('conflict', 'the instance changed while this request was handled; retry');
      }
      if (action === 'delete') await this.repos.operations.cancelSuperseded(active.map((a) => a.id), 'superseded by delete', this.iso(), trx);
      await this.repos.operations.insert(op, trx);
      await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: id, kind: `instance.${action}.requested`, message: `${action} requested` }, trx);
    });
    this.notifier.publish({ kind: 'instance', id, accountId: inst.accountId });
    return op;
  }
}

import { KeyedMutex, type Clock } from '@kumo/core';
import { ApiError, type InstanceCdromInsert } from '@kumo/api';
import type { ImageRow, ImageVersionRow, InstanceRow, Repos, Scope } from '@kumo/db';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import { resolveLaunchVersion } from './image-version-service.ts';
import { imageRefOf } from './image-ref.ts';

/** Phases in which a QEMU process holds the drive: a change goes to the host first. */
const liveDrivePhases: ReadonlySet<InstanceRow['phase']> = new Set(['running', 'paused']);

/**
 * An instance's CD-ROM drive and boot order. A stopped instance changes in the database only (the
 * next start sends spec.cdrom and the ISO); a running one asks its host first (instance.changeMedium,
 * capability `cdrom`) and records the change only when the host did it. A running instance without
 * a drive cannot get one (stop it first). Changes to one instance are serialized.
 */
export class InstanceCdromService {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly repos: Repos, private readonly gateway: AgentGateway, private readonly events: EventLog,
    private readonly notifier: Notifier, private readonly clock: Clock, private readonly callTimeoutMs = 60_000,
  ) {}

  private now(): string { return new Date(this.clock.now()).toISOString(); }

  private async load(scope: Scope, id: string): Promise<InstanceRow> {
    const inst = await this.repos.instances.get(scope, id);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${id} not found`);
    if (inst.task !== null) throw new ApiError('instance_busy', `instance ${inst.name} is ${inst.task}; change its CD-ROM when that has ended`, { phase: inst.phase, task: inst.task });
    return inst;
  }

  /** The host call for a live guest, refused up front when the host cannot change media. */
  private async changeOnHost(inst: InstanceRow, iso: ImageVersionRow | null): Promise<void> {
    if (!inst.hostId) throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.phase} on no host`);
    const host = await this.repos.hosts.capabilitiesOf(inst.hostId);
    if (!host?.capabilities.includes('cdrom')) {
      throw new ApiError('capability_missing', `host ${host?.name ?? inst.hostId} cannot change a running guest's CD-ROM: it lacks the capability cdrom; stop the instance first`, { capability: 'cdrom', hostId: inst.hostId });
    }
    if (!this.gateway.isConnected(inst.hostId)) throw new ApiError('host_unavailable', `host ${host.name} is not connected; try again, or stop the instance first`);
    await this.gateway.call(inst.hostId, 'instance.changeMedium', { instanceId: inst.id, iso: iso ? imageRefOf(iso) : null }, this.callTimeoutMs);
  }

  private async record(inst: InstanceRow, patch: Partial<Pick<InstanceRow, 'cdrom' | 'cdromImageId' | 'cdromImageVersionId' | 'bootDevice'>>, kind: string, message: string): Promise<InstanceRow> {
    await this.repos.instances.setCdrom(inst.id, patch, this.now());
    await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind, message });
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    return (await this.repos.instances.getAny(inst.id))!;
  }

  /** Put an ISO (one the caller may see) into the drive; a stopped instance without a drive gets one. */
  async insert(scope: Scope, id: string, b: InstanceCdromInsert): Promise<InstanceRow> {
    return this.mutex.run(id, async () => {
      const inst = await this.load(scope, id);
      const image: ImageRow | undefined = await this.repos.images.get(scope, b.imageId);
      if (!image) throw new ApiError('not_found', `image ${b.imageId} not found`);
      if (image.kind !== 'iso') throw new ApiError('bad_request', `image ${image.name} is a ${image.kind}, not an ISO`, { field: 'imageId' });
      const version = await resolveLaunchVersion(this.repos, image, { versionId: b.imageVersionId }, 'imageId');
      if (liveDrivePhases.has(inst.phase)) {
        if (inst.cdrom !== 1) throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.phase} without a CD-ROM drive; stop it to add one`, { phase: inst.phase });
        await this.changeOnHost(inst, version);
      }
      return this.record(inst, { cdrom: 1, cdromImageId: image.id, cdromImageVersionId: version.id }, 'instance.cdrom.inserted', `ISO ${image.name} version ${version.version} inserted`);
    });
  }

  /** Empty the drive (the drive stays; idempotent). */
  async eject(scope: Scope, id: string): Promise<InstanceRow> {
    return this.mutex.run(id, async () => {
      const inst = await this.load(scope, id);
      if (inst.cdrom !== 1 || !inst.cdromImageVersionId) return inst;
      if (liveDrivePhases.has(inst.phase)) await this.changeOnHost(inst, null);
      return this.record(inst, { cdromImageId: null, cdromImageVersionId: null }, 'instance.cdrom.ejected', 'ISO ejected');
    });
  }

  /** What the firmware boots first from the next start on: the root disk or the CD-ROM. */
  async setBootDevice(scope: Scope, id: string, bootDevice: 'disk' | 'cdrom'): Promise<InstanceRow> {
    return this.mutex.run(id, async () => {
      const inst = await this.load(scope, id);
      if (bootDevice === 'cdrom' && inst.cdrom !== 1) throw new ApiError('bad_request', `instance ${inst.name} has no CD-ROM drive: insert an ISO first`, { field: 'bootDevice' });
      if ((inst.bootDevice ?? 'disk') === bootDevice) return inst;
      return this.record(inst, { bootDevice }, 'instance.boot-device.changed', `boots from the ${bootDevice === 'cdrom' ? 'CD-ROM' : 'disk'} first (from the next start)`);
    });
  }
}

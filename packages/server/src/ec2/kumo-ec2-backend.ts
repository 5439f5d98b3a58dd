import { ApiError, type NicRequest } from '@kumo/api';
import type { Page, PageRequest, Scope } from '@kumo/db';
import type {
  AddressView, Ec2Backend, Ec2Caller, ImageView, InstanceTypeView, InstanceView, KeypairView, NetworkView, RunSpec,
  SecurityGroupRuleSpec, SecurityGroupView, SnapshotView, TagView, VolumeView, ZoneView,
} from '@kumo/ec2';
import type { ServerContext } from '../context.ts';
import type { Principal } from '../services/auth-service.ts';
import type { Ec2CredentialService } from '../services/ec2-credential-service.ts';
import type { Ec2TagService } from '../services/ec2-tag-service.ts';
import type { NetworkDeps } from '../services/network-tx.ts';
import { NetworkService } from '../services/network-service.ts';
import { PublicIpService } from '../services/network-public-ip-service.ts';
import { SecurityGroupService } from '../services/network-secgroup-service.ts';
import { InstanceResizeService } from '../services/instance-resize-service.ts';
import { InstanceMetadataOptionsService } from '../services/instance-metadata-options-service.ts';

/** An EC2 caller: the key owner's principal (account scope, never admin-wide). */
export interface KumoEc2Caller extends Ec2Caller { principal: Principal; scope: Scope }

export interface KumoEc2BackendOptions {
  regionName: string;
  /** The URL clients reach the EC2 endpoint at (DescribeRegions). */
  endpoint: string;
  /** How long terminated instances stay visible (EC2: about an hour). */
  terminatedVisibleMs: number;
}

/** Every page of a cursor-paginated list. */
async function all<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const p = await list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...p.items);
    if (!p.nextCursor) return out;
    cursor = p.nextCursor;
  }
}

const ipToInt = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);

/**
 * The EC2 facade's backend over Kumo's services: reads through the scoped repositories (as the
 * REST routes do), every change through a service, so quotas, events, operations and checks are
 * the REST API's own.
 */
export class KumoEc2Backend implements Ec2Backend<KumoEc2Caller> {
  private readonly groups: SecurityGroupService;
  private readonly publicIps: PublicIpService;
  private readonly networkService: NetworkService;
  private readonly resizer: InstanceResizeService;
  private readonly metadataOptions: InstanceMetadataOptionsService;

  constructor(private readonly ctx: ServerContext, private readonly creds: Ec2CredentialService, private readonly tagService: Ec2TagService, private readonly opts: KumoEc2BackendOptions) {
    const deps: NetworkDeps = { repos: ctx.repos, clock: ctx.clock, notifier: ctx.notifier, events: ctx.events };
    this.groups = new SecurityGroupService(deps);
    this.publicIps = new PublicIpService(deps);
    this.networkService = new NetworkService(deps);
    this.resizer = new InstanceResizeService(ctx.repos, ctx.events, ctx.notifier, ctx.clock);
    this.metadataOptions = new InstanceMetadataOptionsService(ctx.repos, ctx.events, ctx.notifier, ctx.clock);
  }

  private get repos() { return this.ctx.repos; }

  async credential(accessKeyId: string): Promise<{ secret: string; caller: KumoEc2Caller } | null> {
    const owner = await this.creds.resolve(accessKeyId);
    if (!owner) return null;
    const p = owner.principal;
    return { secret: owner.secret, caller: { accountId: p.scope.accountId, readOnly: p.readOnly, principal: p, scope: p.scope } };
  }

  region(): { name: string; endpoint: string } { return { name: this.opts.regionName, endpoint: this.opts.endpoint }; }

  async zones(): Promise<ZoneView[]> {
    return (await all((pg) => this.repos.zones.list({ accountId: '', admin: true }, { ...pg, sort: 'name' }))).map((z) => ({ id: z.id, name: z.name }));
  }

  private async zoneByName(name: string | undefined): Promise<{ id: string; name: string }> {
    const zones = await this.zones();
    const z = name === undefined ? zones[0] : zones.find((x) => x.name === name);
    if (!z) throw new ApiError('bad_request', name === undefined ? 'this cloud has no zone yet' : `availability zone ${name} does not exist`, { field: 'zone' });
    return z;
  }

  async instanceTypes(): Promise<InstanceTypeView[]> {
    const offerings = await all((pg) => this.repos.offerings.list({ accountId: '', admin: true }, pg));
    return offerings.sort((a, b) => a.memoryMiB - b.memoryMiB || a.vcpus - b.vcpus || a.name.localeCompare(b.name))
      .map((o) => ({ name: o.name, vcpus: o.vcpus, memoryMiB: o.memoryMiB, rootDiskGiB: o.rootDiskGiB }));
  }

  async images(c: KumoEc2Caller): Promise<ImageView[]> {
    const images = (await all((pg) => this.repos.images.list(c.scope, pg))).filter((i) => i.kind === 'template');
    const out: ImageView[] = [];
    for (const img of images) {
      for (const v of await this.repos.imageVersions.ofImage(img.id)) {
        out.push({
          versionId: v.id, imageId: img.id, name: img.name, version: v.version, description: img.description, ownerAccountId: img.accountId,
          public: img.public === 1, state: v.state, osType: img.osType, minDiskGiB: img.minDiskGiB, createdAt: v.createdAt,
        });
      }
    }
    return out;
  }

  async createImage(c: KumoEc2Caller, instanceId: string, name: string, description: string): Promise<string> {
    const op = await this.ctx.catalog.imageCapture.capture(c.scope, instanceId, { name, ...(description ? { description: description.slice(0, 255) } : {}) });
    return op.resourceId;
  }

  async deregisterImage(c: KumoEc2Caller, versionId: string): Promise<void> {
    const v = await this.repos.imageVersions.getAny(versionId);
    const image = v ? await this.repos.images.get(c.scope, v.imageId) : undefined;
    if (!v || !image || image.accountId !== c.accountId) throw new ApiError('not_found', `image ${versionId} not found`);
    const versions = await this.repos.imageVersions.ofImage(image.id);
    if (versions.length === 1) await this.ctx.catalog.images.delete(c.scope, image.id);
    else await this.ctx.catalog.imageVersions.deleteVersion(c.scope, image.id, versionId, undefined);
  }

  async runInstances(c: KumoEc2Caller, spec: RunSpec): Promise<{ ids: string[]; error: unknown }> {
    const zone = await this.zoneByName(spec.zoneName);
    const offering = (await all((pg) => this.repos.offerings.list(c.scope, pg, { name: spec.offeringName })))[0];
    if (!offering) throw new ApiError('bad_request', `instance type ${spec.offeringName} does not exist`, { field: 'InstanceType' });
    const version = await this.repos.imageVersions.getAny(spec.imageVersionId);
    const image = version ? await this.repos.images.get(c.scope, version.imageId) : undefined;
    if (!version || !image) throw new ApiError('not_found', `image ${spec.imageVersionId} not found`);
    let keypairId: string | undefined;
    if (spec.keypairName !== undefined) {
      const kp = (await all((pg) => this.repos.keypairs.list(c.scope, pg, { name: spec.keypairName })))[0];
      if (!kp) throw new ApiError('bad_request', `The key pair '${spec.keypairName}' does not exist`, { field: 'KeyName' });
      keypairId = kp.id;
    }
    let nics: NicRequest[] | undefined;
    if (spec.networkId !== undefined || spec.securityGroupIds.length > 0) {
      const networkId = spec.networkId ?? (await all((pg) => this.repos.networks.list(c.scope, pg, { zoneId: zone.id, name: 'default' })))[0]?.id;
      if (!networkId) throw new ApiError('bad_request', 'name a subnet (SubnetId): this account has no network named default in the zone', { field: 'SubnetId' });
      nics = [{ networkId, ...(spec.securityGroupIds.length > 0 ? { securityGroupIds: spec.securityGroupIds } : {}) }];
    }
    const ids: string[] = [];
    for (let n = 1; n <= spec.count; n++) {
      try {
        const op = await this.ctx.instances.create(c.scope, {
          name: `${spec.namePrefix}-${n}`, zoneId: zone.id, imageId: image.id, imageVersionId: version.id, offeringId: offering.id,
          ...(keypairId ? { keypairId } : {}), ...(spec.userData !== undefined ? { userData: spec.userData } : {}), ...(nics ? { nics } : {}), start: spec.start,
          ...(spec.metadataHttpTokens ? { metadataHttpTokens: spec.metadataHttpTokens } : {}),
        });
        ids.push(op.resourceId);
      } catch (error) {
        return { ids, error };
      }
    }
    return { ids, error: undefined };
  }

  async instances(c: KumoEc2Caller, q: { cursor: string | null; limit: number; ids?: string[] }): Promise<{ items: InstanceView[]; nextCursor: string | null }> {
    const deletedSince = new Date(this.ctx.clock.now() - this.opts.terminatedVisibleMs).toISOString();
    const page = await this.repos.ec2InstanceViews.page(c.scope, { afterId: q.cursor, limit: q.limit, deletedSince, ...(q.ids ? { ids: q.ids } : {}) });
    const [zones, types, keys] = await Promise.all([this.zones(), all((pg) => this.repos.offerings.list(c.scope, pg)), this.keypairs(c)]);
    const zoneName = new Map(zones.map((z) => [z.id, z.name]));
    const typeName = new Map(types.map((o) => [o.id, o.name]));
    const keyName = new Map(keys.map((k) => [k.id, k.name]));
    const items = page.items.map(({ instance: i, nics, volumes }): InstanceView => ({
      id: i.id, accountId: i.accountId, name: i.name, zoneName: zoneName.get(i.zoneId) ?? i.zoneId, phase: i.phase, desired: i.desired, task: i.task,
      offeringName: i.offeringId ? typeName.get(i.offeringId) ?? null : null, imageVersionId: i.imageVersionId, keypairName: i.keypairId ? keyName.get(i.keypairId) ?? null : null,
      vcpus: i.vcpus, memoryMiB: i.memoryMiB, createdAt: i.createdAt, deletedAt: i.deletedAt, errorReason: i.errorReason,
      metadataHttpTokens: i.metadataHttpTokens ?? 'optional', nics, volumes,
    }));
    return { items, nextCursor: page.more ? items[items.length - 1]!.id : null };
  }

  async instanceAction(c: KumoEc2Caller, id: string, action: 'start' | 'stop' | 'reboot' | 'delete', force: boolean): Promise<void> {
    await this.ctx.instances.act(c.scope, id, action, force ? { force: true } : {});
  }

  async resizeInstance(c: KumoEc2Caller, id: string, offeringName: string): Promise<void> {
    const offering = (await all((pg) => this.repos.offerings.list(c.scope, pg, { name: offeringName })))[0];
    if (!offering) throw new ApiError('bad_request', `instance type ${offeringName} does not exist`, { field: 'InstanceType' });
    await this.resizer.resize(c.scope, id, offering.id);
  }

  async setMetadataHttpTokens(c: KumoEc2Caller, id: string, httpTokens: 'required' | 'optional'): Promise<void> {
    await this.metadataOptions.setHttpTokens(c.scope, id, httpTokens);
  }

  async consoleOutput(c: KumoEc2Caller, id: string): Promise<string> {
    const inst = await this.ctx.instances.get(c.scope, id);
    if (!inst.hostId || !this.ctx.gateway.isConnected(inst.hostId)) return '';
    const b64 = await this.ctx.gateway.call(inst.hostId, 'instance.consoleLog', { instanceId: inst.id }, 15_000) as string;
    return Buffer.from(b64, 'base64').toString('utf8');
  }

  async keypairs(c: KumoEc2Caller): Promise<KeypairView[]> {
    return (await all((pg) => this.repos.keypairs.list(c.scope, pg))).map((k) => ({ id: k.id, name: k.name, fingerprint: k.fingerprint, publicKey: k.publicKey, createdAt: k.createdAt }));
  }

  async importKeypair(c: KumoEc2Caller, name: string, publicKey: string): Promise<KeypairView> {
    if (!/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/.test(publicKey)) throw new ApiError('bad_request', 'PublicKeyMaterial is not an OpenSSH public key', { field: 'PublicKeyMaterial' });
    if ((await all((pg) => this.repos.keypairs.list(c.scope, pg, { name }))).length > 0) throw new ApiError('conflict', `The keypair '${name}' already exists.`);
    const k = await this.ctx.catalog.keypairs.createKeypair(c.scope, { name, publicKey });
    return { id: k.id, name: k.name, fingerprint: k.fingerprint, publicKey: k.publicKey, createdAt: k.createdAt };
  }

  async deleteKeypair(c: KumoEc2Caller, id: string): Promise<void> { await this.ctx.catalog.keypairs.deleteKeypair(c.scope, id); }

  async securityGroups(c: KumoEc2Caller): Promise<SecurityGroupView[]> {
    const groups = await all((pg) => this.repos.securityGroups.list(c.scope, pg));
    const rules = await this.groups.rulesOf(groups.map((g) => g.id));
    return groups.map((g) => ({
      id: g.id, accountId: g.accountId, name: g.name, description: g.description,
      rules: (rules.get(g.id) ?? []).map((r) => ({
        id: r.id, direction: r.direction, protocol: r.protocol, portStart: r.portStart, portEnd: r.portEnd,
        icmpType: r.icmpType, icmpCode: r.icmpCode, cidr: r.cidr, remoteGroupId: r.remoteGroupId,
      })),
    }));
  }

  async createSecurityGroup(c: KumoEc2Caller, name: string, description: string): Promise<string> {
    return (await this.groups.create(c.scope, { name, description: description.slice(0, 255) })).id;
  }

  async deleteSecurityGroup(c: KumoEc2Caller, id: string): Promise<void> { await this.groups.delete(c.scope, id); }

  async addSecurityGroupRule(c: KumoEc2Caller, groupId: string, r: SecurityGroupRuleSpec): Promise<string> {
    const row = await this.groups.addRule(c.scope, groupId, {
      direction: r.direction, protocol: r.protocol,
      ...(r.portStart !== undefined && r.portEnd !== undefined ? { ports: { from: r.portStart, to: r.portEnd } } : {}),
      ...(r.icmpType !== undefined ? { icmpType: r.icmpType } : {}), ...(r.icmpCode !== undefined ? { icmpCode: r.icmpCode } : {}),
      ...(r.cidr !== undefined ? { cidr: r.cidr } : {}), ...(r.remoteGroupId !== undefined ? { remoteGroupId: r.remoteGroupId } : {}),
    });
    return row.id;
  }

  async deleteSecurityGroupRule(c: KumoEc2Caller, groupId: string, ruleId: string): Promise<void> { await this.groups.deleteRule(c.scope, groupId, ruleId); }

  async addresses(c: KumoEc2Caller): Promise<AddressView[]> {
    const ips = (await all((pg) => this.repos.publicIps.list(c.scope, pg))).filter((ip) => ip.sourceNat === 0);
    const out: AddressView[] = [];
    for (const ip of ips) {
      const nic = ip.staticNatNicId ? await this.repos.nics.get(c.scope, ip.staticNatNicId) : undefined;
      out.push({ id: ip.id, accountId: ip.accountId, address: ip.address, networkId: ip.networkId, nicId: ip.staticNatNicId, instanceId: nic?.instanceId ?? null, privateIp: nic?.ip ?? null });
    }
    return out;
  }

  /** An Elastic IP belongs to one of the account's isolated networks: the one named default, else the first. */
  async allocateAddress(c: KumoEc2Caller, networkId: string | undefined): Promise<AddressView> {
    const nets = (await all((pg) => this.repos.networks.list(c.scope, pg))).filter((n) => n.kind === 'isolated' && n.accountId === c.accountId);
    const net = networkId ? nets.find((n) => n.id === networkId) : nets.find((n) => n.name === 'default') ?? nets[0];
    if (!net) throw new ApiError('bad_request', 'an Elastic IP is NATed by the router of an isolated network: create a VPC (network) first', { field: 'Domain' });
    const ip = await this.publicIps.allocate(c.scope, { networkId: net.id });
    return { id: ip.id, accountId: ip.accountId, address: ip.address, networkId: ip.networkId, nicId: null, instanceId: null, privateIp: null };
  }

  async releaseAddress(c: KumoEc2Caller, id: string): Promise<void> { await this.publicIps.release(c.scope, id); }

  async associateAddress(c: KumoEc2Caller, id: string, instanceId: string): Promise<void> {
    const ip = await this.repos.publicIps.get(c.scope, id);
    if (!ip) throw new ApiError('not_found', `public IP ${id} not found`);
    await this.ctx.instances.get(c.scope, instanceId);
    const nics = await all((pg) => this.repos.nics.list(c.scope, pg, { instanceId }));
    const nic = nics.find((n) => n.networkId === ip.networkId);
    if (!nic) throw new ApiError('bad_request', `instance ${instanceId} has no NIC on the network of ${ip.address}`, { field: 'InstanceId' });
    await this.publicIps.enableStaticNat(c.scope, id, nic.id);
  }

  async disassociateAddress(c: KumoEc2Caller, id: string): Promise<void> { await this.publicIps.disableStaticNat(c.scope, id); }

  async volumes(c: KumoEc2Caller): Promise<VolumeView[]> {
    const [vols, pools, zones] = await Promise.all([all((pg) => this.repos.volumes.list(c.scope, pg)), all((pg) => this.repos.pools.list({ accountId: '', admin: true }, pg)), this.zones()]);
    const zoneOfPool = new Map(pools.map((p) => [p.id, zones.find((z) => z.id === p.zoneId)?.name ?? p.zoneId]));
    return vols.filter((v) => v.phase !== 'deleted').map((v) => ({
      id: v.id, accountId: v.accountId, name: v.name ?? '', zoneName: zoneOfPool.get(v.poolId) ?? '', sizeGiB: v.sizeGiB, kind: v.kind, phase: v.phase, task: v.task,
      instanceId: v.instanceId, pciSlot: v.pciSlot, sourceSnapshotId: v.sourceSnapshotId ?? null, createdAt: v.createdAt, updatedAt: v.updatedAt,
    }));
  }

  async createVolume(c: KumoEc2Caller, b: { name: string; zoneName: string | undefined; sizeGiB: number | undefined; snapshotId: string | undefined }): Promise<string> {
    const zone = await this.zoneByName(b.zoneName);
    const op = await this.ctx.storage.volumes.create(c.scope, { name: b.name, zoneId: zone.id, ...(b.sizeGiB !== undefined ? { sizeGiB: b.sizeGiB } : {}), ...(b.snapshotId ? { snapshotId: b.snapshotId } : {}) });
    return op.resourceId;
  }

  async attachVolume(c: KumoEc2Caller, id: string, instanceId: string): Promise<void> { await this.ctx.storage.volumeDevices.attach(c.scope, id, instanceId); }
  async detachVolume(c: KumoEc2Caller, id: string): Promise<void> { await this.ctx.storage.volumeDevices.detach(c.scope, id); }
  async deleteVolume(c: KumoEc2Caller, id: string): Promise<void> { await this.ctx.storage.volumes.delete(c.scope, id); }
  async resizeVolume(c: KumoEc2Caller, id: string, sizeGiB: number): Promise<void> { await this.ctx.storage.volumeDevices.resize(c.scope, id, sizeGiB); }

  async snapshots(c: KumoEc2Caller): Promise<SnapshotView[]> {
    return (await all((pg) => this.repos.snapshots.list(c.scope, pg))).filter((s) => s.phase !== 'deleted').map((s) => ({
      id: s.id, accountId: s.accountId, volumeId: s.volumeId, name: s.name, sizeGiB: s.sizeGiB, phase: s.phase, task: s.task, createdAt: s.createdAt, errorReason: s.errorReason,
    }));
  }

  async createSnapshot(c: KumoEc2Caller, volumeId: string, name: string): Promise<string> {
    return (await this.ctx.storage.snapshots.create(c.scope, volumeId, name)).resourceId;
  }

  async deleteSnapshot(c: KumoEc2Caller, id: string): Promise<void> { await this.ctx.storage.snapshots.delete(c.scope, id); }

  async networks(c: KumoEc2Caller): Promise<NetworkView[]> {
    const [nets, zones] = await Promise.all([all((pg) => this.repos.networks.list(c.scope, pg)), this.zones()]);
    return nets.map((n) => ({
      id: n.id, accountId: n.accountId, name: n.name, zoneName: zones.find((z) => z.id === n.zoneId)?.name ?? n.zoneId, cidr: n.cidr, gateway: n.gateway,
      kind: n.kind, isDefault: n.name === 'default', freeAddresses: ipToInt(n.rangeEnd) - ipToInt(n.rangeStart) + 1,
    }));
  }

  async createNetwork(c: KumoEc2Caller, b: { name: string; cidr: string; zoneName: string | undefined }): Promise<string> {
    const zone = await this.zoneByName(b.zoneName);
    return (await this.networkService.create(c.principal, { name: b.name, zoneId: zone.id, cidr: b.cidr })).id;
  }

  async deleteNetwork(c: KumoEc2Caller, id: string): Promise<void> {
    const row = await this.repos.networks.getForWrite(c.scope, id);
    if (!row) throw new ApiError('not_found', `network ${id} not found`);
    await this.networkService.delete(c.scope, row);
  }

  async tags(c: KumoEc2Caller, resourceIds?: readonly string[]): Promise<TagView[]> { return this.tagService.list(c.scope, resourceIds); }
  async setTags(c: KumoEc2Caller, resources: Array<{ id: string; type: string }>, tags: Array<{ key: string; value: string }>): Promise<void> { await this.tagService.set(c.scope, resources, tags); }
  async deleteTags(c: KumoEc2Caller, resourceIds: readonly string[], tags: Array<{ key: string; value: string | undefined }>): Promise<void> { await this.tagService.remove(c.scope, resourceIds, tags); }
}

import type { Kysely } from 'kysely';
import { ApiError, type NetworkCreate, type NetworkUpdate } from '@kumo/api';
import {
  allocateVni, cidrContains, cidrsOverlap, formatIpv4, gatewayOf, parseCidr, parseIpv4, usableRange, VXLAN_OVERHEAD_BYTES,
  type Ipv4Cidr,
} from '@kumo/netcfg';
import { isForeignKeyViolation, type Database, type NetworkRow, type NicRow, type RouterRow, type Scope } from '@kumo/db';
import { isoNow, runNetworkTx, type NetworkDeps } from './network-tx.ts';
import { newNetworkId } from './network-ids.ts';
import { lockRow, netcfg, retryOnConflict } from './network-errors.ts';
import { physicalNetworkFor, trafficTypesOf } from './network-infra-service.ts';
import { allocatePublicIp } from './network-public-ip-service.ts';
import { enforceQuota } from './quota-service.ts';

/** RFC 1918: the only blocks an isolated (NATed) network may use. */
export const PRIVATE_BLOCKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c));
export const DEFAULT_DNS_DOMAIN = 'cloud.internal';

export function isPrivateCidr(c: Ipv4Cidr): boolean {
  return PRIVATE_BLOCKS.some((p) => c.prefix >= p.prefix && cidrContains(p, c.network));
}

interface Principal { scope: Scope; role: string }

/** Guest networks: shared (admin, flat or VLAN on a physical network) and isolated (per account, VXLAN or VLAN, with a router). */
export class NetworkService {
  constructor(private readonly deps: NetworkDeps) {}

  private now(): string { return isoNow(this.deps.clock); }

  /** The router of a network the caller has read, and the address of its source NAT IP. */
  async routerOf(row: NetworkRow): Promise<{ router: Pick<RouterRow, 'id' | 'publicIpId' | 'state' | 'stateReason'> | undefined; snatAddress: string | undefined }> {
    const { repos } = this.deps;
    const router = await repos.routers.ofNetwork(row.id);
    const snatAddress = router?.publicIpId ? (await repos.publicIps.addressesOf([router.publicIpId])).get(router.publicIpId) : undefined;
    return { router, snatAddress };
  }

  /** What a NIC's view adds to NICs the caller has read: its security groups and its network's gateway and CIDR. */
  async nicDetails(rows: readonly NicRow[]): Promise<{ groups: Map<string, string[]>; subnets: Map<string, Pick<NetworkRow, 'gateway' | 'cidr'>> }> {
    const { repos } = this.deps;
    const [groups, subnets] = await Promise.all([repos.nics.groupIds(rows.map((n) => n.id)), repos.networks.subnetsOf(rows.map((n) => n.networkId))]);
    return { groups, subnets };
  }

  async create(p: Principal, b: NetworkCreate): Promise<NetworkRow> {
    const { repos } = this.deps;
    const kind = b.kind ?? 'isolated';
    if (kind === 'shared' && !p.scope.admin) throw new ApiError('forbidden', 'only admins create shared networks', { field: 'kind' });
    const zone = await repos.zones.get(p.scope, b.zoneId);
    if (!zone) throw new ApiError('bad_request', `zone ${b.zoneId} does not exist`, { field: 'zoneId' });

    // Physical network: the zone's guest one unless an admin names another.
    let phys;
    if (b.physicalNetworkId !== undefined) {
      if (!p.scope.admin) throw new ApiError('forbidden', 'only admins choose the physical network', { field: 'physicalNetworkId' });
      phys = await repos.physicalNetworks.get(p.scope, b.physicalNetworkId);
      if (!phys || phys.zoneId !== zone.id) throw new ApiError('bad_request', `physical network ${b.physicalNetworkId} is not in zone ${zone.name}`, { field: 'physicalNetworkId' });
      if (!trafficTypesOf(phys).includes('guest')) throw new ApiError('bad_request', `physical network ${phys.name} does not carry guest traffic`, { field: 'physicalNetworkId' });
    } else {
      phys = await physicalNetworkFor(repos.db, zone.id, 'guest');
      if (!phys) throw new ApiError('bad_request', `zone ${zone.name} has no physical network carrying guest traffic yet (an admin creates one: POST /api/v1/physical-networks)`, { field: 'zoneId' });
    }

    // Addresses.
    const cidr = netcfg('cidr', () => parseCidr(b.cidr));
    if (cidr.prefix < 8 || cidr.prefix > 29) throw new ApiError('bad_request', `${b.cidr}: a guest network is a /8 to /29`, { field: 'cidr' });
    if (kind === 'isolated' && !isPrivateCidr(cidr)) {
      throw new ApiError('bad_request', `${b.cidr} is not a private range: isolated networks use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`, { field: 'cidr' });
    }
    const usable = usableRange(cidr);
    const usableIp = (text: string, f: string) => {
      const v = netcfg(f, () => parseIpv4(text, f));
      if (v < usable.start || v > usable.end) throw new ApiError('bad_request', `${text} is not a usable address of ${b.cidr}`, { field: f });
      return v;
    };
    const gateway = b.gateway !== undefined ? usableIp(b.gateway, 'gateway') : netcfg('cidr', () => gatewayOf(cidr));
    if (kind === 'shared' && !b.ipRange) {
      throw new ApiError('bad_request', 'a shared network hands out addresses from a range the operator set aside on that LAN: give ipRange', { field: 'ipRange' });
    }
    // By default every usable address but the gateway (when it sits at either end of the block).
    let range = { start: usable.start + (gateway === usable.start ? 1 : 0), end: usable.end - (gateway === usable.end ? 1 : 0) };
    if (b.ipRange) {
      range = { start: usableIp(b.ipRange.start, 'ipRange.start'), end: usableIp(b.ipRange.end, 'ipRange.end') };
      if (range.start > range.end) throw new ApiError('bad_request', `the range starts at ${b.ipRange.start}, after its end ${b.ipRange.end}`, { field: 'ipRange' });
      if (range.start === range.end && range.start === gateway) throw new ApiError('bad_request', 'the range holds only the gateway', { field: 'ipRange' });
      if (kind === 'shared' && range.end - range.start < 1) {
        throw new ApiError('bad_request', 'a shared network\'s range needs at least two addresses: the last one is Kumo\'s DHCP and metadata server', { field: 'ipRange' });
      }
      if (kind === 'shared' && range.end === gateway) {
        throw new ApiError('bad_request', `the range must not end at the gateway ${b.gateway ?? ''}: its last address is Kumo's DHCP and metadata server`, { field: 'ipRange.end' });
      }
    }

    // Segment.
    if (kind === 'shared' && b.segment !== undefined) throw new ApiError('bad_request', 'shared networks are bridged to the physical network (optionally tagged with vlan); segment is for isolated networks', { field: 'segment' });
    const segment = kind === 'shared' ? 'flat' as const : (b.segment ?? (b.vlan !== undefined ? 'vlan' : 'vxlan'));
    if (segment === 'vxlan' && b.vlan !== undefined) throw new ApiError('bad_request', 'vlan applies to VLAN-segmented networks: set segment to vlan or leave vlan out', { field: 'vlan' });
    if (segment === 'vxlan' && (phys.vniStart === null || phys.vniEnd === null)) {
      throw new ApiError('no_capacity', `physical network ${phys.name} has no VNI range for isolated networks`, { field: 'segment', resource: 'vni' });
    }
    if (segment === 'vlan') {
      if (phys.vlanStart === null || phys.vlanEnd === null) throw new ApiError('no_capacity', `physical network ${phys.name} has no VLAN range for isolated networks`, { field: 'segment', resource: 'vlan' });
      if (b.vlan !== undefined && (b.vlan < phys.vlanStart || b.vlan > phys.vlanEnd)) {
        throw new ApiError('bad_request', `VLAN ${b.vlan} is outside the range ${phys.vlanStart}-${phys.vlanEnd} of physical network ${phys.name}`, { field: 'vlan' });
      }
    }
    if (segment === 'vlan' || (kind === 'shared' && b.vlan !== undefined)) {
      // Hosts report whether their kernel has 802.1Q; one that cannot would fail to carry the network.
      const names = await repos.hosts.vlanIncapableNames(zone.id);
      if (names.length > 0) {
        throw new ApiError('bad_request', `host${names.length > 1 ? 's' : ''} ${names.join(', ')} of zone ${zone.name} cannot create 802.1Q VLAN interfaces (the kernel lacks VLAN_8021Q): use a VXLAN network (segment "vxlan"), or load the 8021q module on those hosts and restart their agents`, { field: kind === 'shared' ? 'vlan' : 'segment', hosts: names });
      }
    }
    const maxMtu = segment === 'vxlan' ? phys.mtu - VXLAN_OVERHEAD_BYTES : phys.mtu;
    if (b.mtu !== undefined && b.mtu > maxMtu) throw new ApiError('bad_request', `the MTU can be at most ${maxMtu} on this ${segment} network (underlay ${phys.mtu})`, { field: 'mtu' });

    const now = this.now();
    const row: NetworkRow = {
      id: newNetworkId('network', this.deps.clock.now()), accountId: p.scope.accountId, zoneId: zone.id, physicalNetworkId: phys.id,
      name: b.name, description: b.description ?? '', kind, cidr: b.cidr, gateway: formatIpv4(gateway),
      rangeStart: formatIpv4(range.start), rangeEnd: formatIpv4(range.end), vni: null, vlan: kind === 'shared' ? (b.vlan ?? null) : null,
      mtu: b.mtu ?? maxMtu, dnsDomain: b.dnsDomain ?? DEFAULT_DNS_DOMAIN, egressDefaultPolicy: b.egressDefaultPolicy ?? 'allow',
      configVersion: 1, createdAt: now, updatedAt: now,
    };
    const physRow = phys;
    const created = await runNetworkTx(this.deps, async (trx, touch) => {
      // Networks of one account (isolated) or one zone (shared) are created one at a time, so the
      // overlap check below sees every committed sibling; VNIs and VLANs of a zone likewise.
      // Lock order everywhere: account, then zone, then networks (see allocateNics).
      // Takes the account's row lock: concurrent creates by one account queue up (names, CIDRs, quota).
      await enforceQuota(trx, row.accountId, { networks: 1 });
      await lockRow(trx, 'zones', zone.id);
      if (await repos.networks.byAccountAndName(row.accountId, row.name, trx)) {
        throw new ApiError('conflict', `a network named ${row.name} exists in this account`, { field: 'name' });
      }
      const siblings = kind === 'isolated'
        ? await repos.networks.ofAccount(row.accountId, trx)
        : await repos.networks.sharedOfZone(zone.id, trx);
      const clash = siblings.find((s) => cidrsOverlap(cidr, parseCidr(s.cidr)));
      if (clash) {
        throw new ApiError('conflict', `${b.cidr} overlaps ${clash.cidr} of network ${clash.name} (${clash.id})${kind === 'isolated' ? ' in this account' : ' (shared, same zone)'}`, { field: 'cidr', networkId: clash.id });
      }
      await retryOnConflict(trx, `network ${row.name}`, async () => {
        if (segment === 'vxlan') {
          const used = await repos.networks.usedVnis(zone.id, trx);
          row.vni = netcfg('segment', () => allocateVni({ range: { start: physRow.vniStart as number, end: physRow.vniEnd as number }, used }));
        } else if (segment === 'vlan') {
          row.vlan = await this.allocateVlan(trx, physRow.id, { start: physRow.vlanStart as number, end: physRow.vlanEnd as number }, b.vlan);
        } else if (row.vlan !== null) {
          const taken = await repos.networks.onVlan(physRow.id, row.vlan, trx);
          if (taken) throw new ApiError('conflict', `VLAN ${row.vlan} is already used by network ${taken.name} (${taken.id}) on physical network ${physRow.name}`, { field: 'vlan' });
        }
        await repos.networks.insert(row, trx);
      });
      if (kind === 'isolated') await this.createRouter(trx, row);
      else await this.createDhcpServer(trx, row);
      touch(row.id);
      return row;
    });
    await this.deps.events.record({ accountId: created.accountId, resourceType: 'network', resourceId: created.id, kind: 'network.created', message: `${kind} network ${created.name} (${created.cidr}) created` });
    return (await repos.networks.getAny(created.id)) ?? created;
  }

  private async allocateVlan(trx: Kysely<Database>, physId: string, range: { start: number; end: number }, requested: number | undefined): Promise<number> {
    const used = new Set(await this.deps.repos.networks.usedVlans(physId, trx));
    if (requested !== undefined) {
      if (used.has(requested)) throw new ApiError('conflict', `VLAN ${requested} is already used on this physical network`, { field: 'vlan' });
      return requested;
    }
    for (let v = range.start; v <= range.end; v++) if (!used.has(v)) return v;
    throw new ApiError('no_capacity', `no free VLAN left in ${range.start}-${range.end}`, { field: 'segment', resource: 'vlan' });
  }

  /** The virtual router of an isolated network, with its source-NAT address (the network's first public IP). */
  private async createRouter(trx: Kysely<Database>, net: NetworkRow): Promise<RouterRow> {
    const ip = await allocatePublicIp(trx, { zoneId: net.zoneId, accountId: net.accountId, networkId: net.id, sourceNat: true, field: 'zoneId', nowIso: net.createdAt });
    const router: RouterRow = {
      id: newNetworkId('router'), accountId: net.accountId, networkId: net.id, hostId: null, publicIpId: ip.id, state: 'pending', stateReason: null,
      version: 1, createdAt: net.createdAt, updatedAt: net.createdAt,
    };
    await this.deps.repos.routers.insert(router, trx);
    return router;
  }

  /**
   * A shared network's DHCP, DNS and metadata server: a router row without a public address, placed
   * and reconciled like a router; it serves on dhcpServerIpOf(network).
   */
  private async createDhcpServer(trx: Kysely<Database>, net: NetworkRow): Promise<RouterRow> {
    const server: RouterRow = {
      id: newNetworkId('router'), accountId: net.accountId, networkId: net.id, hostId: null, publicIpId: null, state: 'pending', stateReason: null,
      version: 1, createdAt: net.createdAt, updatedAt: net.createdAt,
    };
    await this.deps.repos.routers.insert(server, trx);
    return server;
  }

  async update(scope: Scope, row: NetworkRow, b: NetworkUpdate): Promise<NetworkRow> {
    if (b.egressDefaultPolicy !== undefined && row.kind !== 'isolated') {
      throw new ApiError('bad_request', 'egress policy applies to isolated networks (their router filters outbound traffic)', { field: 'egressDefaultPolicy' });
    }
    const patch: Partial<NetworkRow> = {
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.egressDefaultPolicy !== undefined ? { egressDefaultPolicy: b.egressDefaultPolicy } : {}),
    };
    await runNetworkTx(this.deps, async (trx, touch) => {
      await this.deps.repos.networks.update(scope, row.id, { ...patch, updatedAt: this.now() }, trx);
      if (b.egressDefaultPolicy !== undefined && b.egressDefaultPolicy !== row.egressDefaultPolicy) touch(row.id);
    });
    return (await this.deps.repos.networks.getAny(row.id)) ?? row;
  }

  /**
   * Delete a network without NICs, with its router, public IPs (source NAT included) and rules.
   * A network that still has NICs is refused (409 in_use), also when one is being added concurrently.
   */
  async delete(scope: Scope, row: NetworkRow): Promise<void> {
    try {
      await runNetworkTx(this.deps, async (trx, touch) => {
        await this.deps.repos.networks.bumpConfig(trx, [row.id], this.now());
        const nics = await this.deps.repos.nics.instanceIdsInNetwork(row.id, trx);
        if (nics.length > 0) {
          throw new ApiError('in_use', `network ${row.name} still has ${nics.length} NICs (instances ${[...new Set(nics)].slice(0, 5).join(', ')}); delete those instances first`, { references: 'nics', count: nics.length });
        }
        await this.deps.repos.networks.deleteWithDependents(scope, row.id, isoNow(this.deps.clock), trx);
        touch(row.id, row.accountId);
      });
    } catch (e) {
      if (isForeignKeyViolation(e)) throw new ApiError('in_use', `network ${row.name} gained a NIC while it was being deleted`, { references: 'nics' });
      throw e;
    }
    await this.deps.events.record({ accountId: row.accountId, resourceType: 'network', resourceId: row.id, kind: 'network.deleted', message: `network ${row.name} deleted` });
  }
}

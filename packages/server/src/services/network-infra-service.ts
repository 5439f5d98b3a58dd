import type { Kysely } from 'kysely';
import { ApiError, type PhysicalNetworkCreate, type PhysicalNetworkHostSet, type PhysicalNetworkUpdate, type PublicIpRangeCreate } from '@kumo/api';
import { formatIpv4, gatewayOf, parseCidr, parseIpv4, usableRange } from '@kumo/netcfg';
import type { Database, PhysicalNetworkHostRow, PhysicalNetworkRow, PublicIpRangeRow, TrafficType } from '@kumo/db';
import { isoNow, runNetworkTx, type NetworkDeps } from './network-tx.ts';
import { newNetworkId } from './network-ids.ts';
import { netcfg } from './network-errors.ts';

export const trafficTypesOf = (row: PhysicalNetworkRow): TrafficType[] => JSON.parse(row.trafficTypes) as TrafficType[];

/**
 * The zone's physical network carrying this traffic type: at most one per zone for management and
 * public traffic; guest traffic may run on several (say, the VXLAN underlay and a LAN that shared
 * networks bridge to), and then the oldest is the default for isolated networks.
 */
export async function physicalNetworkFor(db: Kysely<Database>, zoneId: string, traffic: TrafficType): Promise<PhysicalNetworkRow | undefined> {
  const rows = await db.selectFrom('physicalNetworks').selectAll().where('zoneId', '=', zoneId).orderBy('id').execute();
  return rows.find((r) => trafficTypesOf(r).includes(traffic));
}

/** A public IP range's size and bounds as numbers. */
export function rangeBounds(r: Pick<PublicIpRangeRow, 'startIp' | 'endIp'>): { start: number; end: number } {
  return { start: parseIpv4(r.startIp), end: parseIpv4(r.endIp) };
}

function checkRange(range: { start: number; end: number } | null | undefined, field: string): void {
  if (range && range.start > range.end) throw new ApiError('bad_request', `${field} starts at ${range.start}, after its end ${range.end}`, { field });
}

/** Physical networks, their per-host devices, and public IP ranges: what admins set up per zone. */
export class NetworkInfraService {
  constructor(private readonly deps: NetworkDeps) {}

  private now(): string { return isoNow(this.deps.clock); }

  async createPhysicalNetwork(b: PhysicalNetworkCreate): Promise<PhysicalNetworkRow> {
    const { repos } = this.deps;
    const admin = { accountId: 'acct-system', admin: true };
    if (!(await repos.zones.get(admin, b.zoneId))) throw new ApiError('bad_request', `zone ${b.zoneId} does not exist`, { field: 'zoneId' });
    checkRange(b.vniRange, 'vniRange');
    checkRange(b.vlanRange, 'vlanRange');
    if ((b.vniRange || b.vlanRange) && !b.trafficTypes.includes('guest')) {
      throw new ApiError('bad_request', 'VNI and VLAN ranges are for isolated guest networks: add guest to trafficTypes or leave the ranges out', { field: b.vniRange ? 'vniRange' : 'vlanRange' });
    }
    for (const t of b.trafficTypes.filter((x) => x !== 'guest')) {
      const other = await physicalNetworkFor(repos.db, b.zoneId, t);
      if (other) throw new ApiError('conflict', `physical network ${other.name} (${other.id}) already carries ${t} traffic in this zone; one physical network per zone carries ${t} traffic`, { field: 'trafficTypes' });
    }
    if (await repos.db.selectFrom('physicalNetworks').select('id').where('zoneId', '=', b.zoneId).where('name', '=', b.name).executeTakeFirst()) {
      throw new ApiError('conflict', `physical network ${b.name} already exists in this zone`, { field: 'name' });
    }
    const row: PhysicalNetworkRow = {
      id: newNetworkId('physicalNetwork', this.deps.clock.now()), zoneId: b.zoneId, name: b.name, trafficTypes: JSON.stringify(b.trafficTypes),
      device: b.device, deviceKind: b.deviceKind ?? 'interface', mtu: b.mtu ?? 1500,
      vniStart: b.vniRange?.start ?? null, vniEnd: b.vniRange?.end ?? null, vlanStart: b.vlanRange?.start ?? null, vlanEnd: b.vlanRange?.end ?? null,
      createdAt: this.now(),
    };
    await repos.physicalNetworks.insert(row);
    return row;
  }

  async updatePhysicalNetwork(row: PhysicalNetworkRow, b: PhysicalNetworkUpdate): Promise<PhysicalNetworkRow> {
    checkRange(b.vniRange, 'vniRange');
    checkRange(b.vlanRange, 'vlanRange');
    const guest = trafficTypesOf(row).includes('guest');
    if ((b.vniRange || b.vlanRange) && !guest) throw new ApiError('bad_request', 'VNI and VLAN ranges are for physical networks carrying guest traffic', { field: b.vniRange ? 'vniRange' : 'vlanRange' });
    return runNetworkTx(this.deps, async (trx, touch) => {
      const nets = await this.deps.repos.networks.onPhysicalNetwork(row.id, trx);
      if (b.vniRange !== undefined) {
        const outside = nets.find((n) => n.vni !== null && (!b.vniRange || n.vni < b.vniRange.start || n.vni > b.vniRange.end));
        if (outside) throw new ApiError('in_use', `network ${outside.name} (${outside.id}) uses VNI ${outside.vni}, outside the new range`, { field: 'vniRange' });
      }
      if (b.vlanRange !== undefined) {
        const outside = nets.find((n) => n.kind === 'isolated' && n.vlan !== null && (!b.vlanRange || n.vlan < b.vlanRange.start || n.vlan > b.vlanRange.end));
        if (outside) throw new ApiError('in_use', `network ${outside.name} (${outside.id}) uses VLAN ${outside.vlan}, outside the new range`, { field: 'vlanRange' });
      }
      const patch: Partial<PhysicalNetworkRow> = {
        ...(b.device !== undefined ? { device: b.device } : {}),
        ...(b.deviceKind !== undefined ? { deviceKind: b.deviceKind } : {}),
        ...(b.vniRange !== undefined ? { vniStart: b.vniRange?.start ?? null, vniEnd: b.vniRange?.end ?? null } : {}),
        ...(b.vlanRange !== undefined ? { vlanStart: b.vlanRange?.start ?? null, vlanEnd: b.vlanRange?.end ?? null } : {}),
      };
      await trx.updateTable('physicalNetworks').set(patch).where('id', '=', row.id).execute();
      // Devices change what every host of the zone builds (guest bridges, router uplinks).
      if (b.device !== undefined || b.deviceKind !== undefined) touch(await this.zoneNetworkIds(trx, row.zoneId));
      return { ...row, ...patch };
    });
  }

  async deletePhysicalNetwork(row: PhysicalNetworkRow): Promise<void> {
    const { db, physicalNetworks } = this.deps.repos;
    const n = await physicalNetworks.countReferences('networks', 'physicalNetworkId', row.id);
    if (n > 0) throw new ApiError('in_use', `physical network ${row.name} still carries ${n} networks; delete them first`, { references: 'networks', count: n });
    const r = await physicalNetworks.countReferences('publicIpRanges', 'physicalNetworkId', row.id);
    if (r > 0) throw new ApiError('in_use', `physical network ${row.name} still has ${r} public IP ranges; delete them first`, { references: 'publicIpRanges', count: r });
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('physicalNetworkHosts').where('physicalNetworkId', '=', row.id).execute();
      await trx.deleteFrom('physicalNetworks').where('id', '=', row.id).execute();
    });
  }

  async hostMappings(physicalNetworkId: string): Promise<PhysicalNetworkHostRow[]> {
    return this.deps.repos.db.selectFrom('physicalNetworkHosts').selectAll().where('physicalNetworkId', '=', physicalNetworkId).orderBy('hostId').execute();
  }

  /** Set (create or replace) which device and address a host uses on a physical network. */
  async setHostMapping(phys: PhysicalNetworkRow, b: PhysicalNetworkHostSet): Promise<PhysicalNetworkHostRow> {
    const host = await this.deps.repos.db.selectFrom('hosts').selectAll().where('id', '=', b.hostId).executeTakeFirst();
    if (!host) throw new ApiError('bad_request', `host ${b.hostId} does not exist`, { field: 'hostId' });
    if (host.zoneId !== phys.zoneId) throw new ApiError('bad_request', `host ${host.name} is not in the zone of physical network ${phys.name}`, { field: 'hostId' });
    const row: PhysicalNetworkHostRow = { physicalNetworkId: phys.id, hostId: host.id, device: b.device ?? phys.device, address: b.address ?? host.address, createdAt: this.now() };
    return runNetworkTx(this.deps, async (trx, touch) => {
      await trx.deleteFrom('physicalNetworkHosts').where('physicalNetworkId', '=', phys.id).where('hostId', '=', host.id).execute();
      await trx.insertInto('physicalNetworkHosts').values(row).execute();
      touch(await this.zoneNetworkIds(trx, phys.zoneId));
      return row;
    });
  }

  async deleteHostMapping(phys: PhysicalNetworkRow, hostId: string): Promise<void> {
    await runNetworkTx(this.deps, async (trx, touch) => {
      const r = await trx.deleteFrom('physicalNetworkHosts').where('physicalNetworkId', '=', phys.id).where('hostId', '=', hostId).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) throw new ApiError('not_found', `physical network ${phys.name} has no mapping for host ${hostId}`);
      touch(await this.zoneNetworkIds(trx, phys.zoneId));
    });
  }

  async createPublicIpRange(b: PublicIpRangeCreate): Promise<PublicIpRangeRow> {
    const { repos } = this.deps;
    if (!(await repos.db.selectFrom('zones').select('id').where('id', '=', b.zoneId).executeTakeFirst())) {
      throw new ApiError('bad_request', `zone ${b.zoneId} does not exist`, { field: 'zoneId' });
    }
    const phys = await physicalNetworkFor(repos.db, b.zoneId, 'public');
    if (!phys) throw new ApiError('bad_request', 'the zone has no physical network carrying public traffic: create one with trafficTypes [public] first', { field: 'zoneId' });
    const cidr = netcfg('cidr', () => parseCidr(b.cidr));
    netcfg('cidr', () => gatewayOf(cidr));
    const usable = usableRange(cidr);
    const inUsable = (text: string, field: string) => {
      const v = netcfg(field, () => parseIpv4(text, field));
      if (v < usable.start || v > usable.end) throw new ApiError('bad_request', `${text} is not a usable address of ${b.cidr}`, { field });
      return v;
    };
    const gw = inUsable(b.gateway, 'gateway');
    const start = inUsable(b.startIp, 'startIp');
    const end = inUsable(b.endIp, 'endIp');
    if (start > end) throw new ApiError('bad_request', `the range starts at ${b.startIp}, after its end ${b.endIp}`, { field: 'endIp' });
    if (gw >= start && gw <= end) throw new ApiError('bad_request', `the gateway ${b.gateway} lies inside the range ${b.startIp}-${b.endIp}; it would be handed out`, { field: 'gateway' });
    if (end - start + 1 > 65536) throw new ApiError('bad_request', 'a public IP range holds at most 65536 addresses', { field: 'endIp' });
    const row: PublicIpRangeRow = {
      id: newNetworkId('publicIpRange', this.deps.clock.now()), zoneId: b.zoneId, physicalNetworkId: phys.id, cidr: b.cidr,
      gateway: formatIpv4(gw), startIp: formatIpv4(start), endIp: formatIpv4(end), vlan: b.vlan ?? null, createdAt: this.now(),
    };
    await repos.db.transaction().execute(async (trx) => {
      // Serialize range changes of one zone, then check for overlaps with what is committed.
      await trx.updateTable('zones').set({ id: b.zoneId }).where('id', '=', b.zoneId).execute();
      const others = await trx.selectFrom('publicIpRanges').selectAll().where('zoneId', '=', b.zoneId).execute();
      const clash = others.find((o) => { const r = rangeBounds(o); return r.start <= end && start <= r.end; });
      if (clash) throw new ApiError('conflict', `${row.startIp}-${row.endIp} overlaps public IP range ${clash.id} (${clash.startIp}-${clash.endIp})`, { field: 'startIp', rangeId: clash.id });
      await trx.insertInto('publicIpRanges').values(row).execute();
    });
    return row;
  }

  /** Refuses (409 in_use) while addresses of the range are allocated. */
  async assertRangeDeletable(row: PublicIpRangeRow): Promise<void> {
    const n = await this.allocatedInRange(row.id);
    if (n > 0) throw new ApiError('in_use', `public IP range ${row.startIp}-${row.endIp} has ${n} allocated addresses; release them first`, { references: 'publicIps', count: n });
  }

  async allocatedInRange(rangeId: string): Promise<number> {
    return this.deps.repos.publicIpRanges.countReferences('publicIps', 'rangeId', rangeId);
  }

  private async zoneNetworkIds(trx: Kysely<Database>, zoneId: string): Promise<string[]> {
    return this.deps.repos.networks.idsInZone(zoneId, trx);
  }
}

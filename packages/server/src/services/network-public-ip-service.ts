import type { Kysely } from 'kysely';
import { ApiError, type PublicIpAllocate } from '@kumo/api';
import { allocateIpv4, NetcfgError, parseIpv4 } from '@kumo/netcfg';
import { createRepos, type Database, type PublicIpRow, type Scope } from '@kumo/db';
import { isoNow, runNetworkTx, type NetworkDeps } from './network-tx.ts';
import { newNetworkId } from './network-ids.ts';
import { lockRow, netcfg, retryOnConflict, toApiError } from './network-errors.ts';
import { rangeBounds } from './network-infra-service.ts';
import { enforceQuota } from './quota-service.ts';

export interface PublicIpRequest {
  zoneId: string;
  accountId: string;
  networkId: string;
  sourceNat: boolean;
  /** A specific address; refused clearly when it is outside the zone's ranges or taken. */
  address?: string | undefined;
  /** Request field named in errors about `address`. */
  field?: string;
  nowIso: string;
}

/**
 * Take a public address of the zone inside the caller's transaction: the requested one, or the
 * lowest free address of the first range with room. Takes a row lock on the zone (so concurrent
 * allocations queue up) and inserts under the unique (zone, address) constraint.
 */
export async function allocatePublicIp(trx: Kysely<Database>, req: PublicIpRequest): Promise<PublicIpRow> {
  const field = req.field ?? 'address';
  const ranges = await trx.selectFrom('publicIpRanges').selectAll().where('zoneId', '=', req.zoneId).orderBy('id').execute();
  if (ranges.length === 0) {
    throw new ApiError('no_capacity', 'the zone has no public IP range: an admin adds one with POST /api/v1/public-ip-ranges', { field, resource: 'publicIp' });
  }
  let candidates = ranges;
  if (req.address !== undefined) {
    const wanted = netcfg(field, () => parseIpv4(req.address as string, field));
    candidates = ranges.filter((r) => { const b = rangeBounds(r); return wanted >= b.start && wanted <= b.end; });
    if (candidates.length === 0) throw new ApiError('bad_request', `${req.address} is not in any public IP range of the zone`, { field });
  }
  // The account's quota first (its row lock, then the zone's: the order every create takes them in).
  await enforceQuota(trx, req.accountId, { publicIps: 1 });
  // Allocations in one zone queue up on the zone's row (they would all pick the same lowest free
  // address otherwise); the unique constraint remains the arbiter.
  await lockRow(trx, 'zones', req.zoneId);
  const publicIps = createRepos(trx).publicIps;
  return retryOnConflict(trx, 'public IP allocation', async () => {
    for (const range of candidates) {
      const used = await publicIps.usedInRange(range.id, trx);
      let address: string;
      try {
        address = allocateIpv4({
          cidr: range.cidr, range: { start: range.startIp, end: range.endIp }, used,
          reserved: [{ ip: range.gateway, reason: 'the gateway of the public network' }],
          ...(req.address !== undefined ? { requested: req.address } : {}), field,
        });
      } catch (e) {
        if (e instanceof NetcfgError && e.code === 'exhausted') continue;
        if (e instanceof NetcfgError) throw toApiError(e, field);
        throw e;
      }
      const row: PublicIpRow = {
        id: newNetworkId('publicIp'), accountId: req.accountId, zoneId: req.zoneId, rangeId: range.id, address, networkId: req.networkId,
        sourceNat: req.sourceNat ? 1 : 0, staticNatNicId: null, createdAt: req.nowIso,
      };
      await publicIps.insert(row, trx);
      return row;
    }
    const total = ranges.reduce((n, r) => { const b = rangeBounds(r); return n + b.end - b.start + 1; }, 0);
    throw new ApiError('no_capacity', `no free public IP left in the zone: all ${total} addresses of its ${ranges.length} range(s) are allocated`, { field, resource: 'publicIp' });
  });
}

/** Public IPs of isolated networks: allocate, release, static NAT (elastic IP). */
export class PublicIpService {
  constructor(private readonly deps: NetworkDeps) {}

  /** The address of a public IP a rule the caller has read refers to ('' when it is gone). */
  async addressOf(id: string): Promise<string> {
    return (await this.deps.repos.publicIps.addressesOf([id])).get(id) ?? '';
  }

  /** The private IP of a NIC a rule the caller has read refers to ('' when it is gone). */
  async nicIpOf(nicId: string): Promise<string> {
    return (await this.deps.repos.nics.ipsOf([nicId])).get(nicId) ?? '';
  }

  async allocate(scope: Scope, b: PublicIpAllocate): Promise<PublicIpRow> {
    const net = await this.deps.repos.networks.getForWrite(scope, b.networkId);
    if (!net) throw new ApiError('bad_request', `network ${b.networkId} does not exist`, { field: 'networkId' });
    if (net.kind !== 'isolated') throw new ApiError('bad_request', `network ${net.name} is shared: public IPs are NATed by the router of an isolated network`, { field: 'networkId' });
    const row = await runNetworkTx(this.deps, async (trx, touch) => {
      touch(net.id);
      return allocatePublicIp(trx, { zoneId: net.zoneId, accountId: net.accountId, networkId: net.id, sourceNat: false, address: b.address, nowIso: isoNow(this.deps.clock) });
    });
    await this.deps.events.record({ accountId: net.accountId, resourceType: 'publicIp', resourceId: row.id, kind: 'publicIp.allocated', message: `public IP ${row.address} allocated to network ${net.name}` });
    return row;
  }

  async release(scope: Scope, id: string): Promise<void> {
    const { repos } = this.deps;
    const ip = await repos.publicIps.getForWrite(scope, id);
    if (!ip) throw new ApiError('not_found', `public IP ${id} not found`);
    if (ip.sourceNat === 1) throw new ApiError('in_use', `${ip.address} is the source NAT address of its network; it is released with the network`, { references: 'network' });
    if (ip.staticNatNicId) throw new ApiError('in_use', `${ip.address} has static NAT to NIC ${ip.staticNatNicId}; disable it first`, { references: 'staticNat' });
    for (const [table, label] of [['portForwards', 'port forwards'], ['loadBalancers', 'load balancers'], ['firewallRules', 'firewall rules']] as const) {
      const n = await repos.publicIps.countReferences(table, 'publicIpId', id);
      if (n > 0) throw new ApiError('in_use', `${ip.address} still has ${n} ${label}; delete them first`, { references: table, count: n });
    }
    await runNetworkTx(this.deps, async (trx, touch) => {
      await repos.publicIps.release(scope, id, isoNow(this.deps.clock), trx);
      if (ip.networkId) touch(ip.networkId);
    });
    await this.deps.events.record({ accountId: ip.accountId, resourceType: 'publicIp', resourceId: id, kind: 'publicIp.released', message: `public IP ${ip.address} released` });
  }

  /** Map the public IP one-to-one to a NIC of its network (both directions). */
  async enableStaticNat(scope: Scope, id: string, nicId: string): Promise<PublicIpRow> {
    const { repos } = this.deps;
    const ip = await repos.publicIps.getForWrite(scope, id);
    if (!ip) throw new ApiError('not_found', `public IP ${id} not found`);
    const nic = await repos.nics.getForWrite(scope, nicId);
    if (!nic) throw new ApiError('bad_request', `NIC ${nicId} does not exist`, { field: 'nicId' });
    if (nic.networkId !== ip.networkId) throw new ApiError('bad_request', `NIC ${nicId} is on network ${nic.networkId}, but ${ip.address} belongs to network ${ip.networkId}`, { field: 'nicId' });
    if (ip.sourceNat === 1) throw new ApiError('conflict', `${ip.address} is the network's source NAT address and cannot also be a static NAT`, { field: 'id' });
    if (ip.staticNatNicId === nicId) return ip;
    if (ip.staticNatNicId) throw new ApiError('conflict', `${ip.address} is already statically NATed to NIC ${ip.staticNatNicId}; disable that first`, { field: 'nicId' });
    return runNetworkTx(this.deps, async (trx, touch) => {
      await lockRow(trx, 'publicIps', id);
      for (const [table, label] of [['portForwards', 'port forwards'], ['loadBalancers', 'load balancers']] as const) {
        if (await repos.publicIps.countReferences(table, 'publicIpId', id, trx) > 0) throw new ApiError('conflict', `${ip.address} carries ${label}; a static NAT takes every port, so delete them first`, { field: 'id' });
      }
      const other = await repos.publicIps.staticNatOf(nicId, trx);
      if (other) throw new ApiError('conflict', `NIC ${nicId} already has static NAT ${other.address} (${other.id})`, { field: 'nicId' });
      try {
        if (!(await repos.publicIps.claimStaticNat(scope, id, nicId, trx))) throw new ApiError('conflict', `${ip.address} got a static NAT concurrently; retry`, { field: 'id' });
      } catch (e) {
        if (e instanceof ApiError) throw e;
        throw new ApiError('conflict', `NIC ${nicId} already has a static NAT`, { field: 'nicId' });
      }
      touch(nic.networkId);
      return { ...ip, staticNatNicId: nicId };
    });
  }

  async disableStaticNat(scope: Scope, id: string): Promise<void> {
    const ip = await this.deps.repos.publicIps.getForWrite(scope, id);
    if (!ip) throw new ApiError('not_found', `public IP ${id} not found`);
    if (!ip.staticNatNicId) throw new ApiError('not_found', `${ip.address} has no static NAT`);
    await runNetworkTx(this.deps, async (trx, touch) => {
      await this.deps.repos.publicIps.update(scope, id, { staticNatNicId: null }, trx);
      if (ip.networkId) touch(ip.networkId);
    });
  }
}

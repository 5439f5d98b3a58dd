import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { allocatePciSlots, DeviceSlotError } from '@kumo/core';
import { ApiError, type NicRequest } from '@kumo/api';
import { allocateIpv4, allocateMac, NetcfgError, type RandomBytes } from '@kumo/netcfg';
import { createRepos, type Database, type NetworkRow, type NicRow, type Scope } from '@kumo/db';
import { newNetworkId } from './network-ids.ts';
import { dhcpServerIpOf } from './network-dhcp-server.ts';
import { retryOnConflict, toApiError } from './network-errors.ts';
import { ensureDefaultGroup } from './network-secgroup-service.ts';
import { networksDependingOnGroups } from './network-tx.ts';

export interface AllocateNicsOptions {
  /** Random source for MACs (tests pass a deterministic one). */
  randomBytes?: RandomBytes;
  nowIso?: string;
}

const field = (i: number, name: string) => `nics[${i}].${name}`;

/** The NICs of an instance created without `nics`: one on the account's network named `default` in the zone, if any. */
export async function defaultNics(trx: Kysely<Database>, scope: Scope, zoneId: string): Promise<NicRequest[]> {
  const net = await createRepos(trx).networks.ownByName(scope, zoneId, 'default', trx);
  return net ? [{ networkId: net.id }] : [];
}

/**
 * Give an instance its NICs, inside the caller's transaction (the one that inserts the instance:
 * call this after the instance row is written). Every request is checked first, with errors that
 * name the request field (`nics[1].ip`): the network must be visible to the caller and in the
 * instance's zone, one NIC per network, a static IP must be a free usable address of the network's
 * range (not the gateway, network or broadcast address), security groups must be the instance
 * owner's (default: the account's `default` group, created on first use).
 *
 * Allocations on one network are serialized by a row lock on the network (its configVersion bump);
 * IPs and MACs are inserted under unique constraints, and a violation (another server that got
 * there first, a MAC drawn twice) makes this one retry with fresh reads, so two allocations never
 * collide. An exhausted network is a 409 no_capacity.
 *
 * Bumps configVersion of every network it changes. After the commit, publish them:
 * `await publishNetworkChanges(notifier, db, nics.map((n) => n.networkId))`.
 */
export async function allocateNics(trx: Kysely<Database>, scope: Scope, instanceId: string, requests: readonly NicRequest[], opts: AllocateNicsOptions = {}): Promise<NicRow[]> {
  if (requests.length === 0) return [];
  const repos = createRepos(trx);
  const nowIso = opts.nowIso ?? new Date().toISOString();
  const random = opts.randomBytes ?? ((n: number) => randomBytes(n));
  const inst = await repos.instances.get(scope, instanceId);
  if (!inst) throw new Error(`allocateNics: instance ${instanceId} is not in this transaction; insert it first`);

  // Check every request before writing anything.
  const existing = await repos.nics.ofInstance(instanceId);
  const checked: Array<{ i: number; req: NicRequest; net: NetworkRow; groupIds: string[] }> = [];
  const seen = new Map<string, number>();
  for (const [i, req] of requests.entries()) {
    const earlier = seen.get(req.networkId);
    if (earlier !== undefined) throw new ApiError('bad_request', `nics[${earlier}] and nics[${i}] are both on network ${req.networkId}; an instance has one NIC per network`, { field: field(i, 'networkId') });
    const had = existing.find((n) => n.networkId === req.networkId);
    if (had) throw new ApiError('conflict', `the instance already has NIC ${had.id} on network ${req.networkId}; an instance has one NIC per network`, { field: field(i, 'networkId') });
    seen.set(req.networkId, i);
    const net = await repos.networks.get(scope, req.networkId);
    if (!net) throw new ApiError('bad_request', `network ${req.networkId} does not exist`, { field: field(i, 'networkId') });
    if (net.zoneId !== inst.zoneId) throw new ApiError('bad_request', `network ${net.name} is in zone ${net.zoneId}, the instance in zone ${inst.zoneId}`, { field: field(i, 'networkId') });
    let groupIds: string[];
    if (req.securityGroupIds === undefined) {
      groupIds = [(await ensureDefaultGroup(trx, inst.accountId, nowIso)).id];
    } else {
      groupIds = [...new Set(req.securityGroupIds)].sort();
      const found = await repos.securityGroups.idsInAccount(inst.accountId, groupIds);
      const missing = groupIds.find((g) => !found.includes(g));
      if (missing) throw new ApiError('bad_request', `security group ${missing} does not exist in this account`, { field: field(i, 'securityGroupIds') });
    }
    checked.push({ i, req, net, groupIds });
  }
  // PCI slots in request order, lowest free first, fixed for the NIC's lifetime (docs/architecture.md#device-layout).
  let slots: number[];
  try {
    slots = allocatePciSlots('nic', existing.map((n) => n.pciSlot), requests.length);
  } catch (e) {
    if (!(e instanceof DeviceSlotError)) throw e;
    throw new ApiError('no_capacity', `${e.message}; it has ${existing.length}`, { field: field(Math.max(0, e.limit - existing.length), 'networkId'), resource: 'pciSlot' });
  }

  // Bump (and so row-lock, in id order) every network this changes before picking addresses:
  // allocations on one network queue up here instead of racing for the same lowest free address,
  // and the reads below see what the previous holder committed. The unique constraints stay the
  // final arbiter (retryOnConflict), e.g. for the rare random MAC collision.
  const groups = [...new Set(checked.flatMap((c) => c.groupIds))];
  await repos.networks.bumpConfig(trx, [...checked.map((c) => c.net.id), ...(await networksDependingOnGroups(trx, groups))], nowIso);

  const base = existing.reduce((m, n) => Math.max(m, n.deviceIndex + 1), 0);
  const out: NicRow[] = [];
  // Device indexes follow the request order.
  for (const { i, req, net, groupIds } of [...checked].sort((a, b) => (a.net.id < b.net.id ? -1 : a.net.id > b.net.id ? 1 : 0))) {
    const nic = await retryOnConflict(trx, `NIC on network ${net.name}`, async () => {
      const used = await repos.nics.usedIps(net.id);
      let ip: string;
      try {
        ip = allocateIpv4({
          cidr: net.cidr, range: { start: net.rangeStart, end: net.rangeEnd }, used,
          reserved: [{ ip: net.gateway, reason: 'the gateway' }, ...dhcpServerReservation(net)],
          ...(req.ip !== undefined ? { requested: req.ip } : {}), field: field(i, 'ip'),
        });
      } catch (e) {
        if (e instanceof NetcfgError && e.code === 'exhausted') {
          throw new ApiError('no_capacity', `network ${net.name} has no free address left: all of ${net.rangeStart}-${net.rangeEnd} are in use`, { field: field(i, 'networkId'), resource: 'ip' });
        }
        if (e instanceof NetcfgError) throw toApiError(e, field(i, 'ip'));
        throw e;
      }
      // MACs are random under 52:54:00 (2^24 of them): the unique constraint catches the rare collision.
      const mac = allocateMac({ used: [], strategy: { kind: 'random', randomBytes: random } });
      const row: NicRow = { id: newNetworkId('nic'), accountId: inst.accountId, instanceId, networkId: net.id, deviceIndex: base + i, mac, ip, createdAt: nowIso, pciSlot: slots[i]! };
      await repos.nics.insert(row);
      await repos.nics.setGroups(row.id, groupIds);
      return row;
    });
    out.push(nic);
  }
  return out.sort((a, b) => a.deviceIndex - b.deviceIndex);
}

function dhcpServerReservation(net: NetworkRow): Array<{ ip: string; reason: string }> {
  const ip = dhcpServerIpOf(net);
  return ip === null ? [] : [{ ip, reason: 'the network\'s DHCP server' }];
}

/**
 * Remove an instance's NICs inside the caller's transaction (the one that destroys the instance):
 * its port forwards, load-balancer memberships, static NATs and security-group memberships go too.
 * Bumps configVersion of every network it changes and returns their ids; publish them after the
 * commit with publishNetworkChanges.
 */
export async function releaseNics(trx: Kysely<Database>, instanceId: string, nowIso: string = new Date().toISOString()): Promise<string[]> {
  const repos = createRepos(trx);
  const { networkIds, groupIds } = await repos.nics.deleteOfInstance(instanceId, trx);
  if (networkIds.length === 0) return [];
  const touched = [...new Set([...networkIds, ...(await networksDependingOnGroups(trx, groupIds))])].sort();
  await repos.networks.bumpConfig(trx, touched, nowIso);
  return touched;
}

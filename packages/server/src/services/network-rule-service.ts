import type { Kysely } from 'kysely';
import { ApiError, type EgressRuleCreate, type FirewallRuleCreate, type PortForwardCreate } from '@kumo/api';
import { MAX_SHIFTED_PORT_RANGE } from '@kumo/netcfg';
import { createRepos, type Database, type EgressRuleRow, type FirewallRuleRow, type NicRow, type PortForwardRow, type PublicIpRow, type Scope } from '@kumo/db';
import { isoNow, runNetworkTx, type NetworkDeps } from './network-tx.ts';
import { newNetworkId } from './network-ids.ts';
import { checkCidrs, checkTraffic, lockRow } from './network-errors.ts';

interface PortRange { from: number; to: number }

function checkPorts(r: PortRange, field: string): void {
  if (r.from > r.to) throw new ApiError('bad_request', `port range ${r.from}-${r.to} starts after it ends`, { field });
}

const overlaps = (a: PortRange, b: PortRange) => a.from <= b.to && b.from <= a.to;
const shown = (r: PortRange) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`);

/**
 * Refuse a claim of `protocol` `ports` on a public IP that an existing port forward or load
 * balancer already holds. Call after lockRow(publicIps) so concurrent claims queue up.
 */
export async function assertPortsFree(trx: Kysely<Database>, ip: PublicIpRow, protocol: 'tcp' | 'udp', ports: PortRange, field: string, exceptLbId?: string): Promise<void> {
  const publicIps = createRepos(trx).publicIps;
  const pfs = await publicIps.portForwardsOn(ip.id, protocol, trx);
  const pf = pfs.find((p) => overlaps({ from: p.publicPortStart, to: p.publicPortEnd }, ports));
  if (pf) throw new ApiError('conflict', `${protocol} ${ip.address}:${shown(ports)} overlaps port forward ${pf.id} (${protocol} ${shown({ from: pf.publicPortStart, to: pf.publicPortEnd })})`, { field, conflictsWith: pf.id });
  if (protocol === 'tcp') {
    const lbs = await publicIps.loadBalancersOn(ip.id, trx);
    const lb = lbs.find((l) => l.id !== exceptLbId && l.publicPort >= ports.from && l.publicPort <= ports.to);
    if (lb) throw new ApiError('conflict', `tcp ${ip.address}:${shown(ports)} overlaps load balancer ${lb.name} (${lb.id}) on port ${lb.publicPort}`, { field, conflictsWith: lb.id });
  }
}

/** Port forwards, firewall rules on public IPs and egress rules of isolated networks. */
export class NetworkRuleService {
  constructor(private readonly deps: NetworkDeps) {}

  private now(): string { return isoNow(this.deps.clock); }

  async publicIpForWrite(scope: Scope, id: string, field = 'publicIpId'): Promise<PublicIpRow & { networkId: string }> {
    const ip = await this.deps.repos.publicIps.getForWrite(scope, id);
    if (!ip) throw new ApiError('bad_request', `public IP ${id} does not exist`, { field });
    if (!ip.networkId) throw new ApiError('bad_request', `public IP ${ip.address} belongs to no network`, { field });
    return ip as PublicIpRow & { networkId: string };
  }

  async nicOfNetwork(scope: Scope, nicId: string, networkId: string, field: string): Promise<NicRow> {
    const nic = await this.deps.repos.nics.getForWrite(scope, nicId);
    if (!nic) throw new ApiError('bad_request', `NIC ${nicId} does not exist`, { field });
    if (nic.networkId !== networkId) throw new ApiError('bad_request', `NIC ${nicId} is on network ${nic.networkId}, not on ${networkId} where the public IP is`, { field });
    return nic;
  }

  async createPortForward(scope: Scope, b: PortForwardCreate): Promise<PortForwardRow> {
    checkPorts(b.publicPorts, 'publicPorts');
    const priv = b.privatePorts ?? b.publicPorts;
    checkPorts(priv, 'privatePorts');
    const len = b.publicPorts.to - b.publicPorts.from + 1;
    if (priv.to - priv.from + 1 !== len) {
      throw new ApiError('bad_request', `the private port range ${shown(priv)} has ${priv.to - priv.from + 1} ports, the public one ${len}: they must be the same length`, { field: 'privatePorts' });
    }
    if (len > MAX_SHIFTED_PORT_RANGE && priv.from !== b.publicPorts.from) {
      throw new ApiError('bad_request', `a shifted port range may span at most ${MAX_SHIFTED_PORT_RANGE} ports; use the same public and private ports for longer ranges`, { field: 'privatePorts' });
    }
    const ip = await this.publicIpForWrite(scope, b.publicIpId);
    const nic = await this.nicOfNetwork(scope, b.nicId, ip.networkId, 'nicId');
    const row: PortForwardRow = {
      id: newNetworkId('portForward'), accountId: ip.accountId, networkId: ip.networkId, publicIpId: ip.id, protocol: b.protocol,
      publicPortStart: b.publicPorts.from, publicPortEnd: b.publicPorts.to, nicId: nic.id, privatePortStart: priv.from, privatePortEnd: priv.to,
      createdAt: this.now(),
    };
    return runNetworkTx(this.deps, async (trx, touch) => {
      await lockRow(trx, 'publicIps', ip.id);
      const fresh = await this.deps.repos.publicIps.getForWrite(scope, ip.id, trx);
      if (!fresh) throw new ApiError('not_found', `public IP ${ip.id} not found`);
      if (fresh.staticNatNicId) throw new ApiError('conflict', `${ip.address} has static NAT to NIC ${fresh.staticNatNicId}: it forwards every port already`, { field: 'publicIpId' });
      await assertPortsFree(trx, ip, b.protocol, b.publicPorts, 'publicPorts');
      await this.deps.repos.portForwards.insert(row, trx);
      touch(ip.networkId);
      return row;
    });
  }

  async createFirewallRule(scope: Scope, b: FirewallRuleCreate): Promise<FirewallRuleRow> {
    const traffic = checkTraffic(b);
    const cidrs = checkCidrs(b.sourceCidrs ?? ['0.0.0.0/0'], 'sourceCidrs');
    const ip = await this.publicIpForWrite(scope, b.publicIpId);
    const row: FirewallRuleRow = {
      id: newNetworkId('firewallRule'), accountId: ip.accountId, networkId: ip.networkId, publicIpId: ip.id, ...traffic,
      sourceCidrs: JSON.stringify(cidrs), createdAt: this.now(),
    };
    return runNetworkTx(this.deps, async (trx, touch) => {
      await this.deps.repos.firewallRules.insert(row, trx);
      touch(ip.networkId);
      return row;
    });
  }

  async createEgressRule(scope: Scope, b: EgressRuleCreate): Promise<EgressRuleRow> {
    const traffic = checkTraffic(b);
    const cidrs = checkCidrs(b.destinationCidrs ?? ['0.0.0.0/0'], 'destinationCidrs');
    const net = await this.deps.repos.networks.getForWrite(scope, b.networkId);
    if (!net) throw new ApiError('bad_request', `network ${b.networkId} does not exist`, { field: 'networkId' });
    if (net.kind !== 'isolated') throw new ApiError('bad_request', `network ${net.name} is shared: egress rules apply to isolated networks (their router filters outbound traffic)`, { field: 'networkId' });
    const row: EgressRuleRow = {
      id: newNetworkId('egressRule'), accountId: net.accountId, networkId: net.id, ...traffic, destinationCidrs: JSON.stringify(cidrs), createdAt: this.now(),
    };
    return runNetworkTx(this.deps, async (trx, touch) => {
      await this.deps.repos.egressRules.insert(row, trx);
      touch(net.id);
      return row;
    });
  }

  /** Delete one row of a rule table the caller may change; the network's hosts are told. */
  async deleteRule(scope: Scope, table: 'portForwards' | 'firewallRules' | 'egressRules', id: string, noun: string): Promise<void> {
    const repo = table === 'portForwards' ? this.deps.repos.portForwards : table === 'firewallRules' ? this.deps.repos.firewallRules : this.deps.repos.egressRules;
    const row = await repo.getForWrite(scope, id);
    if (!row) throw new ApiError('not_found', `${noun} ${id} not found`);
    await runNetworkTx(this.deps, async (trx, touch) => {
      await repo.delete(scope, id, trx);
      touch(row.networkId);
    });
  }
}

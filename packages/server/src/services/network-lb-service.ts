import { ApiError, type HealthCheckInput, type LoadBalancerCreate, type LoadBalancerUpdate } from '@kumo/api';
import { isUniqueViolation, type LoadBalancerMemberRow, type LoadBalancerMemberView, type LoadBalancerRow, type Scope } from '@kumo/db';
import { isoNow, runNetworkTx, type NetworkDeps } from './network-tx.ts';
import { newNetworkId } from './network-ids.ts';
import { lockRow } from './network-errors.ts';
import { assertPortsFree, NetworkRuleService } from './network-rule-service.ts';

export const DEFAULT_HEALTH_CHECK = { intervalMs: 5000, rise: 2, fall: 3 } as const;

function healthColumns(h: HealthCheckInput | null | undefined): Pick<LoadBalancerRow, 'healthIntervalMs' | 'healthRise' | 'healthFall' | 'healthHttpPath'> {
  if (!h) return { healthIntervalMs: null, healthRise: null, healthFall: null, healthHttpPath: null };
  return {
    healthIntervalMs: h.intervalMs ?? DEFAULT_HEALTH_CHECK.intervalMs, healthRise: h.rise ?? DEFAULT_HEALTH_CHECK.rise,
    healthFall: h.fall ?? DEFAULT_HEALTH_CHECK.fall, healthHttpPath: h.httpPath ?? null,
  };
}

/** Load balancers of isolated networks: public IP:port → a private port on member NICs (HAProxy in the router). */
export class LoadBalancerService {
  private readonly rules: NetworkRuleService;
  constructor(private readonly deps: NetworkDeps) { this.rules = new NetworkRuleService(deps); }

  private now(): string { return isoNow(this.deps.clock); }

  async get(scope: Scope, id: string, forWrite = false): Promise<LoadBalancerRow> {
    const lb = forWrite ? await this.deps.repos.loadBalancers.getForWrite(scope, id) : await this.deps.repos.loadBalancers.get(scope, id);
    if (!lb) throw new ApiError('not_found', `load balancer ${id} not found`);
    return lb;
  }

  async memberNicIds(lbId: string): Promise<string[]> {
    return this.deps.repos.loadBalancers.memberNicIds(lbId);
  }

  async create(scope: Scope, b: LoadBalancerCreate): Promise<LoadBalancerRow> {
    const ip = await this.rules.publicIpForWrite(scope, b.publicIpId);
    const nicIds = [...new Set(b.nicIds ?? [])];
    for (const [i, nicId] of nicIds.entries()) await this.rules.nicOfNetwork(scope, nicId, ip.networkId, `nicIds[${i}]`);
    const row: LoadBalancerRow = {
      id: newNetworkId('loadBalancer'), accountId: ip.accountId, networkId: ip.networkId, publicIpId: ip.id, name: b.name,
      publicPort: b.publicPort, privatePort: b.privatePort ?? b.publicPort, algorithm: b.algorithm ?? 'roundrobin',
      ...healthColumns(b.healthCheck), createdAt: this.now(),
    };
    const { repos } = this.deps;
    return runNetworkTx(this.deps, async (trx, touch) => {
      await lockRow(trx, 'publicIps', ip.id);
      if (await repos.loadBalancers.byName(row.accountId, b.name, trx)) {
        throw new ApiError('conflict', `a load balancer named ${b.name} exists in this account`, { field: 'name' });
      }
      const fresh = await repos.publicIps.getForWrite(scope, ip.id, trx);
      if (!fresh) throw new ApiError('not_found', `public IP ${ip.id} not found`);
      if (fresh.staticNatNicId) throw new ApiError('conflict', `${ip.address} has static NAT to NIC ${fresh.staticNatNicId}; a load balancer needs an address of the router`, { field: 'publicIpId' });
      await assertPortsFree(trx, ip, 'tcp', { from: b.publicPort, to: b.publicPort }, 'publicPort');
      await repos.loadBalancers.insert(row, trx);
      for (const nicId of nicIds) await repos.loadBalancers.addMember({ loadBalancerId: row.id, nicId, createdAt: row.createdAt }, trx);
      touch(row.networkId);
      return row;
    });
  }

  async update(scope: Scope, id: string, b: LoadBalancerUpdate): Promise<LoadBalancerRow> {
    const lb = await this.get(scope, id, true);
    const patch: Partial<LoadBalancerRow> = {
      ...(b.privatePort !== undefined ? { privatePort: b.privatePort } : {}),
      ...(b.algorithm !== undefined ? { algorithm: b.algorithm } : {}),
      ...(b.healthCheck !== undefined ? healthColumns(b.healthCheck) : {}),
    };
    return runNetworkTx(this.deps, async (trx, touch) => {
      await this.deps.repos.loadBalancers.update(scope, id, patch, trx);
      touch(lb.networkId);
      return { ...lb, ...patch };
    });
  }

  async delete(scope: Scope, id: string): Promise<void> {
    const lb = await this.get(scope, id, true);
    await runNetworkTx(this.deps, async (trx, touch) => {
      await this.deps.repos.loadBalancers.deleteWithMembers(scope, id, trx);
      touch(lb.networkId);
    });
  }

  async members(scope: Scope, id: string): Promise<LoadBalancerMemberView[]> {
    const lb = await this.get(scope, id);
    return this.deps.repos.loadBalancers.members(lb.id);
  }

  async addMember(scope: Scope, id: string, nicId: string): Promise<LoadBalancerMemberView> {
    const lb = await this.get(scope, id, true);
    const nic = await this.rules.nicOfNetwork(scope, nicId, lb.networkId, 'nicId');
    const row: LoadBalancerMemberRow = { loadBalancerId: lb.id, nicId: nic.id, createdAt: this.now() };
    try {
      await runNetworkTx(this.deps, async (trx, touch) => {
        await this.deps.repos.loadBalancers.addMember(row, trx);
        touch(lb.networkId);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ApiError('conflict', `NIC ${nicId} is already a member of load balancer ${lb.name}`, { field: 'nicId' });
      throw e;
    }
    return { ...row, instanceId: nic.instanceId, ip: nic.ip };
  }

  async removeMember(scope: Scope, id: string, nicId: string): Promise<void> {
    const lb = await this.get(scope, id, true);
    await runNetworkTx(this.deps, async (trx, touch) => {
      if (!(await this.deps.repos.loadBalancers.removeMember(lb.id, nicId, trx))) throw new ApiError('not_found', `NIC ${nicId} is not a member of load balancer ${lb.name}`);
      touch(lb.networkId);
    });
  }
}

import { ApiError, type HealthCheckInput, type LoadBalancerCreate, type LoadBalancerUpdate } from '@kumo/api';
import { isUniqueViolation, type LoadBalancerMemberRow, type LoadBalancerRow, type Scope } from '@kumo/db';
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
    return (await this.deps.repos.db.selectFrom('loadBalancerMembers').select('nicId').where('loadBalancerId', '=', lbId).orderBy('nicId').execute()).map((r) => r.nicId);
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
    return runNetworkTx(this.deps, async (trx, touch) => {
      await lockRow(trx, 'publicIps', ip.id);
      if (await trx.selectFrom('loadBalancers').select('id').where('accountId', '=', row.accountId).where('name', '=', b.name).executeTakeFirst()) {
        throw new ApiError('conflict', `a load balancer named ${b.name} exists in this account`, { field: 'name' });
      }
      const fresh = await trx.selectFrom('publicIps').selectAll().where('id', '=', ip.id).executeTakeFirstOrThrow();
      if (fresh.staticNatNicId) throw new ApiError('conflict', `${ip.address} has static NAT to NIC ${fresh.staticNatNicId}; a load balancer needs an address of the router`, { field: 'publicIpId' });
      await assertPortsFree(trx, ip, 'tcp', { from: b.publicPort, to: b.publicPort }, 'publicPort');
      await trx.insertInto('loadBalancers').values(row).execute();
      for (const nicId of nicIds) await trx.insertInto('loadBalancerMembers').values({ loadBalancerId: row.id, nicId, createdAt: row.createdAt }).execute();
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
      await trx.updateTable('loadBalancers').set(patch).where('id', '=', id).execute();
      touch(lb.networkId);
      return { ...lb, ...patch };
    });
  }

  async delete(scope: Scope, id: string): Promise<void> {
    const lb = await this.get(scope, id, true);
    await runNetworkTx(this.deps, async (trx, touch) => {
      await trx.deleteFrom('loadBalancerMembers').where('loadBalancerId', '=', id).execute();
      await trx.deleteFrom('loadBalancers').where('id', '=', id).execute();
      touch(lb.networkId);
    });
  }

  async members(scope: Scope, id: string): Promise<Array<LoadBalancerMemberRow & { instanceId: string; ip: string }>> {
    const lb = await this.get(scope, id);
    return this.deps.repos.db.selectFrom('loadBalancerMembers').innerJoin('nics', 'nics.id', 'loadBalancerMembers.nicId')
      .select(['loadBalancerMembers.loadBalancerId', 'loadBalancerMembers.nicId', 'loadBalancerMembers.createdAt', 'nics.instanceId', 'nics.ip'])
      .where('loadBalancerMembers.loadBalancerId', '=', lb.id).orderBy('loadBalancerMembers.nicId').execute();
  }

  async addMember(scope: Scope, id: string, nicId: string): Promise<LoadBalancerMemberRow & { instanceId: string; ip: string }> {
    const lb = await this.get(scope, id, true);
    const nic = await this.rules.nicOfNetwork(scope, nicId, lb.networkId, 'nicId');
    const row: LoadBalancerMemberRow = { loadBalancerId: lb.id, nicId: nic.id, createdAt: this.now() };
    try {
      await runNetworkTx(this.deps, async (trx, touch) => {
        await trx.insertInto('loadBalancerMembers').values(row).execute();
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
      const r = await trx.deleteFrom('loadBalancerMembers').where('loadBalancerId', '=', lb.id).where('nicId', '=', nicId).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) throw new ApiError('not_found', `NIC ${nicId} is not a member of load balancer ${lb.name}`);
      touch(lb.networkId);
    });
  }
}

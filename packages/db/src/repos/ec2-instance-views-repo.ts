import type { Kysely } from 'kysely';
import type { Database, InstanceRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { whereOwned } from '../scope-filter.ts';

/** An instance as the EC2 facade describes it: the row's fields it shows and what it is made of and attached to. */
export interface Ec2InstanceViewRow {
  instance: Pick<InstanceRow, 'id' | 'accountId' | 'name' | 'zoneId' | 'phase' | 'desired' | 'task' | 'offeringId' | 'imageVersionId' | 'keypairId' | 'vcpus' | 'memoryMiB' | 'createdAt' | 'deletedAt' | 'errorReason' | 'metadataHttpTokens'>;
  nics: Array<{ id: string; networkId: string; ip: string; mac: string; publicIp: string | null; publicIpId: string | null; securityGroups: Array<{ id: string; name: string }> }>;
  volumes: Array<{ id: string; kind: 'root' | 'data'; pciSlot: number | null; createdAt: string }>;
}

const columns = ['id', 'accountId', 'name', 'zoneId', 'phase', 'desired', 'task', 'offeringId', 'imageVersionId', 'keypairId', 'vcpus', 'memoryMiB', 'createdAt', 'deletedAt', 'errorReason', 'metadataHttpTokens'] as const;

/**
 * Pages of an account's instances with their NICs, security groups, public IPs and volumes in
 * four queries per page (the EC2 DescribeInstances read model). Instances deleted since
 * `deletedSince` are included: EC2 keeps terminated instances visible for a while.
 */
export class Ec2InstanceViewsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async page(scope: Scope, q: { afterId: string | null; limit: number; ids?: readonly string[]; deletedSince: string }): Promise<{ items: Ec2InstanceViewRow[]; more: boolean }> {
    if (q.ids && q.ids.length === 0) return { items: [], more: false };
    let sel = this.db.selectFrom('instances').select([...columns])
      .where((eb) => eb.or([eb('phase', '!=', 'deleted'), eb('deletedAt', '>=', q.deletedSince)]));
    sel = whereOwned(sel, 'accountId', scope);
    if (q.afterId !== null) sel = sel.where('id', '>', q.afterId);
    if (q.ids) sel = sel.where('id', 'in', [...q.ids]);
    const rows = await sel.orderBy('id').limit(q.limit + 1).execute();
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const ids = page.map((r) => r.id);
    if (ids.length === 0) return { items: [], more: false };
    const [nics, vols] = await Promise.all([
      this.db.selectFrom('nics').leftJoin('publicIps', 'publicIps.staticNatNicId', 'nics.id')
        .select(['nics.id', 'nics.instanceId', 'nics.networkId', 'nics.ip', 'nics.mac', 'nics.deviceIndex', 'publicIps.address as publicIp', 'publicIps.id as publicIpId'])
        .where('nics.instanceId', 'in', ids).orderBy('nics.instanceId').orderBy('nics.deviceIndex').execute(),
      this.db.selectFrom('volumes').select(['id', 'instanceId', 'kind', 'pciSlot', 'createdAt'])
        .where('instanceId', 'in', ids).where('phase', '!=', 'deleted').orderBy('id').execute(),
    ]);
    const nicIds = nics.map((n) => n.id);
    const groups = nicIds.length === 0 ? [] : await this.db.selectFrom('nicSecurityGroups').innerJoin('securityGroups', 'securityGroups.id', 'nicSecurityGroups.securityGroupId')
      .select(['nicSecurityGroups.nicId', 'securityGroups.id', 'securityGroups.name']).where('nicSecurityGroups.nicId', 'in', nicIds).orderBy('securityGroups.id').execute();
    const groupsOf = new Map<string, Array<{ id: string; name: string }>>();
    for (const g of groups) groupsOf.set(g.nicId, [...(groupsOf.get(g.nicId) ?? []), { id: g.id, name: g.name }]);
    const byInstance = new Map<string, Ec2InstanceViewRow>(page.map((r) => [r.id, { instance: r, nics: [], volumes: [] }]));
    for (const n of nics) {
      byInstance.get(n.instanceId)?.nics.push({ id: n.id, networkId: n.networkId, ip: n.ip, mac: n.mac, publicIp: n.publicIp ?? null, publicIpId: n.publicIpId ?? null, securityGroups: groupsOf.get(n.id) ?? [] });
    }
    for (const v of vols) if (v.instanceId) byInstance.get(v.instanceId)?.volumes.push({ id: v.id, kind: v.kind, pciSlot: v.pciSlot, createdAt: v.createdAt });
    return { items: [...byInstance.values()], more };
  }
}

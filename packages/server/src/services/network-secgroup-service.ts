import type { Kysely } from 'kysely';
import { ApiError, type SecurityGroupCreate, type SecurityGroupRuleCreate } from '@kumo/api';
import { createRepos, isUniqueViolation, withSavepoint, type Database, type Scope, type SecurityGroupRow, type SecurityGroupRuleRow } from '@kumo/db';
import { isoNow, networksDependingOnGroups, networksOfGroupMembers, runNetworkTx, type NetworkDeps } from './network-tx.ts';
import { newNetworkId } from './network-ids.ts';
import { parseCidr } from '@kumo/netcfg';
import { checkTraffic, netcfg } from './network-errors.ts';

export const DEFAULT_GROUP_NAME = 'default';
export const MAX_RULES_PER_GROUP = 100;

/**
 * The account's `default` security group, created on first use with EC2's semantics: ingress
 * only from members of the same group, all egress. Two concurrent first uses create it once (the
 * unique name per account decides; the loser reads the winner's group).
 */
export async function ensureDefaultGroup(trx: Kysely<Database>, accountId: string, nowIso: string): Promise<SecurityGroupRow> {
  const groups = createRepos(trx).securityGroups;
  const byName = () => groups.byName(accountId, DEFAULT_GROUP_NAME, trx);
  const existing = await byName();
  if (existing) return existing;
  const group: SecurityGroupRow = { id: newNetworkId('securityGroup'), accountId, name: DEFAULT_GROUP_NAME, description: 'default group: members talk freely, all egress', createdAt: nowIso };
  try {
    await withSavepoint(trx, async () => {
      await groups.insert(group, trx);
      const rule = (direction: 'ingress' | 'egress', peer: { cidr: string | null; remoteGroupId: string | null }): SecurityGroupRuleRow => ({
        id: newNetworkId('securityGroupRule'), accountId, securityGroupId: group.id, direction, protocol: 'all',
        portStart: null, portEnd: null, icmpType: null, icmpCode: null, ...peer, createdAt: nowIso,
      });
      await groups.insertRule(rule('ingress', { cidr: null, remoteGroupId: group.id }), trx);
      await groups.insertRule(rule('egress', { cidr: '0.0.0.0/0', remoteGroupId: null }), trx);
    });
    return group;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const winner = await byName();
    if (!winner) throw e;
    return winner;
  }
}

/** Security groups of an account and their rules. */
export class SecurityGroupService {
  constructor(private readonly deps: NetworkDeps) {}

  private now(): string { return isoNow(this.deps.clock); }

  async ensureDefault(accountId: string): Promise<SecurityGroupRow> {
    return this.deps.repos.db.transaction().execute((trx) => ensureDefaultGroup(trx, accountId, this.now()));
  }

  async rulesOf(groupIds: readonly string[]): Promise<Map<string, SecurityGroupRuleRow[]>> {
    const out = new Map<string, SecurityGroupRuleRow[]>(groupIds.map((g) => [g, []]));
    for (const r of await this.deps.repos.securityGroups.rules(groupIds)) out.get(r.securityGroupId)?.push(r);
    return out;
  }

  async get(scope: Scope, id: string, forWrite = false): Promise<SecurityGroupRow> {
    const g = forWrite ? await this.deps.repos.securityGroups.getForWrite(scope, id) : await this.deps.repos.securityGroups.get(scope, id);
    if (!g) throw new ApiError('not_found', `security group ${id} not found`);
    return g;
  }

  async create(scope: Scope, b: SecurityGroupCreate): Promise<SecurityGroupRow> {
    await this.ensureDefault(scope.accountId);
    const row: SecurityGroupRow = { id: newNetworkId('securityGroup'), accountId: scope.accountId, name: b.name, description: b.description ?? '', createdAt: this.now() };
    try {
      await this.deps.repos.securityGroups.insert(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ApiError('conflict', `security group ${b.name} already exists in this account`, { field: 'name' });
      throw e;
    }
    return row;
  }

  async delete(scope: Scope, id: string): Promise<void> {
    const g = await this.get(scope, id, true);
    if (g.name === DEFAULT_GROUP_NAME) throw new ApiError('conflict', 'the default security group cannot be deleted', { field: 'id' });
    const groups = this.deps.repos.securityGroups;
    await this.deps.repos.db.transaction().execute(async (trx) => {
      const members = await groups.memberCount(id, trx);
      if (members > 0) throw new ApiError('in_use', `security group ${g.name} still has ${members} NICs; move them to other groups first`, { references: 'nics', count: members });
      const refs = await groups.peerReferences(id, trx);
      if (refs[0]) throw new ApiError('in_use', `rules of security group ${refs[0].name} (${refs[0].id}) name ${g.name} as their peer; delete those rules first`, { references: 'securityGroupRules', count: refs.length });
      await groups.deleteWithRules(scope, id, trx);
    });
  }

  async addRule(scope: Scope, groupId: string, b: SecurityGroupRuleCreate): Promise<SecurityGroupRuleRow> {
    const g = await this.get(scope, groupId, true);
    const traffic = checkTraffic(b);
    if ((b.cidr === undefined) === (b.remoteGroupId === undefined)) {
      throw new ApiError('bad_request', 'a rule names exactly one peer: either cidr or remoteGroupId', { field: b.cidr === undefined ? 'cidr' : 'remoteGroupId' });
    }
    if (b.cidr !== undefined) { const cidr = b.cidr; netcfg('cidr', () => parseCidr(cidr)); }
    if (b.remoteGroupId !== undefined) {
      const peer = await this.deps.repos.securityGroups.idsInAccount(g.accountId, [b.remoteGroupId]);
      if (peer.length === 0) throw new ApiError('bad_request', `security group ${b.remoteGroupId} does not exist in this account`, { field: 'remoteGroupId' });
    }
    const row: SecurityGroupRuleRow = {
      id: newNetworkId('securityGroupRule'), accountId: g.accountId, securityGroupId: g.id, direction: b.direction, ...traffic,
      cidr: b.cidr ?? null, remoteGroupId: b.remoteGroupId ?? null, createdAt: this.now(),
    };
    return runNetworkTx(this.deps, async (trx, touch) => {
      const existing = await this.deps.repos.securityGroups.rules([g.id], trx);
      if (existing.length >= MAX_RULES_PER_GROUP) throw new ApiError('conflict', `security group ${g.name} has ${existing.length} rules, the most a group may have`, { field: 'id' });
      const same = existing.find((r) => r.direction === row.direction && r.protocol === row.protocol && r.portStart === row.portStart && r.portEnd === row.portEnd
        && r.icmpType === row.icmpType && r.icmpCode === row.icmpCode && r.cidr === row.cidr && r.remoteGroupId === row.remoteGroupId);
      if (same) throw new ApiError('conflict', `security group ${g.name} already has this rule (${same.id})`, { field: 'direction', ruleId: same.id });
      await this.deps.repos.securityGroups.insertRule(row, trx);
      touch(await networksOfGroupMembers(trx, [g.id]));
      return row;
    });
  }

  async deleteRule(scope: Scope, groupId: string, ruleId: string): Promise<void> {
    const g = await this.get(scope, groupId, true);
    await runNetworkTx(this.deps, async (trx, touch) => {
      if (!(await this.deps.repos.securityGroups.deleteRule(g.id, ruleId, trx))) throw new ApiError('not_found', `security group ${g.name} has no rule ${ruleId}`);
      touch(await networksOfGroupMembers(trx, [g.id]));
    });
  }

  /** Replace a NIC's groups (all of the NIC owner's account). */
  async setNicGroups(scope: Scope, nicId: string, groupIds: readonly string[]): Promise<string[]> {
    const nic = await this.deps.repos.nics.getForWrite(scope, nicId);
    if (!nic) throw new ApiError('not_found', `NIC ${nicId} not found`);
    const wanted = [...new Set(groupIds)].sort();
    return runNetworkTx(this.deps, async (trx, touch) => {
      const found = await this.deps.repos.securityGroups.idsInAccount(nic.accountId, wanted, trx);
      const missing = wanted.filter((g) => !found.includes(g));
      if (missing.length > 0) throw new ApiError('bad_request', `security group ${missing[0]} does not exist in this account`, { field: 'securityGroupIds' });
      const before = (await this.deps.repos.nics.groupIds([nicId], trx)).get(nicId) ?? [];
      await this.deps.repos.nics.setGroups(nicId, wanted, trx);
      touch(nic.networkId);
      touch(await networksDependingOnGroups(trx, [...new Set([...before, ...wanted])]));
      return wanted;
    });
  }
}

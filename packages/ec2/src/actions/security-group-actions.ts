import type { SecurityGroupRuleSpec, SecurityGroupRuleView, SecurityGroupView } from '../ec2-backend.ts';
import { Ec2Error, invalidParameter } from '../ec2-error.ts';
import { fromEc2Id, notFoundCode, toEc2Id } from '../ec2-ids.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import type { QueryParams } from '../query-params.ts';
import { specTags, tagSetXml, tagsOf } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, write, type ActionContext, type ActionTable } from './action-context.ts';

/** Security group ids from SecurityGroupId.N, and from names (SecurityGroup.N / GroupName). */
export async function resolveGroupIds(ctx: ActionContext, ids: string[], names: string[]): Promise<string[]> {
  const kumoIds = ids.map((id) => fromEc2Id('securityGroup', id));
  if (names.length === 0 && kumoIds.length === 0) return [];
  const groups = await ctx.backend.securityGroups(ctx.caller);
  for (const id of kumoIds) if (!groups.some((g) => g.id === id)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${toEc2Id('securityGroup', id)}' does not exist`);
  for (const n of names) {
    const g = groups.find((x) => x.name === n);
    if (!g) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${n}' does not exist`);
    kumoIds.push(g.id);
  }
  return [...new Set(kumoIds)];
}

async function groupOf(ctx: ActionContext): Promise<SecurityGroupView> {
  const [id] = await resolveGroupIds(ctx, ctx.params.get('GroupId') ? [ctx.params.get('GroupId')!] : [], ctx.params.get('GroupName') ? [ctx.params.get('GroupName')!] : []);
  if (!id) throw new Ec2Error('MissingParameter', 'The request must contain the parameter GroupId or GroupName');
  return (await ctx.backend.securityGroups(ctx.caller)).find((g) => g.id === id)!;
}

const protocols: Record<string, SecurityGroupRuleSpec['protocol']> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', '-1': 'all', all: 'all' };

/** IpPermissions.N (or the legacy flat IpProtocol/FromPort/ToPort/CidrIp) as Kumo rules: one per peer. */
function ruleSpecs(params: QueryParams, direction: 'ingress' | 'egress'): SecurityGroupRuleSpec[] {
  const perms = params.structs('IpPermissions');
  if (perms.length === 0 && params.get('IpProtocol')) perms.push(params);
  if (perms.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter IpPermissions');
  return perms.flatMap((perm, n) => {
    const field = `IpPermissions.${n + 1}`;
    const raw = perm.required('IpProtocol').toLowerCase();
    const protocol = protocols[raw];
    if (!protocol) throw invalidParameter(`${field}.IpProtocol`, `${raw} is not a protocol this cloud filters; use tcp, udp, icmp or -1`);
    const from = perm.int('FromPort', -1, 65535);
    const to = perm.int('ToPort', -1, 65535);
    const traffic: Omit<SecurityGroupRuleSpec, 'cidr' | 'remoteGroupId'> = { direction, protocol };
    if (protocol === 'tcp' || protocol === 'udp') {
      if (from === undefined || to === undefined || from < 0 || to < from) throw invalidParameter(`${field}.FromPort`, 'tcp and udp rules need FromPort <= ToPort, 0..65535');
      if (!(from === 0 && to === 65535)) Object.assign(traffic, { portStart: from, portEnd: to });
    } else if (protocol === 'icmp') {
      if (from !== undefined && from >= 0) traffic.icmpType = from;
      if (to !== undefined && to >= 0) traffic.icmpCode = to;
    }
    const cidrs = [...perm.structs('IpRanges').map((r) => r.required('CidrIp')), ...(perm.get('CidrIp') ? [perm.get('CidrIp')!] : [])];
    const groups = perm.structs('Groups').concat(perm.structs('UserIdGroupPairs')).map((g) => fromEc2Id('securityGroup', g.required('GroupId')));
    if (perm.structs('Ipv6Ranges').length > 0) throw new Ec2Error('UnsupportedOperation', `${field}.Ipv6Ranges: IPv6 rules are not supported`);
    if (cidrs.length + groups.length === 0) throw invalidParameter(field, 'name at least one peer: IpRanges.N.CidrIp or Groups.N.GroupId');
    return [...cidrs.map((cidr) => ({ ...traffic, cidr })), ...groups.map((remoteGroupId) => ({ ...traffic, remoteGroupId }))];
  });
}

const sameRule = (r: SecurityGroupRuleView, s: SecurityGroupRuleSpec): boolean => r.direction === s.direction && r.protocol === s.protocol
  && r.portStart === (s.portStart ?? null) && r.portEnd === (s.portEnd ?? null) && r.icmpType === (s.icmpType ?? null) && r.icmpCode === (s.icmpCode ?? null)
  && r.cidr === (s.cidr ?? null) && r.remoteGroupId === (s.remoteGroupId ?? null);

/** Rules grouped as EC2 shows them: one ipPermissions item per protocol and port range, its peers listed. */
function permissionsXml(rules: SecurityGroupRuleView[], ownerId: string): XmlValue {
  const byTraffic = new Map<string, SecurityGroupRuleView[]>();
  for (const r of rules) {
    const k = `${r.protocol}:${r.portStart}:${r.portEnd}:${r.icmpType}:${r.icmpCode}`;
    byTraffic.set(k, [...(byTraffic.get(k) ?? []), r]);
  }
  return itemSet([...byTraffic.values()].map((rs) => {
    const r = rs[0]!;
    const ports = r.protocol === 'icmp' ? { fromPort: r.icmpType ?? -1, toPort: r.icmpCode ?? -1 }
      : r.protocol === 'all' ? {} : { fromPort: r.portStart ?? 0, toPort: r.portEnd ?? 65535 };
    return {
      ipProtocol: r.protocol === 'all' ? '-1' : r.protocol, ...ports,
      groups: itemSet(rs.filter((x) => x.remoteGroupId).map((x) => ({ userId: ownerId, groupId: toEc2Id('securityGroup', x.remoteGroupId!) }))),
      ipRanges: itemSet(rs.filter((x) => x.cidr).map((x) => ({ cidrIp: x.cidr! }))),
      ipv6Ranges: itemSet([]), prefixListIds: itemSet([]),
    };
  }));
}

const groupFilters: FilterFields<SecurityGroupView> = {
  'group-id': (g) => [toEc2Id('securityGroup', g.id)],
  'group-name': (g) => [g.name],
  description: (g) => [g.description],
  'owner-id': (g) => [g.accountId],
  'vpc-id': () => [],
  'ip-permission.cidr': (g) => g.rules.filter((r) => r.direction === 'ingress').map((r) => r.cidr),
  'ip-permission.protocol': (g) => g.rules.filter((r) => r.direction === 'ingress').map((r) => (r.protocol === 'all' ? '-1' : r.protocol)),
  'egress.ip-permission.cidr': (g) => g.rules.filter((r) => r.direction === 'egress').map((r) => r.cidr),
};

async function describeSecurityGroups(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const ids = ctx.params.list('GroupId').map((id) => fromEc2Id('securityGroup', id));
  const names = ctx.params.list('GroupName');
  const all = await ctx.backend.securityGroups(ctx.caller);
  for (const id of ids) if (!all.some((g) => g.id === id)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${toEc2Id('securityGroup', id)}' does not exist`);
  for (const n of names) if (!all.some((g) => g.name === n)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${n}' does not exist`);
  const tags = await tagsOf(ctx, all.map((g) => g.id));
  const pick = filterPredicate(ctx.params.filters(), groupFilters, (g) => tags(g.id));
  const shown = all.filter((g) => (ids.length === 0 || ids.includes(g.id)) && (names.length === 0 || names.includes(g.name)) && pick(g));
  return {
    securityGroupInfo: itemSet(shown.map((g) => ({
      ownerId: g.accountId, groupId: toEc2Id('securityGroup', g.id), groupName: g.name, groupDescription: g.description,
      ipPermissions: permissionsXml(g.rules.filter((r) => r.direction === 'ingress'), g.accountId),
      ipPermissionsEgress: permissionsXml(g.rules.filter((r) => r.direction === 'egress'), g.accountId),
      tagSet: tagSetXml(tags(g.id)),
    }))),
  };
}

async function createSecurityGroup(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const name = ctx.params.required('GroupName');
  const description = ctx.params.required('GroupDescription');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) throw invalidParameter('GroupName', 'letters, digits, . _ - (starting with a letter or digit), at most 63');
  const tags = specTags(ctx, 'security-group', ['security-group']);
  const id = await mapKumoErrors(() => ctx.backend.createSecurityGroup(ctx.caller, name, description), undefined, { conflict: 'InvalidGroup.Duplicate' });
  if (tags.length > 0) await ctx.backend.setTags(ctx.caller, [{ id, type: 'security-group' }], tags);
  return { return: true, groupId: toEc2Id('securityGroup', id), tagSet: tagSetXml(new Map(tags.map((t) => [t.key, t.value]))) };
}

async function deleteSecurityGroup(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const g = await groupOf(ctx);
  await mapKumoErrors(() => ctx.backend.deleteSecurityGroup(ctx.caller, g.id), notFoundCode('securityGroup'), { in_use: 'DependencyViolation', conflict: 'CannotDelete' });
  return { return: true, groupId: toEc2Id('securityGroup', g.id) };
}

function authorize(direction: 'ingress' | 'egress') {
  return async (ctx: ActionContext): Promise<Record<string, XmlValue>> => {
    const g = await groupOf(ctx);
    const specs = ruleSpecs(ctx.params, direction);
    for (const s of specs) if (g.rules.some((r) => sameRule(r, s))) throw new Ec2Error('InvalidPermission.Duplicate', `the specified rule "peer: ${s.cidr ?? s.remoteGroupId}, ${s.protocol.toUpperCase()}" already exists`);
    const made: Array<{ id: string; spec: SecurityGroupRuleSpec }> = [];
    for (const s of specs) made.push({ id: await mapKumoErrors(() => ctx.backend.addSecurityGroupRule(ctx.caller, g.id, s), 'InvalidGroup.NotFound', { conflict: 'InvalidPermission.Duplicate' }), spec: s });
    return {
      return: true,
      securityGroupRuleSet: itemSet(made.map(({ id, spec }) => ({
        securityGroupRuleId: toEc2Id('securityGroupRule', id), groupId: toEc2Id('securityGroup', g.id), groupOwnerId: g.accountId,
        isEgress: direction === 'egress', ipProtocol: spec.protocol === 'all' ? '-1' : spec.protocol,
        fromPort: spec.portStart ?? spec.icmpType ?? -1, toPort: spec.portEnd ?? spec.icmpCode ?? -1, cidrIpv4: spec.cidr,
      }))),
    };
  };
}

function revoke(direction: 'ingress' | 'egress') {
  return async (ctx: ActionContext): Promise<Record<string, XmlValue>> => {
    const g = await groupOf(ctx);
    const ruleIds = ctx.params.list('SecurityGroupRuleId').map((id) => fromEc2Id('securityGroupRule', id));
    const targets = ruleIds.length > 0
      ? ruleIds.map((id) => g.rules.find((r) => r.id === id && r.direction === direction) ?? missingRule(toEc2Id('securityGroupRule', id)))
      : ruleSpecs(ctx.params, direction).map((s) => g.rules.find((r) => sameRule(r, s)) ?? missingRule(`${s.protocol} ${s.cidr ?? s.remoteGroupId}`));
    for (const r of targets) await mapKumoErrors(() => ctx.backend.deleteSecurityGroupRule(ctx.caller, g.id, r.id), 'InvalidPermission.NotFound');
    return { return: true };
  };
}

function missingRule(what: string): never {
  throw new Ec2Error('InvalidPermission.NotFound', `The specified rule does not exist in this security group: ${what}`);
}

export const securityGroupActions: ActionTable = {
  DescribeSecurityGroups: read(describeSecurityGroups),
  CreateSecurityGroup: write(createSecurityGroup),
  DeleteSecurityGroup: write(deleteSecurityGroup),
  AuthorizeSecurityGroupIngress: write(authorize('ingress')),
  AuthorizeSecurityGroupEgress: write(authorize('egress')),
  RevokeSecurityGroupIngress: write(revoke('ingress')),
  RevokeSecurityGroupEgress: write(revoke('egress')),
};

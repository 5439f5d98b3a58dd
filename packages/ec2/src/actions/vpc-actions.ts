import type { NetworkView } from '../ec2-backend.ts';
import { Ec2Error, invalidParameter } from '../ec2-error.ts';
import { fromEc2Id, toEc2Id } from '../ec2-ids.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import { specTags, tagSetXml, tagsOf } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, write, type ActionContext, type ActionTable } from './action-context.ts';

/** A Kumo network is a VPC with one subnet of the same CIDR: vpc-X and subnet-X name the same network. */
const vpcFilters: FilterFields<NetworkView> = {
  'vpc-id': (n) => [toEc2Id('vpc', n.id)],
  'cidr': (n) => [n.cidr],
  'cidr-block-association.cidr-block': (n) => [n.cidr],
  'is-default': (n) => [n.isDefault],
  'owner-id': (n) => [n.accountId],
  state: () => ['available'],
};
const subnetFilters: FilterFields<NetworkView> = {
  'subnet-id': (n) => [toEc2Id('subnet', n.id)],
  'vpc-id': (n) => [toEc2Id('vpc', n.id)],
  'cidr-block': (n) => [n.cidr],
  'availability-zone': (n) => [n.zoneName],
  'default-for-az': (n) => [n.isDefault],
  'owner-id': (n) => [n.accountId],
  state: () => ['available'],
};

async function listed(ctx: ActionContext, kind: 'vpc' | 'subnet', param: string, fields: FilterFields<NetworkView>): Promise<{ items: NetworkView[]; tags: Awaited<ReturnType<typeof tagsOf>> }> {
  const ids = ctx.params.list(param).map((id) => fromEc2Id(kind, id));
  const all = await ctx.backend.networks(ctx.caller);
  for (const id of ids) if (!all.some((n) => n.id === id)) throw new Ec2Error(kind === 'vpc' ? 'InvalidVpcID.NotFound' : 'InvalidSubnetID.NotFound', `The ${kind} ID '${toEc2Id(kind, id)}' does not exist`);
  const tags = await tagsOf(ctx, all.map((n) => n.id));
  const pick = filterPredicate(ctx.params.filters(), fields, (n) => tags(n.id));
  return { items: all.filter((n) => (ids.length === 0 || ids.includes(n.id)) && pick(n)), tags };
}

function vpcXml(n: NetworkView, tags: XmlValue): Record<string, XmlValue> {
  return {
    vpcId: toEc2Id('vpc', n.id), ownerId: n.accountId, state: 'available', cidrBlock: n.cidr, dhcpOptionsId: 'default', instanceTenancy: 'default', isDefault: n.isDefault,
    cidrBlockAssociationSet: itemSet([{ cidrBlock: n.cidr, associationId: `vpc-cidr-assoc-${n.id.slice(4)}`, cidrBlockState: { state: 'associated' } }]),
    ipv6CidrBlockAssociationSet: itemSet([]), tagSet: tags,
  };
}

function subnetXml(n: NetworkView, tags: XmlValue): Record<string, XmlValue> {
  return {
    subnetId: toEc2Id('subnet', n.id), subnetArn: `arn:aws:ec2:kumo:${n.accountId}:subnet/${toEc2Id('subnet', n.id)}`, ownerId: n.accountId, state: 'available',
    vpcId: toEc2Id('vpc', n.id), cidrBlock: n.cidr, availableIpAddressCount: n.freeAddresses, availabilityZone: n.zoneName, availabilityZoneId: n.zoneName,
    defaultForAz: n.isDefault, mapPublicIpOnLaunch: false, assignIpv6AddressOnCreation: false, ipv6CidrBlockAssociationSet: itemSet([]), tagSet: tags,
  };
}

async function describeVpcs(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const { items, tags } = await listed(ctx, 'vpc', 'VpcId', vpcFilters);
  return { vpcSet: itemSet(items.map((n) => vpcXml(n, tagSetXml(tags(n.id))))) };
}

async function describeSubnets(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const { items, tags } = await listed(ctx, 'subnet', 'SubnetId', subnetFilters);
  return { subnetSet: itemSet(items.map((n) => subnetXml(n, tagSetXml(tags(n.id))))) };
}

async function createVpc(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const cidr = ctx.params.required('CidrBlock');
  const tags = specTags(ctx, 'vpc', ['vpc']);
  const name = `vpc-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const id = await mapKumoErrors(() => ctx.backend.createNetwork(ctx.caller, { name, cidr, zoneName: undefined }), undefined, { bad_request: 'InvalidVpc.Range', quota_exceeded: 'VpcLimitExceeded' });
  if (tags.length > 0) await ctx.backend.setTags(ctx.caller, [{ id, type: 'vpc' }], tags);
  const n = (await ctx.backend.networks(ctx.caller)).find((x) => x.id === id);
  if (!n) throw new Ec2Error('InternalError', `network ${id} vanished after its creation`, 500);
  return { vpc: vpcXml(n, tagSetXml(new Map(tags.map((t) => [t.key, t.value])))) };
}

/** A VPC has one subnet, its whole CIDR: CreateSubnet with that CIDR answers it; another CIDR is refused. */
async function createSubnet(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const vpcId = ctx.params.required('VpcId');
  const cidr = ctx.params.required('CidrBlock');
  const id = fromEc2Id('vpc', vpcId);
  const n = (await ctx.backend.networks(ctx.caller)).find((x) => x.id === id);
  if (!n) throw new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
  if (cidr !== n.cidr) throw invalidParameter('CidrBlock', `a Kumo network is a VPC with one subnet of the VPC's whole CIDR: use ${n.cidr}`);
  const tags = specTags(ctx, 'subnet', ['subnet']);
  if (tags.length > 0) await ctx.backend.setTags(ctx.caller, [{ id, type: 'subnet' }], tags);
  return { subnet: subnetXml(n, tagSetXml((await tagsOf(ctx, [id]))(id))) };
}

function deleteNetwork(kind: 'vpc' | 'subnet', param: string) {
  return async (ctx: ActionContext): Promise<Record<string, XmlValue>> => {
    const id = fromEc2Id(kind, ctx.params.required(param));
    await mapKumoErrors(() => ctx.backend.deleteNetwork(ctx.caller, id), kind === 'vpc' ? 'InvalidVpcID.NotFound' : 'InvalidSubnetID.NotFound', { in_use: 'DependencyViolation', conflict: 'DependencyViolation' });
    return { return: true };
  };
}

export const vpcActions: ActionTable = {
  DescribeVpcs: read(describeVpcs),
  DescribeSubnets: read(describeSubnets),
  CreateVpc: write(createVpc),
  CreateSubnet: write(createSubnet),
  DeleteVpc: write(deleteNetwork('vpc', 'VpcId')),
  DeleteSubnet: write(deleteNetwork('subnet', 'SubnetId')),
};

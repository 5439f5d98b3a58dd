import type { AddressView } from '../ec2-backend.ts';
import { Ec2Error } from '../ec2-error.ts';
import { fromEc2Id, notFoundCode, toEc2Id } from '../ec2-ids.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import { specTags, tagSetXml, tagsOf } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, write, type ActionContext, type ActionTable } from './action-context.ts';

/** Elastic IPs are Kumo public IPs; an association is the public IP's static NAT to an instance's NIC. */
const addressFilters: FilterFields<AddressView> = {
  'allocation-id': (a) => [toEc2Id('address', a.id)],
  'association-id': (a) => [a.nicId ? toEc2Id('association', a.id) : null],
  'instance-id': (a) => [a.instanceId ? toEc2Id('instance', a.instanceId) : null],
  'public-ip': (a) => [a.address],
  'private-ip-address': (a) => [a.privateIp],
  domain: () => ['vpc'],
};

async function addressOf(ctx: ActionContext): Promise<AddressView> {
  const alloc = ctx.params.get('AllocationId');
  const ip = ctx.params.get('PublicIp');
  const all = await ctx.backend.addresses(ctx.caller);
  if (alloc) {
    const id = fromEc2Id('address', alloc);
    return all.find((a) => a.id === id) ?? raise(notFoundCode('address'), `The allocation ID '${alloc}' does not exist`);
  }
  if (ip) return all.find((a) => a.address === ip) ?? raise('InvalidAddress.NotFound', `The address '${ip}' does not exist`);
  throw new Ec2Error('MissingParameter', 'The request must contain the parameter AllocationId or PublicIp');
}

function raise(code: string, message: string): never { throw new Ec2Error(code, message); }

async function describeAddresses(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const ids = ctx.params.list('AllocationId').map((id) => fromEc2Id('address', id));
  const ips = ctx.params.list('PublicIp');
  const all = await ctx.backend.addresses(ctx.caller);
  for (const id of ids) if (!all.some((a) => a.id === id)) throw new Ec2Error(notFoundCode('address'), `The allocation ID '${toEc2Id('address', id)}' does not exist`);
  for (const ip of ips) if (!all.some((a) => a.address === ip)) throw new Ec2Error('InvalidAddress.NotFound', `The address '${ip}' does not exist`);
  const tags = await tagsOf(ctx, all.map((a) => a.id));
  const pick = filterPredicate(ctx.params.filters(), addressFilters, (a) => tags(a.id));
  return {
    addressesSet: itemSet(all.filter((a) => (ids.length === 0 || ids.includes(a.id)) && (ips.length === 0 || ips.includes(a.address)) && pick(a)).map((a) => ({
      publicIp: a.address, allocationId: toEc2Id('address', a.id), domain: 'vpc',
      instanceId: a.instanceId ? toEc2Id('instance', a.instanceId) : undefined,
      associationId: a.nicId ? toEc2Id('association', a.id) : undefined,
      networkInterfaceId: a.nicId ? `eni-${a.nicId.slice(4)}` : undefined,
      privateIpAddress: a.privateIp ?? undefined, networkBorderGroup: undefined, publicIpv4Pool: 'amazon', tagSet: tagSetXml(tags(a.id)),
    }))),
  };
}

async function allocateAddress(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const tags = specTags(ctx, 'elastic-ip', ['elastic-ip']);
  const a = await mapKumoErrors(() => ctx.backend.allocateAddress(ctx.caller, undefined), undefined, { no_capacity: 'AddressLimitExceeded', quota_exceeded: 'AddressLimitExceeded' });
  if (tags.length > 0) await ctx.backend.setTags(ctx.caller, [{ id: a.id, type: 'elastic-ip' }], tags);
  return { publicIp: a.address, domain: 'vpc', allocationId: toEc2Id('address', a.id), publicIpv4Pool: 'amazon', networkBorderGroup: undefined };
}

async function releaseAddress(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const a = await addressOf(ctx);
  if (a.nicId) throw new Ec2Error('InvalidIPAddress.InUse', `Address ${a.address} is associated with ${a.instanceId ? toEc2Id('instance', a.instanceId) : 'an instance'}; disassociate it first`);
  await mapKumoErrors(() => ctx.backend.releaseAddress(ctx.caller, a.id), notFoundCode('address'), { conflict: 'InvalidIPAddress.InUse', in_use: 'InvalidIPAddress.InUse' });
  return { return: true };
}

async function associateAddress(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const a = await addressOf(ctx);
  const instanceId = fromEc2Id('instance', ctx.params.required('InstanceId'));
  if (a.instanceId === instanceId) return { return: true, associationId: toEc2Id('association', a.id) };
  if (a.nicId && ctx.params.bool('AllowReassociation') !== true) throw new Ec2Error('Resource.AlreadyAssociated', `Address ${a.address} is already associated; pass AllowReassociation`);
  if (a.nicId) await mapKumoErrors(() => ctx.backend.disassociateAddress(ctx.caller, a.id));
  await mapKumoErrors(() => ctx.backend.associateAddress(ctx.caller, a.id, instanceId), 'InvalidInstanceID.NotFound');
  return { return: true, associationId: toEc2Id('association', a.id) };
}

async function disassociateAddress(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const assoc = ctx.params.get('AssociationId');
  const a = assoc ? await addressById(ctx, fromEc2Id('association', assoc), assoc) : await addressOf(ctx);
  if (a.nicId) await mapKumoErrors(() => ctx.backend.disassociateAddress(ctx.caller, a.id), 'InvalidAssociationID.NotFound');
  return { return: true };
}

async function addressById(ctx: ActionContext, id: string, shown: string): Promise<AddressView> {
  const a = (await ctx.backend.addresses(ctx.caller)).find((x) => x.id === id);
  if (!a || !a.nicId) throw new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${shown}' does not exist`);
  return a;
}

export const addressActions: ActionTable = {
  DescribeAddresses: read(describeAddresses),
  AllocateAddress: write(allocateAddress),
  ReleaseAddress: write(releaseAddress),
  AssociateAddress: write(associateAddress),
  DisassociateAddress: write(disassociateAddress),
};

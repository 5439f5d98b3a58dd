import type { InstanceTypeView, ZoneView } from '../ec2-backend.ts';
import { Ec2Error } from '../ec2-error.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { pageOf, pageRequest } from '../pagination.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, type ActionContext, type ActionTable } from './action-context.ts';

const none = () => new Map<string, string>();

async function describeRegions(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const configured = ctx.backend.region();
  const r = { name: configured.name, endpoint: configured.endpoint || ctx.requestUrl };
  const names = ctx.params.list('RegionName');
  for (const n of names) if (n !== r.name) throw new Ec2Error('InvalidParameterValue', `Invalid region: ${n}; this cloud is region ${r.name}`);
  const pick = filterPredicate(ctx.params.filters(), { 'region-name': () => [r.name], endpoint: () => [r.endpoint], 'opt-in-status': () => ['opt-in-not-required'] }, none);
  return { regionInfo: itemSet(pick(r) ? [{ regionName: r.name, regionEndpoint: r.endpoint, optInStatus: 'opt-in-not-required' }] : []) };
}

async function describeAvailabilityZones(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const region = ctx.backend.region().name;
  const zones = await ctx.backend.zones();
  const names = ctx.params.list('ZoneName');
  for (const n of names) if (!zones.some((z) => z.name === n)) throw new Ec2Error('InvalidParameterValue', `The zone '${n}' does not exist`);
  const fields: FilterFields<ZoneView> = {
    'zone-name': (z) => [z.name], 'zone-id': (z) => [z.name], 'region-name': () => [region], state: () => ['available'], 'zone-type': () => ['availability-zone'],
  };
  const pick = filterPredicate(ctx.params.filters(), fields, none);
  return {
    availabilityZoneInfo: itemSet(zones.filter((z) => (names.length === 0 || names.includes(z.name)) && pick(z)).map((z) => ({
      zoneName: z.name, zoneState: 'available', regionName: region, zoneId: z.name, zoneType: 'availability-zone', optInStatus: 'opt-in-not-required',
      groupName: region, networkBorderGroup: region, messageSet: itemSet([]),
    }))),
  };
}

const typeFilters: FilterFields<InstanceTypeView> = {
  'instance-type': (t) => [t.name], 'vcpu-info.default-vcpus': (t) => [t.vcpus], 'memory-info.size-in-mib': (t) => [t.memoryMiB],
  'current-generation': () => [true], 'processor-info.supported-architecture': () => ['x86_64'],
};

/** Instance types are offerings: the offering's name is the type's name. */
async function describeInstanceTypes(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const names = ctx.params.list('InstanceType');
  const all = await ctx.backend.instanceTypes();
  for (const n of names) if (!all.some((t) => t.name === n)) throw new Ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${n}]`);
  const pick = filterPredicate(ctx.params.filters(), typeFilters, none);
  const page = pageOf(all.filter((t) => (names.length === 0 || names.includes(t.name)) && pick(t)), (t) => t.name, pageRequest(ctx.params, 5, 100));
  return {
    instanceTypeSet: itemSet(page.items.map((t) => ({
      instanceType: t.name, currentGeneration: true, freeTierEligible: false, bareMetal: false, hypervisor: 'xen', burstablePerformanceSupported: false,
      supportedUsageClasses: itemSet(['on-demand']), supportedRootDeviceTypes: itemSet(['ebs']), supportedVirtualizationTypes: itemSet(['hvm']),
      processorInfo: { supportedArchitectures: itemSet(['x86_64']) },
      vCpuInfo: { defaultVCpus: t.vcpus, defaultCores: t.vcpus, defaultThreadsPerCore: 1 },
      memoryInfo: { sizeInMiB: t.memoryMiB },
      instanceStorageSupported: false, ebsInfo: { ebsOptimizedSupport: 'unsupported', encryptionSupport: 'unsupported' },
      networkInfo: { networkPerformance: 'Moderate', maximumNetworkInterfaces: 8, ipv4AddressesPerInterface: 1, ipv6Supported: false },
    }))),
    nextToken: page.nextToken,
  };
}

/** What Terraform's provider asks first: the platforms and the default VPC. */
async function describeAccountAttributes(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const nets = await ctx.backend.networks(ctx.caller);
  const def = nets.find((n) => n.isDefault);
  const attrs: Record<string, string[]> = {
    'supported-platforms': ['VPC'],
    'default-vpc': [def ? `vpc-${def.id.slice(4)}` : 'none'],
    'max-instances': ['1000'],
    'vpc-max-security-groups-per-interface': ['5'],
    'max-elastic-ips': ['5'],
    'vpc-max-elastic-ips': ['5'],
  };
  const asked = ctx.params.list('AttributeName');
  return {
    accountAttributeSet: itemSet(Object.entries(attrs).filter(([k]) => asked.length === 0 || asked.includes(k)).map(([k, vs]) => ({
      attributeName: k, attributeValueSet: itemSet(vs.map((v) => ({ attributeValue: v }))),
    }))),
  };
}

export const regionActions: ActionTable = {
  DescribeRegions: read(describeRegions),
  DescribeAvailabilityZones: read(describeAvailabilityZones),
  DescribeInstanceTypes: read(describeInstanceTypes),
  DescribeAccountAttributes: read(describeAccountAttributes),
};

import { randomBytes } from 'node:crypto';
import type { InstanceView } from '../ec2-backend.ts';
import { Ec2Error, invalidParameter } from '../ec2-error.ts';
import { fromEc2Id, notFoundCode, toEc2Id } from '../ec2-ids.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { ec2InstanceState, instanceStateCodes } from '../instance-state.ts';
import { encodeToken, pageRequest } from '../pagination.ts';
import { kumoName, specTags, tagsOf } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, write, type ActionContext, type ActionTable } from './action-context.ts';
import { deviceNames, instanceXml, stateXml } from './instance-xml.ts';
import { resolveGroupIds } from './security-group-actions.ts';
import { httpTokensParam } from '../metadata-http-tokens.ts';

const instanceFilters: FilterFields<InstanceView> = {
  'instance-id': (i) => [toEc2Id('instance', i.id)],
  'instance-state-name': (i) => [ec2InstanceState(i)],
  'instance-state-code': (i) => [instanceStateCodes[ec2InstanceState(i)]],
  'instance-type': (i) => [i.offeringName],
  'image-id': (i) => [i.imageVersionId ? toEc2Id('image', i.imageVersionId) : null],
  'key-name': (i) => [i.keypairName],
  'availability-zone': (i) => [i.zoneName],
  'placement-availability-zone': (i) => [i.zoneName],
  'private-ip-address': (i) => i.nics.map((n) => n.ip),
  'ip-address': (i) => i.nics.map((n) => n.publicIp),
  'network-interface.addresses.private-ip-address': (i) => i.nics.map((n) => n.ip),
  'subnet-id': (i) => i.nics.map((n) => toEc2Id('subnet', n.networkId)),
  'vpc-id': (i) => i.nics.map((n) => toEc2Id('vpc', n.networkId)),
  'instance.group-id': (i) => i.nics.flatMap((n) => n.securityGroups.map((g) => toEc2Id('securityGroup', g.id))),
  'instance.group-name': (i) => i.nics.flatMap((n) => n.securityGroups.map((g) => g.name)),
  'block-device-mapping.volume-id': (i) => i.volumes.map((v) => toEc2Id('volume', v.id)),
  'owner-id': (i) => [i.accountId],
  'reservation-id': (i) => [reservationOf(i.id)],
  'launch-time': (i) => [i.createdAt],
  'architecture': () => ['x86_64'],
  'root-device-type': () => ['ebs'],
  'virtualization-type': () => ['hvm'],
  'tenancy': () => ['default'],
};

const reservationOf = (kumoId: string): string => `r-${kumoId.slice(2)}`;

function instanceIds(ctx: ActionContext, required: boolean): string[] {
  const ids = ctx.params.list('InstanceId');
  if (required && ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter InstanceId');
  return ids.map((id) => fromEc2Id('instance', id));
}

/** The named instances (every one must exist: InvalidInstanceID.NotFound names the missing). */
export async function namedInstances(ctx: ActionContext, kumoIds: string[]): Promise<InstanceView[]> {
  const found = (await ctx.backend.instances(ctx.caller, { cursor: null, limit: kumoIds.length, ids: kumoIds })).items;
  const missing = kumoIds.filter((id) => !found.some((i) => i.id === id));
  if (missing.length > 0) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID${missing.length > 1 ? 's' : ''} '${missing.map((m) => toEc2Id('instance', m)).join(', ')}' do${missing.length > 1 ? '' : 'es'} not exist`);
  return kumoIds.map((id) => found.find((i) => i.id === id)!);
}

/**
 * Instances matching the filters, a page at a time: the backend's pages (by id) are filtered here
 * until MaxResults matched, so filters never load the whole account at once.
 */
async function describe(ctx: ActionContext, ids: string[]): Promise<{ items: InstanceView[]; nextToken: string | undefined }> {
  const page = pageRequest(ctx.params);
  if (ids.length > 0) {
    const items = await namedInstances(ctx, ids);
    const tags = await tagsOf(ctx, items.map((i) => i.id));
    return { items: items.filter(filterPredicate(ctx.params.filters(), instanceFilters, (i) => tags(i.id))), nextToken: undefined };
  }
  const filters = ctx.params.filters();
  const want = page.maxResults ?? Number.POSITIVE_INFINITY;
  const out: InstanceView[] = [];
  let cursor = page.after;
  for (;;) {
    const batch = await ctx.backend.instances(ctx.caller, { cursor, limit: Math.min(1000, Math.max(want - out.length, 1)) });
    let rows = batch.items;
    if (filters.length > 0) {
      const tags = await tagsOf(ctx, rows.map((i) => i.id));
      rows = rows.filter(filterPredicate(filters, instanceFilters, (i) => tags(i.id)));
    }
    out.push(...rows);
    cursor = batch.nextCursor;
    if (cursor === null) return { items: out, nextToken: undefined };
    if (out.length >= want) return { items: out, nextToken: encodeToken(cursor) };
  }
}

async function describeInstances(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const { items, nextToken } = await describe(ctx, instanceIds(ctx, false));
  const tags = await tagsOf(ctx, items.map((i) => i.id));
  return {
    reservationSet: itemSet(items.map((i) => ({
      reservationId: reservationOf(i.id), ownerId: ctx.ownerId, groupSet: itemSet([]),
      instancesSet: itemSet([instanceXml(i, 0, tags(i.id))]),
    }))),
    nextToken,
  };
}

function decodeUserData(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z0-9+/=\s]*$/.test(raw)) throw invalidParameter('UserData', 'must be base64-encoded');
  const text = Buffer.from(raw, 'base64').toString('utf8');
  if (text.length > 16384) throw invalidParameter('UserData', 'at most 16 KiB once decoded');
  return text;
}

async function runInstances(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const p = ctx.params;
  const imageVersionId = fromEc2Id('image', p.required('ImageId'));
  const min = p.int('MinCount', 1, 1000) ?? 1;
  const max = p.int('MaxCount', 1, 1000) ?? min;
  if (min > max) throw invalidParameter('MinCount', `MinCount (${min}) is larger than MaxCount (${max})`);
  const types = await ctx.backend.instanceTypes();
  const instanceType = p.get('InstanceType') ?? types[0]?.name;
  if (!instanceType || !types.some((t) => t.name === instanceType)) throw new Ec2Error('InvalidParameterValue', `Invalid value '${instanceType ?? ''}' for InstanceType; this cloud offers ${types.map((t) => t.name).join(', ')}`);
  const instanceTags = specTags(ctx, 'instance', ['instance', 'volume']);
  const volumeTags = specTags(ctx, 'volume', ['instance', 'volume']);
  const groupIds = await resolveGroupIds(ctx, p.list('SecurityGroupId'), p.list('SecurityGroup'));
  const subnet = p.get('SubnetId') ?? p.get('NetworkInterface.1.SubnetId');
  const rootSize = p.structs('BlockDeviceMapping').find((b) => (b.get('DeviceName') ?? '/dev/sda1') === '/dev/sda1' || b.get('DeviceName') === '/dev/xvda')?.int('Ebs.VolumeSize', 1, 16384);
  const spec = {
    count: max, namePrefix: `${kumoName(instanceTags, 'ec2')}-${randomBytes(3).toString('hex')}`, imageVersionId, offeringName: instanceType,
    zoneName: p.get('Placement.AvailabilityZone'), keypairName: p.get('KeyName'), userData: decodeUserData(p.get('UserData')),
    securityGroupIds: groupIds, networkId: subnet ? fromEc2Id('subnet', subnet) : undefined, rootDiskGiB: rootSize, start: true,
    metadataHttpTokens: httpTokensParam(p.get('MetadataOptions.HttpTokens'), 'MetadataOptions.HttpTokens'),
  };
  if (spec.keypairName !== undefined && !(await ctx.backend.keypairs(ctx.caller)).some((k) => k.name === spec.keypairName)) {
    throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${spec.keypairName}' does not exist`);
  }
  const { ids, error } = await mapKumoErrors(() => ctx.backend.runInstances(ctx.caller, spec), notFoundCode('image'));
  if (ids.length < min) {
    for (const id of ids) await ctx.backend.instanceAction(ctx.caller, id, 'delete', true);
    if (error) await mapKumoErrors(() => Promise.reject(error), notFoundCode('image'), { no_capacity: 'InsufficientInstanceCapacity', quota_exceeded: 'InstanceLimitExceeded' });
    throw new Ec2Error('InsufficientInstanceCapacity', `only ${ids.length} of the ${min} instances asked for could be made`, 500);
  }
  if (instanceTags.length > 0) await ctx.backend.setTags(ctx.caller, ids.map((id) => ({ id, type: 'instance' })), instanceTags);
  const made = await namedInstances(ctx, ids);
  if (volumeTags.length > 0) await ctx.backend.setTags(ctx.caller, made.flatMap((i) => i.volumes.map((v) => ({ id: v.id, type: 'volume' }))), volumeTags);
  const tags = await tagsOf(ctx, ids);
  return {
    reservationId: reservationOf(ids[0]!), ownerId: ctx.ownerId, groupSet: itemSet([]),
    // Every instance of the answer is pending, as on EC2: under load the first ones may already run
    // by the time the last is made (seen on PostgreSQL), and clients wait for running with a waiter.
    instancesSet: itemSet(made.map((i, n) => ({ ...(instanceXml(i, n, tags(i.id)) as Record<string, XmlValue>), instanceState: { code: instanceStateCodes.pending, name: 'pending' } }))),
  };
}

type Verb = 'start' | 'stop' | 'reboot' | 'delete';
const settled: Record<Verb, (s: ReturnType<typeof ec2InstanceState>) => boolean> = {
  start: (s) => s === 'running' || s === 'pending',
  stop: (s) => s === 'stopped' || s === 'stopping',
  reboot: () => false,
  delete: (s) => s === 'terminated' || s === 'shutting-down',
};

/** Start/Stop/Terminate: each instance's previous and current state; asking for the state it is in (or going to) changes nothing. */
function stateChange(verb: Verb, nextState: 'pending' | 'stopping' | 'shutting-down') {
  return async (ctx: ActionContext): Promise<Record<string, XmlValue>> => {
    const force = ctx.params.bool('Force') === true;
    const items = await namedInstances(ctx, instanceIds(ctx, true));
    const changes: XmlValue[] = [];
    for (const i of items) {
      const before = ec2InstanceState(i);
      if (!settled[verb](before)) await ctx.backend.instanceAction(ctx.caller, i.id, verb, force);
      const current = settled[verb](before) ? stateXml(i) : { code: instanceStateCodes[nextState], name: nextState };
      changes.push({ instanceId: toEc2Id('instance', i.id), currentState: current, previousState: stateXml(i) });
    }
    return { instancesSet: itemSet(changes) };
  };
}

async function rebootInstances(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  for (const i of await namedInstances(ctx, instanceIds(ctx, true))) await ctx.backend.instanceAction(ctx.caller, i.id, 'reboot', false);
  return { return: true };
}

async function describeInstanceStatus(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const all = ctx.params.bool('IncludeAllInstances') === true;
  const { items, nextToken } = await describe(ctx, instanceIds(ctx, false));
  const shown = items.filter((i) => all || ec2InstanceState(i) === 'running');
  return {
    instanceStatusSet: itemSet(shown.map((i) => {
      const running = ec2InstanceState(i) === 'running';
      const status = running ? 'ok' : 'not-applicable';
      const details = itemSet(running ? [{ name: 'reachability', status: 'passed' }] : []);
      return {
        instanceId: toEc2Id('instance', i.id), availabilityZone: i.zoneName, instanceState: stateXml(i),
        systemStatus: { status, details }, instanceStatus: { status, details }, eventsSet: itemSet([]),
      };
    })),
    nextToken,
  };
}

async function getConsoleOutput(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const ec2Id = ctx.params.required('InstanceId');
  const [inst] = await namedInstances(ctx, [fromEc2Id('instance', ec2Id)]);
  const text = await ctx.backend.consoleOutput(ctx.caller, inst!.id);
  return { instanceId: ec2Id, timestamp: new Date().toISOString(), output: Buffer.from(text).toString('base64') };
}

/** The attributes Terraform reads back after a create. */
async function describeInstanceAttribute(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const ec2Id = ctx.params.required('InstanceId');
  const attribute = ctx.params.required('Attribute');
  const [i] = await namedInstances(ctx, [fromEc2Id('instance', ec2Id)]);
  const inst = i!;
  const values: Record<string, XmlValue> = {
    instanceType: { instanceType: { value: inst.offeringName ?? '' } },
    disableApiTermination: { disableApiTermination: { value: false } },
    disableApiStop: { disableApiStop: { value: false } },
    instanceInitiatedShutdownBehavior: { instanceInitiatedShutdownBehavior: { value: 'stop' } },
    rootDeviceName: { rootDeviceName: { value: '/dev/sda1' } },
    sourceDestCheck: { sourceDestCheck: { value: true } },
    ebsOptimized: { ebsOptimized: { value: false } },
    userData: { userData: {} },
    groupSet: { groupSet: itemSet((inst.nics[0]?.securityGroups ?? []).map((g) => ({ groupId: toEc2Id('securityGroup', g.id) }))) },
    blockDeviceMapping: { blockDeviceMapping: itemSet(deviceNames(inst).map((d) => ({ deviceName: d.deviceName, ebs: { volumeId: toEc2Id('volume', d.volumeId), status: 'attached', attachTime: d.createdAt, deleteOnTermination: d.deviceName === '/dev/sda1' } }))) },
  };
  const v = values[attribute];
  if (!v) throw invalidParameter('Attribute', `${attribute} is not an attribute this endpoint knows; known: ${Object.keys(values).join(', ')}`);
  return { instanceId: ec2Id, ...(v as Record<string, XmlValue>) };
}

export const instanceActions: ActionTable = {
  RunInstances: write(runInstances),
  DescribeInstances: read(describeInstances),
  DescribeInstanceStatus: read(describeInstanceStatus),
  StartInstances: write(stateChange('start', 'pending')),
  StopInstances: write(stateChange('stop', 'stopping')),
  TerminateInstances: write(stateChange('delete', 'shutting-down')),
  RebootInstances: write(rebootInstances),
  GetConsoleOutput: read(getConsoleOutput),
  DescribeInstanceAttribute: read(describeInstanceAttribute),
};

import type { VolumeView } from '../ec2-backend.ts';
import { Ec2Error } from '../ec2-error.ts';
import { fromEc2Id, notFoundCode, toEc2Id } from '../ec2-ids.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import { pageOf, pageRequest } from '../pagination.ts';
import { specTags, tagSetXml, tagsOf } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, write, type ActionContext, type ActionTable } from './action-context.ts';
import { deviceNames } from './instance-xml.ts';

function volumeStatus(v: VolumeView): string {
  if (v.phase === 'deleted') return 'deleted';
  if (v.task === 'deleting') return 'deleting';
  if (v.phase === 'error') return 'error';
  if (v.phase === 'pending' || v.task === 'creating') return 'creating';
  return v.instanceId ? 'in-use' : 'available';
}

const attachmentStatus = (v: VolumeView): string => (v.task === 'attaching' ? 'attaching' : v.task === 'detaching' ? 'detaching' : 'attached');

/** The device name of each attached volume, as DescribeInstances shows it (root /dev/sda1, data /dev/sdf, ...). */
function devicesOf(all: readonly VolumeView[]): Map<string, string> {
  const byInstance = new Map<string, VolumeView[]>();
  for (const v of all) if (v.instanceId) byInstance.set(v.instanceId, [...(byInstance.get(v.instanceId) ?? []), v]);
  const out = new Map<string, string>();
  for (const vs of byInstance.values()) for (const d of deviceNames({ volumes: vs })) out.set(d.volumeId, d.deviceName);
  return out;
}

const volumeFilters = (devices: Map<string, string>): FilterFields<VolumeView> => ({
  'volume-id': (v) => [toEc2Id('volume', v.id)],
  status: (v) => [volumeStatus(v)],
  size: (v) => [v.sizeGiB],
  'availability-zone': (v) => [v.zoneName],
  'snapshot-id': (v) => [v.sourceSnapshotId ? toEc2Id('snapshot', v.sourceSnapshotId) : null],
  'attachment.instance-id': (v) => [v.instanceId ? toEc2Id('instance', v.instanceId) : null],
  'attachment.status': (v) => [v.instanceId ? attachmentStatus(v) : null],
  'attachment.device': (v) => [devices.get(v.id)],
  'attachment.delete-on-termination': (v) => [v.instanceId ? v.kind === 'root' : null],
  'volume-type': () => ['gp2'],
  encrypted: () => [false],
  'create-time': (v) => [v.createdAt],
});

function volumeXml(v: VolumeView, devices: Map<string, string>, tags: XmlValue): XmlValue {
  return {
    volumeId: toEc2Id('volume', v.id), size: v.sizeGiB, snapshotId: v.sourceSnapshotId ? toEc2Id('snapshot', v.sourceSnapshotId) : '',
    availabilityZone: v.zoneName, status: volumeStatus(v), createTime: v.createdAt,
    attachmentSet: itemSet(v.instanceId ? [{
      volumeId: toEc2Id('volume', v.id), instanceId: toEc2Id('instance', v.instanceId), device: devices.get(v.id) ?? '',
      status: attachmentStatus(v), attachTime: v.updatedAt ?? v.createdAt, deleteOnTermination: v.kind === 'root',
    }] : []),
    volumeType: 'gp2', iops: 100, encrypted: false, multiAttachEnabled: false, tagSet: tags,
  };
}

async function volumeOf(ctx: ActionContext): Promise<{ v: VolumeView; all: VolumeView[] }> {
  const ec2Id = ctx.params.required('VolumeId');
  const id = fromEc2Id('volume', ec2Id);
  const all = await ctx.backend.volumes(ctx.caller);
  const v = all.find((x) => x.id === id);
  if (!v || v.phase === 'deleted') throw new Ec2Error(notFoundCode('volume'), `The volume '${ec2Id}' does not exist.`);
  return { v, all };
}

async function describeVolumes(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const ids = ctx.params.list('VolumeId').map((id) => fromEc2Id('volume', id));
  const all = (await ctx.backend.volumes(ctx.caller));
  for (const id of ids) if (!all.some((v) => v.id === id)) throw new Ec2Error(notFoundCode('volume'), `The volume '${toEc2Id('volume', id)}' does not exist.`);
  const devices = devicesOf(all);
  const tags = await tagsOf(ctx, all.map((v) => v.id));
  const pick = filterPredicate(ctx.params.filters(), volumeFilters(devices), (v) => tags(v.id));
  const page = pageOf(all.filter((v) => (ids.length === 0 || ids.includes(v.id)) && pick(v)), (v) => v.id, pageRequest(ctx.params));
  return { volumeSet: itemSet(page.items.map((v) => volumeXml(v, devices, tagSetXml(tags(v.id))))), nextToken: page.nextToken };
}

async function createVolume(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const p = ctx.params;
  const zoneName = p.required('AvailabilityZone');
  const snapshot = p.get('SnapshotId');
  const sizeGiB = p.int('Size', 1, 16384);
  if (sizeGiB === undefined && !snapshot) throw new Ec2Error('MissingParameter', 'The request must contain the parameter Size or SnapshotId');
  const tags = specTags(ctx, 'volume', ['volume']);
  const name = `vol-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const id = await mapKumoErrors(() => ctx.backend.createVolume(ctx.caller, { name, zoneName, sizeGiB, snapshotId: snapshot ? fromEc2Id('snapshot', snapshot) : undefined }),
    'InvalidSnapshot.NotFound', { quota_exceeded: 'VolumeLimitExceeded' });
  if (tags.length > 0) await ctx.backend.setTags(ctx.caller, [{ id, type: 'volume' }], tags);
  const all = await ctx.backend.volumes(ctx.caller);
  const v = all.find((x) => x.id === id);
  if (!v) throw new Ec2Error('InternalError', `volume ${id} vanished after its creation`, 500);
  return volumeXml(v, new Map(), tagSetXml(new Map(tags.map((t) => [t.key, t.value])))) as Record<string, XmlValue>;
}

async function attachVolume(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const { v } = await volumeOf(ctx);
  const instanceId = fromEc2Id('instance', ctx.params.required('InstanceId'));
  if (v.instanceId) throw new Ec2Error('VolumeInUse', `${toEc2Id('volume', v.id)} is already attached to an instance`);
  if (volumeStatus(v) !== 'available') throw new Ec2Error('IncorrectState', `${toEc2Id('volume', v.id)} is '${volumeStatus(v)}'; it can be attached when 'available'`);
  await mapKumoErrors(() => ctx.backend.attachVolume(ctx.caller, v.id, instanceId), 'InvalidInstanceID.NotFound');
  const after = await ctx.backend.volumes(ctx.caller);
  return {
    volumeId: toEc2Id('volume', v.id), instanceId: toEc2Id('instance', instanceId), device: devicesOf(after).get(v.id) ?? ctx.params.get('Device') ?? '',
    status: 'attaching', attachTime: new Date().toISOString(), deleteOnTermination: false,
  };
}

async function detachVolume(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const { v, all } = await volumeOf(ctx);
  if (!v.instanceId) throw new Ec2Error('IncorrectState', `${toEc2Id('volume', v.id)} is in the 'available' state`);
  if (v.kind === 'root') throw new Ec2Error('OperationNotPermitted', 'the root volume of an instance cannot be detached');
  const device = devicesOf(all).get(v.id) ?? '';
  await mapKumoErrors(() => ctx.backend.detachVolume(ctx.caller, v.id), notFoundCode('volume'));
  return { volumeId: toEc2Id('volume', v.id), instanceId: toEc2Id('instance', v.instanceId), device, status: 'detaching', attachTime: v.updatedAt ?? v.createdAt, deleteOnTermination: false };
}

async function deleteVolume(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const { v } = await volumeOf(ctx);
  if (v.instanceId) throw new Ec2Error('VolumeInUse', `Volume ${toEc2Id('volume', v.id)} is currently attached to ${toEc2Id('instance', v.instanceId)}`);
  await mapKumoErrors(() => ctx.backend.deleteVolume(ctx.caller, v.id), notFoundCode('volume'));
  return { return: true };
}

async function modifyVolume(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const { v } = await volumeOf(ctx);
  const size = ctx.params.int('Size', 1, 16384);
  if (ctx.params.get('VolumeType') || ctx.params.get('Iops') || ctx.params.get('Throughput')) throw new Ec2Error('UnsupportedOperation', 'ModifyVolume changes Size only here');
  if (size === undefined) throw new Ec2Error('MissingParameter', 'The request must contain the parameter Size');
  if (size < v.sizeGiB) throw new Ec2Error('InvalidParameterValue', `New size ${size} is smaller than the current size ${v.sizeGiB}`);
  if (size > v.sizeGiB) await mapKumoErrors(() => ctx.backend.resizeVolume(ctx.caller, v.id, size), notFoundCode('volume'));
  return {
    volumeModification: {
      volumeId: toEc2Id('volume', v.id), modificationState: size > v.sizeGiB ? 'modifying' : 'completed', targetSize: size, originalSize: v.sizeGiB,
      targetVolumeType: 'gp2', originalVolumeType: 'gp2', progress: size > v.sizeGiB ? 0 : 100, startTime: new Date().toISOString(),
    },
  };
}

export const volumeActions: ActionTable = {
  DescribeVolumes: read(describeVolumes),
  CreateVolume: write(createVolume),
  AttachVolume: write(attachVolume),
  DetachVolume: write(detachVolume),
  DeleteVolume: write(deleteVolume),
  ModifyVolume: write(modifyVolume),
};

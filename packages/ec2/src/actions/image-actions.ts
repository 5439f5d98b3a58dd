import type { ImageView } from '../ec2-backend.ts';
import { Ec2Error, invalidParameter } from '../ec2-error.ts';
import { fromEc2Id, notFoundCode, toEc2Id } from '../ec2-ids.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import { specTags, tagSetXml, tagsOf } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, write, type ActionContext, type ActionTable } from './action-context.ts';

/** AMIs are image versions: ami-X is version X; its name is "<image>/<version label>". */
const amiName = (i: ImageView): string => `${i.name}/${i.version}`;
const imageState = (i: ImageView): string => (i.state === 'ready' ? 'available' : i.state === 'failed' ? 'failed' : 'pending');

const imageFilters: FilterFields<ImageView> = {
  'image-id': (i) => [toEc2Id('image', i.versionId)],
  name: (i) => [amiName(i)],
  state: (i) => [imageState(i)],
  'owner-id': (i) => [i.ownerAccountId],
  'is-public': (i) => [i.public],
  architecture: () => ['x86_64'],
  'image-type': () => ['machine'],
  'root-device-type': () => ['ebs'],
  'virtualization-type': () => ['hvm'],
  platform: (i) => [i.osType === 'windows' ? 'windows' : null],
  description: (i) => [i.description],
};

async function describeImages(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const ids = ctx.params.list('ImageId').map((id) => fromEc2Id('image', id));
  const owners = ctx.params.list('Owner');
  const all = await ctx.backend.images(ctx.caller);
  for (const id of ids) if (!all.some((i) => i.versionId === id)) throw new Ec2Error(notFoundCode('image'), `The image id '[${toEc2Id('image', id)}]' does not exist`);
  const ownerOk = (i: ImageView) => owners.length === 0 || owners.some((o) => (o === 'self' ? i.ownerAccountId === ctx.caller.accountId : o === 'amazon' ? i.public : o === i.ownerAccountId));
  const tags = await tagsOf(ctx, all.map((i) => i.versionId));
  const pick = filterPredicate(ctx.params.filters(), imageFilters, (i) => tags(i.versionId));
  return {
    imagesSet: itemSet(all.filter((i) => (ids.length === 0 || ids.includes(i.versionId)) && ownerOk(i) && pick(i)).map((i) => ({
      imageId: toEc2Id('image', i.versionId), imageLocation: `${i.ownerAccountId}/${amiName(i)}`, imageState: imageState(i), imageOwnerId: i.ownerAccountId,
      creationDate: i.createdAt, isPublic: i.public, architecture: 'x86_64', imageType: 'machine', name: amiName(i), description: i.description,
      platformDetails: i.osType === 'windows' ? 'Windows' : 'Linux/UNIX', usageOperation: 'RunInstances',
      rootDeviceType: 'ebs', rootDeviceName: '/dev/sda1', virtualizationType: 'hvm', hypervisor: 'xen', enaSupport: true,
      blockDeviceMapping: itemSet([{ deviceName: '/dev/sda1', ebs: { volumeSize: i.minDiskGiB, deleteOnTermination: true, volumeType: 'gp2', encrypted: false } }]),
      tagSet: tagSetXml(tags(i.versionId)),
    }))),
  };
}

async function createImage(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const instanceId = fromEc2Id('instance', ctx.params.required('InstanceId'));
  const name = ctx.params.required('Name');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) throw invalidParameter('Name', 'letters, digits, . _ - (starting with a letter or digit), at most 63');
  const tags = specTags(ctx, 'image', ['image']);
  const versionId = await mapKumoErrors(() => ctx.backend.createImage(ctx.caller, instanceId, name, ctx.params.get('Description') ?? ''), 'InvalidInstanceID.NotFound', { conflict: 'InvalidAMIName.Duplicate' });
  if (tags.length > 0) await ctx.backend.setTags(ctx.caller, [{ id: versionId, type: 'image' }], tags);
  return { imageId: toEc2Id('image', versionId) };
}

async function deregisterImage(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const versionId = fromEc2Id('image', ctx.params.required('ImageId'));
  await mapKumoErrors(() => ctx.backend.deregisterImage(ctx.caller, versionId), notFoundCode('image'), { in_use: 'InvalidAMIID.InUse' });
  return { return: true };
}

export const imageActions: ActionTable = {
  DescribeImages: read(describeImages),
  CreateImage: write(createImage),
  DeregisterImage: write(deregisterImage),
};

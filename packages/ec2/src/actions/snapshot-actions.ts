import type { SnapshotView } from '../ec2-backend.ts';
import { Ec2Error } from '../ec2-error.ts';
import { fromEc2Id, notFoundCode, toEc2Id } from '../ec2-ids.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import { pageOf, pageRequest } from '../pagination.ts';
import { specTags, tagSetXml, tagsOf } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, write, type ActionContext, type ActionTable } from './action-context.ts';

const snapshotStatus = (s: SnapshotView): string => (s.phase === 'ready' ? 'completed' : s.phase === 'error' ? 'error' : s.phase === 'deleted' ? 'deleted' : 'pending');

const snapshotFilters: FilterFields<SnapshotView> = {
  'snapshot-id': (s) => [toEc2Id('snapshot', s.id)],
  'volume-id': (s) => [toEc2Id('volume', s.volumeId)],
  status: (s) => [snapshotStatus(s)],
  description: (s) => [s.name],
  'owner-id': (s) => [s.accountId],
  'volume-size': (s) => [s.sizeGiB],
  'start-time': (s) => [s.createdAt],
  encrypted: () => [false],
};

function snapshotXml(s: SnapshotView, tags: XmlValue): Record<string, XmlValue> {
  return {
    snapshotId: toEc2Id('snapshot', s.id), volumeId: toEc2Id('volume', s.volumeId), status: snapshotStatus(s), startTime: s.createdAt,
    progress: s.phase === 'ready' ? '100%' : '0%', ownerId: s.accountId, volumeSize: s.sizeGiB, description: s.name, encrypted: false,
    stateMessage: s.errorReason ?? undefined, storageTier: 'standard', tagSet: tags,
  };
}

async function describeSnapshots(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const ids = ctx.params.list('SnapshotId').map((id) => fromEc2Id('snapshot', id));
  const owners = ctx.params.list('Owner');
  const all = (await ctx.backend.snapshots(ctx.caller)).filter((s) => owners.length === 0 || owners.some((o) => o === 'self' || o === s.accountId));
  for (const id of ids) if (!all.some((s) => s.id === id)) throw new Ec2Error(notFoundCode('snapshot'), `The snapshot '${toEc2Id('snapshot', id)}' does not exist.`);
  const tags = await tagsOf(ctx, all.map((s) => s.id));
  const pick = filterPredicate(ctx.params.filters(), snapshotFilters, (s) => tags(s.id));
  const page = pageOf(all.filter((s) => (ids.length === 0 || ids.includes(s.id)) && pick(s)), (s) => s.id, pageRequest(ctx.params));
  return { snapshotSet: itemSet(page.items.map((s) => snapshotXml(s, tagSetXml(tags(s.id))))), nextToken: page.nextToken };
}

async function createSnapshot(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const volumeId = fromEc2Id('volume', ctx.params.required('VolumeId'));
  const description = ctx.params.get('Description') ?? '';
  const name = description.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40) || `snapshot-${Date.now().toString(36)}`;
  const tags = specTags(ctx, 'snapshot', ['snapshot']);
  const id = await mapKumoErrors(() => ctx.backend.createSnapshot(ctx.caller, volumeId, name), notFoundCode('volume'), { quota_exceeded: 'SnapshotLimitExceeded' });
  if (tags.length > 0) await ctx.backend.setTags(ctx.caller, [{ id, type: 'snapshot' }], tags);
  const s = (await ctx.backend.snapshots(ctx.caller)).find((x) => x.id === id);
  if (!s) throw new Ec2Error('InternalError', `snapshot ${id} vanished after its creation`, 500);
  return snapshotXml(s, tagSetXml(new Map(tags.map((t) => [t.key, t.value]))));
}

async function deleteSnapshot(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const ec2Id = ctx.params.required('SnapshotId');
  const id = fromEc2Id('snapshot', ec2Id);
  await mapKumoErrors(() => ctx.backend.deleteSnapshot(ctx.caller, id), notFoundCode('snapshot'), { in_use: 'InvalidSnapshot.InUse' });
  return { return: true };
}

export const snapshotActions: ActionTable = {
  DescribeSnapshots: read(describeSnapshots),
  CreateSnapshot: write(createSnapshot),
  DeleteSnapshot: write(deleteSnapshot),
};

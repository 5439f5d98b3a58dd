import type { TagView } from '../ec2-backend.ts';
import { Ec2Error } from '../ec2-error.ts';
import { fromEc2Id, toEc2Id, type Ec2Kind } from '../ec2-ids.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import { pageOf, pageRequest } from '../pagination.ts';
import { checkTags } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, write, type ActionContext, type ActionTable } from './action-context.ts';

/** The taggable kinds: EC2 id prefix → (kind, EC2 resource type). */
const taggable: Record<string, { kind: Ec2Kind; type: string }> = {
  i: { kind: 'instance', type: 'instance' }, ami: { kind: 'image', type: 'image' }, vol: { kind: 'volume', type: 'volume' },
  snap: { kind: 'snapshot', type: 'snapshot' }, sg: { kind: 'securityGroup', type: 'security-group' }, eipalloc: { kind: 'address', type: 'elastic-ip' },
  vpc: { kind: 'vpc', type: 'vpc' }, subnet: { kind: 'subnet', type: 'subnet' }, key: { kind: 'keypair', type: 'key-pair' },
};

function resources(ctx: ActionContext): Array<{ id: string; type: string }> {
  const ids = ctx.params.list('ResourceId');
  if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter ResourceId');
  return ids.map((ec2Id) => {
    const t = taggable[ec2Id.slice(0, ec2Id.lastIndexOf('-'))];
    if (!t) throw new Ec2Error('InvalidID', `The ID '${ec2Id}' is not valid: taggable here are ${Object.keys(taggable).map((p) => `${p}-`).join(', ')}`);
    return { id: fromEc2Id(t.kind, ec2Id), type: t.type };
  });
}

const ec2IdOf = (t: TagView): string => {
  const e = Object.values(taggable).find((x) => x.type === t.resourceType);
  return e ? toEc2Id(e.kind, t.resourceId) : t.resourceId;
};

async function createTags(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const rs = resources(ctx);
  const tags = ctx.params.tags();
  checkTags(tags, 'Tag');
  await mapKumoErrors(() => ctx.backend.setTags(ctx.caller, rs, tags), 'InvalidID');
  return { return: true };
}

async function deleteTags(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const rs = resources(ctx);
  const tags = ctx.params.structs('Tag').map((t) => ({ key: t.required('Key'), value: t.get('Value') }));
  await mapKumoErrors(() => ctx.backend.deleteTags(ctx.caller, rs.map((r) => r.id), tags), 'InvalidID');
  return { return: true };
}

const tagFilters: FilterFields<TagView> = {
  key: (t) => [t.key], value: (t) => [t.value], 'resource-id': (t) => [ec2IdOf(t)], 'resource-type': (t) => [t.resourceType],
};

async function describeTags(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const all = await ctx.backend.tags(ctx.caller);
  const pick = filterPredicate(ctx.params.filters(), tagFilters, () => new Map());
  const page = pageOf(all.filter(pick), (t) => `${t.resourceId}\u0000${t.key}`, pageRequest(ctx.params, 5, 1000));
  return { tagSet: itemSet(page.items.map((t) => ({ resourceId: ec2IdOf(t), resourceType: t.resourceType, key: t.key, value: t.value }))), nextToken: page.nextToken };
}

export const tagActions: ActionTable = {
  CreateTags: write(createTags),
  DeleteTags: write(deleteTags),
  DescribeTags: read(describeTags),
};

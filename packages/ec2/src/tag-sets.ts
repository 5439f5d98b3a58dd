import type { ActionContext } from './actions/action-context.ts';
import { invalidParameter } from './ec2-error.ts';
import type { XmlValue } from './xml-response.ts';
import { itemSet } from './xml-response.ts';

export type TagMap = ReadonlyMap<string, string>;
const none: TagMap = new Map();

/** The tags of these Kumo resources, per resource. */
export async function tagsOf(ctx: ActionContext, kumoIds: readonly string[]): Promise<(id: string) => TagMap> {
  const byId = new Map<string, Map<string, string>>();
  if (kumoIds.length > 0) {
    for (const t of await ctx.backend.tags(ctx.caller, kumoIds)) {
      let m = byId.get(t.resourceId);
      if (!m) byId.set(t.resourceId, (m = new Map()));
      m.set(t.key, t.value);
    }
  }
  return (id) => byId.get(id) ?? none;
}

export function tagSetXml(tags: TagMap): XmlValue {
  return itemSet([...tags].map(([key, value]) => ({ key, value })));
}

const maxTags = 50;

export function checkTags(tags: ReadonlyArray<{ key: string; value: string }>, field: string): void {
  if (tags.length > maxTags) throw invalidParameter(field, `at most ${maxTags} tags per resource`);
  for (const t of tags) {
    if (t.key.length === 0 || t.key.length > 128) throw invalidParameter(`${field}.Key`, 'tag keys are 1 to 128 characters');
    if (t.key.toLowerCase().startsWith('aws:')) throw invalidParameter(`${field}.Key`, 'tag keys may not start with aws:');
    if (t.value.length > 256) throw invalidParameter(`${field}.Value`, 'tag values are at most 256 characters');
  }
}

/** The tags of the request's TagSpecifications for one resource type (checked before anything is created). */
export function specTags(ctx: ActionContext, resourceType: string, allowed: readonly string[]): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (const spec of ctx.params.tagSpecs()) {
    if (!allowed.includes(spec.resourceType)) throw invalidParameter('TagSpecification.ResourceType', `${spec.resourceType} cannot be tagged here; expected ${allowed.join(' or ')}`);
    if (spec.resourceType === resourceType) out.push(...spec.tags);
  }
  checkTags(out, 'TagSpecification.Tag');
  return out;
}

/** The instance's name from its Name tag, or a default (Kumo names must be DNS labels). */
export function kumoName(tags: ReadonlyArray<{ key: string; value: string }>, fallback: string): string {
  const name = tags.find((t) => t.key === 'Name')?.value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return name ? name : fallback;
}

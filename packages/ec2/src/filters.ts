import { Ec2Error } from './ec2-error.ts';
import type { Ec2Filter } from './query-params.ts';

/** How a resource answers each filter it supports: the values it has under that name. */
export type FilterFields<T> = Record<string, (item: T) => ReadonlyArray<string | number | boolean | null | undefined>>;

/** EC2 filter values match whole strings, with `*` (any run) and `?` (one character) as wildcards. */
function matcher(pattern: string): (value: string) => boolean {
  if (!/[*?]/.test(pattern)) return (v) => v === pattern;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return (v) => re.test(v);
}

/**
 * A predicate for the request's filters: every filter must match (AND), one of its values enough
 * (OR). `tag:Key`, `tag-key` and `tag-value` read the item's tags. An unknown filter name is an
 * InvalidParameterValue naming it, as on EC2.
 */
export function filterPredicate<T>(filters: readonly Ec2Filter[], fields: FilterFields<T>, tagsOf: (item: T) => ReadonlyMap<string, string>): (item: T) => boolean {
  const tests = filters.map((f) => {
    const ms = f.values.map(matcher);
    const any = (values: ReadonlyArray<string | number | boolean | null | undefined>) => values.some((v) => v !== null && v !== undefined && ms.some((m) => m(String(v))));
    if (f.name.startsWith('tag:')) {
      const key = f.name.slice(4);
      return (item: T) => { const v = tagsOf(item).get(key); return v !== undefined && any([v]); };
    }
    if (f.name === 'tag-key') return (item: T) => any([...tagsOf(item).keys()]);
    if (f.name === 'tag-value') return (item: T) => any([...tagsOf(item).values()]);
    const field = fields[f.name];
    if (!field) throw new Ec2Error('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    return (item: T) => any(field(item));
  });
  return (item) => tests.every((t) => t(item));
}

import { invalidParameter, missingParameter } from './ec2-error.ts';

/** One `Filter.N`: its name and values (`Filter.N.Value.M`). */
export interface Ec2Filter { name: string; values: string[] }
/** One `TagSpecification.N`: the resource type it applies to and its tags. */
export interface Ec2TagSpec { resourceType: string; tags: Array<{ key: string; value: string }> }

/**
 * The parameters of an EC2 Query request (form body or query string): flat names with numbered
 * lists (`InstanceId.1`, `Filter.2.Value.1`, `TagSpecification.1.Tag.1.Key`). Lists are read in
 * index order; bad values name the parameter.
 */
export class QueryParams {
  constructor(private readonly map: ReadonlyMap<string, string>) {}

  static parse(encoded: string): QueryParams {
    const map = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(encoded)) map.set(k, v);
    return new QueryParams(map);
  }

  get(name: string): string | undefined { return this.map.get(name); }

  required(name: string): string {
    const v = this.map.get(name);
    if (v === undefined || v === '') throw missingParameter(name);
    return v;
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw invalidParameter(name, `expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    if (v === 'true' || v === 'false') return v === 'true';
    throw invalidParameter(name, `expected true or false, got ${JSON.stringify(v)}`);
  }

  /** `Prefix.1`, `Prefix.2`, ...: the values, ordered by index. */
  list(prefix: string): string[] {
    return this.indexes(prefix).filter((i) => this.map.has(`${prefix}.${i}`)).map((i) => this.map.get(`${prefix}.${i}`) ?? '');
  }

  /** `Prefix.N.Field...`: one QueryParams per N, holding the fields without the prefix. */
  structs(prefix: string): QueryParams[] {
    return this.indexes(prefix).map((i) => {
      const head = `${prefix}.${i}.`;
      const sub = new Map<string, string>();
      for (const [k, v] of this.map) if (k.startsWith(head)) sub.set(k.slice(head.length), v);
      return new QueryParams(sub);
    }).filter((q) => q.map.size > 0);
  }

  filters(): Ec2Filter[] {
    return this.structs('Filter').map((f, i) => ({ name: f.required('Name').trim() || missing(`Filter.${i + 1}.Name`), values: f.list('Value') }));
  }

  /** `Tag.N.Key` / `Tag.N.Value` under this prefix (CreateTags: `Tag`, TagSpecification: `TagSpecification.N.Tag`). */
  tags(prefix = 'Tag'): Array<{ key: string; value: string }> {
    return this.structs(prefix).map((t, i) => ({ key: t.get('Key') ?? missing(`${prefix}.${i + 1}.Key`), value: t.get('Value') ?? '' }));
  }

  tagSpecs(): Ec2TagSpec[] {
    return this.structs('TagSpecification').map((s, i) => ({ resourceType: s.get('ResourceType') ?? missing(`TagSpecification.${i + 1}.ResourceType`), tags: s.tags() }));
  }

  private indexes(prefix: string): number[] {
    const found = new Set<number>();
    const head = `${prefix}.`;
    for (const k of this.map.keys()) {
      if (!k.startsWith(head)) continue;
      const n = Number(k.slice(head.length).split('.')[0]);
      if (Number.isInteger(n) && n > 0) found.add(n);
    }
    return [...found].sort((a, b) => a - b);
  }
}

function missing(name: string): never { throw missingParameter(name); }

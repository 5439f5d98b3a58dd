import type { Command } from 'commander';
import { clientFor, resolveId } from '../cli-context.ts';
import { renderList, renderOne, type Column, type Formatters } from '../output.ts';

/** A list filter; `ref` resolves a name given for it to an id (resource path, noun). */
export interface ListFilter { flag: string; key: string; description: string; ref?: [path: string, noun: string] }

export interface ResourceSpec {
  /** Command name, e.g. 'zone'. */
  name: string;
  /** API path segment, e.g. 'zones'. */
  path: string;
  columns: Column[];
  /** Filters offered on list: flag → query key. */
  listFilters?: ListFilter[];
  deletable?: boolean;
  /** Singular noun for messages; default: the name with spaces for dashes. */
  noun?: string;
  /** How `show` prints some fields as a table (JSON and YAML print them as they are). */
  showFormat?: Formatters;
}

/** The option key commander gives a flag: --network-id <id> → networkId. */
const optionKey = (flag: string) => (flag.split(/[\s,]+/).find((f) => f.startsWith('--')) ?? flag).slice(2).replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase());

export function print(text: string): void { process.stdout.write(`${text}\n`); }

/** list / show / delete for a resource, with the same flags everywhere. */
export function addResourceCommands(program: Command, spec: ResourceSpec): Command {
  const cmd = program.command(spec.name).description(`manage ${spec.path}`);
  const list = cmd.command('list').alias('ls').description(`list ${spec.path}`)
    .option('--limit <n>', 'page size (all pages are fetched when omitted)')
    .option('--sort <field>', 'sort by field, -field for descending');
  for (const f of spec.listFilters ?? []) list.option(f.flag, f.description);
  const noun = spec.noun ?? spec.name.replace(/-/g, ' ');
  list.action(async (opts: Record<string, string | undefined>, c: Command) => {
    const { client, output } = clientFor(c);
    const query: Record<string, string | undefined> = { sort: opts.sort };
    for (const f of spec.listFilters ?? []) {
      const v = opts[optionKey(f.flag)];
      query[f.key] = v !== undefined && f.ref ? await resolveId(client, f.ref[0], f.ref[1], v) : v;
    }
    const items = opts.limit
      ? (await client.list<Record<string, unknown>>(spec.path, { ...query, limit: Number(opts.limit) })).items
      : await client.listAll<Record<string, unknown>>(spec.path, query);
    print(renderList(items, spec.columns, output));
  });
  cmd.command(`show <${spec.name}>`).description(`show one ${noun} (name or id)`).action(async (ref: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.get<Record<string, unknown>>(spec.path, await resolveId(client, spec.path, noun, ref)), output, spec.showFormat));
  });
  if (spec.deletable !== false) {
    cmd.command(`delete <${spec.name}>`).alias('rm').description(`delete a ${noun} (name or id)`).action(async (ref: string, _o: unknown, c: Command) => {
      const { client } = clientFor(c);
      const id = await resolveId(client, spec.path, noun, ref);
      await client.delete(spec.path, id);
      print(`deleted ${id}`);
    });
  }
  return cmd;
}

import type { Command } from 'commander';
import { clientFor } from '../cli-context.ts';
import { renderList, renderOne, type Column } from '../output.ts';

export interface ResourceSpec {
  /** Command name, e.g. 'zone'. */
  name: string;
  /** API path segment, e.g. 'zones'. */
  path: string;
  columns: Column[];
  /** Filters offered on list: flag → query key. */
  listFilters?: Array<{ flag: string; key: string; description: string }>;
  deletable?: boolean;
}

export function print(text: string): void { process.stdout.write(`${text}\n`); }

/** list / show / delete for a resource, with the same flags everywhere. */
export function addResourceCommands(program: Command, spec: ResourceSpec): Command {
  const cmd = program.command(spec.name).description(`manage ${spec.path}`);
  const list = cmd.command('list').alias('ls').description(`list ${spec.path}`)
    .option('--limit <n>', 'page size (all pages are fetched when omitted)')
    .option('--sort <field>', 'sort by field, -field for descending');
  for (const f of spec.listFilters ?? []) list.option(f.flag, f.description);
  list.action(async (opts: Record<string, string | undefined>, c: Command) => {
    const { client, output } = clientFor(c);
    const query: Record<string, string | undefined> = { sort: opts.sort };
    for (const f of spec.listFilters ?? []) query[f.key] = opts[f.key];
    const items = opts.limit
      ? (await client.list<Record<string, unknown>>(spec.path, { ...query, limit: Number(opts.limit) })).items
      : await client.listAll<Record<string, unknown>>(spec.path, query);
    print(renderList(items, spec.columns, output));
  });
  cmd.command('show <id>').description(`show one ${spec.name}`).action(async (id: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.get<Record<string, unknown>>(spec.path, id), output));
  });
  if (spec.deletable !== false) {
    cmd.command('delete <id>').alias('rm').description(`delete a ${spec.name}`).action(async (id: string, _o: unknown, c: Command) => {
      const { client } = clientFor(c);
      await client.delete(spec.path, id);
      print(`deleted ${id}`);
    });
  }
  return cmd;
}

import type { Command } from 'commander';
import type { Dedication } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderList, renderOne } from '../output.ts';
import { print } from './resource-commands.ts';

const kinds = ['zone', 'pod', 'cluster', 'host'] as const;
type Kind = typeof kinds[number];

function kindOf(text: string): Kind {
  if (!(kinds as readonly string[]).includes(text)) throw new CliError(`${text}: expected one of ${kinds.join(', ')}`);
  return text as Kind;
}

const columns = [{ key: 'kind', header: 'KIND' }, { key: 'name', header: 'NAME' }, { key: 'id', header: 'ID' }, { key: 'zoneId', header: 'ZONE' }, { key: 'accountId', header: 'ACCOUNT' }];

/** `kumo dedication list|add|release`: zones, pods, clusters and hosts reserved for one account (admins). */
export function addDedicationCommands(program: Command): void {
  const d = program.command('dedication').description('dedicated zones, pods, clusters and hosts: only their account places instances there, and only there (admins)');
  d.command('list').alias('ls').description('every dedicated resource').option('--account <account>', 'name or id')
    .action(async (o: { account?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const accountId = o.account ? await resolveId(client, 'accounts', 'account', o.account) : undefined;
      const page = await client.request<{ items: Dedication[] }>('GET', '/api/v1/dedications', { query: { accountId } });
      print(renderList(page.items as unknown as Array<Record<string, unknown>>, columns, output));
    });
  d.command('add').description('dedicate a zone, pod, cluster or host to an account').argument('<kind>', kinds.join('|')).argument('<name>', 'name or id')
    .requiredOption('--account <account>', 'name or id')
    .action(async (kind: string, name: string, o: { account: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const k = kindOf(kind);
      const body = { kind: k, id: await resolveId(client, `${k}s`, k, name), accountId: await resolveId(client, 'accounts', 'account', o.account) };
      print(renderOne(await client.request<Record<string, unknown>>('POST', '/api/v1/dedications', { body }), output));
    });
  d.command('release').description('make a dedicated zone, pod, cluster or host shared again').argument('<kind>', kinds.join('|')).argument('<name>', 'name or id')
    .action(async (kind: string, name: string, _o: unknown, c: Command) => {
      const { client } = clientFor(c);
      const k = kindOf(kind);
      await client.request('DELETE', `/api/v1/dedications/${k}/${await resolveId(client, `${k}s`, k, name)}`);
    });
}

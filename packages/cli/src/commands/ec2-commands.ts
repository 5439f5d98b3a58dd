import type { Command } from 'commander';
import type { Ec2Credential, Ec2CredentialSecret } from '@kumo/api';
import { clientFor } from '../cli-context.ts';
import { renderList, renderOne } from '../output.ts';
import { print } from './resource-commands.ts';

/** `kumo ec2 credentials create|list|revoke`: access keys for the EC2-compatible API (docs/ec2.md). */
export function addEc2Commands(program: Command): void {
  const ec2 = program.command('ec2').description('the EC2-compatible API: access keys for the AWS CLI and SDKs');
  const creds = ec2.command('credentials').alias('creds').description('EC2 access keys of your account');
  creds.command('create').description('a new access key; the secret is shown once (-o json: ready for aws configure)')
    .option('--name <name>', 'what the key is for', 'ec2')
    .action(async (o: { name: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const made = await client.request<Ec2CredentialSecret>('POST', '/api/v1/ec2/credentials', { body: { name: o.name } });
      print(renderOne(made as unknown as Record<string, unknown>, output));
    });
  creds.command('list').alias('ls').description('your account\'s keys (admins: --all for every account\'s), never their secrets')
    .option('--all', 'admins: every account\'s keys')
    .action(async (o: { all?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const page = await client.request<{ items: Ec2Credential[] }>('GET', '/api/v1/ec2/credentials', { query: o.all ? { all: 'true' } : {} });
      print(renderList(page.items as unknown as Array<Record<string, unknown>>, [
        { key: 'accessKeyId', header: 'ACCESS KEY ID' }, { key: 'name', header: 'NAME' }, { key: 'accountId', header: 'ACCOUNT' },
        { key: 'createdAt', header: 'CREATED' }, { key: 'lastUsedAt', header: 'LAST USED' }, { key: 'revokedAt', header: 'REVOKED' },
      ], output));
    });
  creds.command('revoke <accessKeyId>').alias('delete').description('revoke a key: requests signed with it are refused at once')
    .action(async (id: string, _o: unknown, c: Command) => {
      const { client } = clientFor(c);
      await client.request('DELETE', `/api/v1/ec2/credentials/${encodeURIComponent(id)}`);
      print(`revoked ${id}`);
    });
}

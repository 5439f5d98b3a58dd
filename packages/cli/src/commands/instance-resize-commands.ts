import type { Command } from 'commander';
import type { Instance } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { print } from './resource-commands.ts';

/** instance resize: another offering (vCPUs, memory) for a stopped instance; instance metadata-tokens: IMDSv2 required or optional. */
export function addInstanceResizeCommands(inst: Command): void {
  inst.command('resize <instance>').description('give a stopped instance another offering (vCPUs and memory; the root disk keeps its size); checked against quota and host capacity, used from the next start')
    .requiredOption('--offering <offering>', 'the new offering (id or name)')
    .action(async (ref: string, o: { offering: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const offeringId = await resolveId(client, 'offerings', 'offering', o.offering);
      const row = await client.request<Instance>('POST', `/api/v1/instances/${id}/resize`, { body: { offeringId } });
      print(renderOne(row as unknown as Record<string, unknown>, output));
    });

  inst.command('metadata-tokens <instance> <mode>').description('IMDSv2 session tokens for the instance\'s metadata service: required (IMDSv1 GETs answer 401) or optional (the default); applied at once')
    .action(async (ref: string, mode: string, _o: unknown, c: Command) => {
      if (mode !== 'required' && mode !== 'optional') throw new CliError(`${mode}: say required or optional`);
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const row = await client.request<Instance>('PATCH', `/api/v1/instances/${id}`, { body: { metadataHttpTokens: mode } });
      print(renderOne(row as unknown as Record<string, unknown>, output));
    });
}

import type { Command } from 'commander';
import type { Instance } from '@kumo/api';
import { clientFor, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { print } from './resource-commands.ts';

/** instance resize: another offering (vCPUs, memory) for a stopped instance. */
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
}

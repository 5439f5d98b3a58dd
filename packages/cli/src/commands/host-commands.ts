import type { Command } from 'commander';
import type { Operation } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { followOperation } from '../progress.ts';
import { print } from './resource-commands.ts';
import { addHostMaintenanceCommands } from './host-maintenance-command.ts';

/**
 * `kumo host maintenance HOST` (host-maintenance-command.ts), `kumo host enable HOST [--wait]`
 * (operations) and `kumo host disable HOST` (at once). HOST is a name or an id.
 */
export function addHostActionCommands(host: Command): void {
  addHostMaintenanceCommands(host);
  host.command('enable <host>')
    .description('return a host to service (from maintenance or disabled); cancels a maintenance still evacuating')
    .option('--wait', 'wait for the operation to end (progress bar)')
    .action(async (value: string, o: { wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'hosts', 'host', value);
      const op = await client.request<Operation>('POST', `/api/v1/hosts/${encodeURIComponent(id)}/enable`);
      const final = o.wait ? await followOperation(client, op) : op;
      print(renderOne(final as unknown as Record<string, unknown>, output));
      if (o.wait && final.status !== 'succeeded') throw new CliError(`operation ${final.status}: ${final.error?.message ?? final.message}`, 2);
    });
  host.command('disable <host>').description('stop placing new instances on a host (the ones there stay)')
    .action(async (value: string, _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'hosts', 'host', value);
      print(renderOne(await client.request('POST', `/api/v1/hosts/${encodeURIComponent(id)}/actions`, { body: { action: 'disable' } }), output));
    });
}

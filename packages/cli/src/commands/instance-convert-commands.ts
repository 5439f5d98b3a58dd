import type { Command } from 'commander';
import type { Operation } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { followOperation } from '../progress.ts';
import { print } from './resource-commands.ts';

/** instance convert: KVM → LXC (a stopped VM becomes a container with its name, NICs and IPs). */
export function addInstanceConvertCommands(inst: Command): void {
  inst.command('convert <instance>').description('make a container of a stopped VM: it takes the VM\'s name, NICs (MAC, IP) and security groups; the VM stays stopped, renamed <name>-vm')
    .requiredOption('--to <type>', 'what the instance becomes: container')
    .option('--keep', 'keep the VM, stopped and renamed, so the conversion can be undone (the default)')
    .option('--no-keep', 'delete the VM once the container is made (the conversion cannot be undone then)')
    .option('--name <name>', 'the container\'s name (default: the VM\'s; the VM is then renamed <name>-vm)')
    .option('--wait', 'wait for the conversion (progress bar)')
    .action(async (ref: string, o: { to: string; keep?: boolean; name?: string; wait?: boolean }, c: Command) => {
      if (o.to !== 'container') throw new CliError(`--to ${o.to}: a VM converts only to a container (--to container)`);
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const op = await client.request<Operation>('POST', `/api/v1/instances/${id}/convert`, { body: { to: 'container', ...(o.keep === false ? { keep: false } : {}), ...(o.name ? { name: o.name } : {}) } });
      const final = o.wait ? await followOperation(client, op) : op;
      print(renderOne(final as unknown as Record<string, unknown>, output));
      if (o.wait && final.status !== 'succeeded') throw new CliError(`operation ${final.status}: ${final.error?.message ?? final.message}`, 2);
    });
}

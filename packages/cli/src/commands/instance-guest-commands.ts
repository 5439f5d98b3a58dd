import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { DisplayTicket, GuestInfo } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { print } from './resource-commands.ts';

/** Reads one line (a password) from standard input. */
async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? '';
}

/**
 * `kumo instance vnc|screenshot|guest-info|set-password`: the graphical console's one-time link, the
 * screen as PNG, and what the guest agent reports or can do.
 */
export function addInstanceGuestCommands(inst: Command): void {
  inst.command('vnc <instance>').description('print a one-time link to the graphical console (one connection, within a minute)')
    .action(async (ref: string, _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const t = await client.request<DisplayTicket>('POST', `/api/v1/instances/${id}/vnc/tickets`);
      const url = `${client.baseUrl.replace(/\/+$/, '')}${t.path}`;
      if (output === 'table') print(`${url}\n(one connection, until ${t.expiresAt})`);
      else print(renderOne({ url, expiresAt: t.expiresAt }, output));
    });

  inst.command('screenshot <instance>').description('save the guest\'s screen as PNG').requiredOption('--out <file>', 'where to write the PNG')
    .action(async (ref: string, o: { out: string }, c: Command) => {
      const { client } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const token = client.tokenValue();
      const res = await fetch(`${client.baseUrl.replace(/\/+$/, '')}/api/v1/instances/${id}/screenshot`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (!res.ok) {
        const body = await res.json().catch(() => null) as { error?: { message?: string } } | null;
        throw new CliError(body?.error?.message ?? `screenshot failed: HTTP ${res.status}`);
      }
      writeFileSync(o.out, Buffer.from(await res.arrayBuffer()));
      print(o.out);
    });

  inst.command('guest-info <instance>').description('what the guest agent reports: OS, interfaces and addresses (images that declare guestAgent)')
    .action(async (ref: string, _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const g = await client.request<GuestInfo>('GET', `/api/v1/instances/${id}/guest`);
      if (output !== 'table') { print(renderOne(g as unknown as Record<string, unknown>, output)); return; }
      print(renderOne({
        os: g.os?.prettyName ?? g.os?.name ?? '-', kernel: g.os?.kernelRelease ?? '-',
        addresses: g.interfaces.filter((i) => i.name !== 'lo').map((i) => `${i.name}: ${i.addresses.map((a) => `${a.address}/${a.prefix}`).join(', ') || '-'}`).join('; ') || '-',
      }, output));
    });

  inst.command('set-password <instance>').description('set a guest user\'s password through the guest agent; the password is read from standard input')
    .requiredOption('--user <name>', 'the guest user')
    .action(async (ref: string, o: { user: string }, c: Command) => {
      const { client } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const password = await readStdinLine();
      if (!password) throw new CliError('no password on standard input (echo PASSWORD | kumo instance set-password …)');
      await client.request('POST', `/api/v1/instances/${id}/password`, { body: { user: o.user, password } });
      print(`password of ${o.user} set`);
    });
}

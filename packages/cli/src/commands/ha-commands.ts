import type { Command } from 'commander';
import { CliError, clientFor, defaultZone, resolveId } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { print } from './resource-commands.ts';

const int = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`${flag} takes a whole number, got ${v}`);
  return n;
};

/** `kumo instance ha <instance> on|off [--priority N]`: an instance's high availability. */
export function addInstanceHaCommands(inst: Command): void {
  inst.command('ha <instance> <on|off>').description('high availability: restart the instance on another host when its host fails (after storage fencing)')
    .option('--priority <n>', 'restart order after a host failure: higher first (default 0)', int('--priority'))
    .action(async (ref: string, state: string, o: { priority?: number }, c: Command) => {
      if (state !== 'on' && state !== 'off') throw new CliError(`say on or off, not ${state}`);
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const body = { ha: state === 'on', ...(o.priority !== undefined ? { haPriority: o.priority } : {}) };
      const r = await client.request<{ ha: Record<string, unknown> }>('PATCH', `/api/v1/instances/${id}`, { body });
      print(renderOne(r.ha, output));
    });
}

/** `kumo zone ha-settings [zone] [--lease-ms N] [--fence-margin-ms N] [--restart-concurrency N]`: shows, or changes (admins). */
export function addZoneHaCommands(zone: Command): void {
  zone.command('ha-settings [zone]').description('a zone\'s HA settings: host lease, self-fencing margin, restarts at once; with options, change them (admins)')
    .option('--lease-ms <ms>', 'how long a heartbeat keeps a host\'s lease (default 20000)', int('--lease-ms'))
    .option('--fence-margin-ms <ms>', 'a host that cannot renew stops its HA guests this long before its lease ends (default 5000, at most half the lease)', int('--fence-margin-ms'))
    .option('--restart-concurrency <n>', 'HA restarts at once in the zone (default 4)', int('--restart-concurrency'))
    .action(async (ref: string | undefined, o: { leaseMs?: number; fenceMarginMs?: number; restartConcurrency?: number }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await defaultZone(client, ref);
      const ha = {
        ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}), ...(o.fenceMarginMs !== undefined ? { fenceMarginMs: o.fenceMarginMs } : {}),
        ...(o.restartConcurrency !== undefined ? { restartConcurrency: o.restartConcurrency } : {}),
      };
      const z = Object.keys(ha).length > 0
        ? await client.request<{ ha: Record<string, unknown> }>('PATCH', `/api/v1/zones/${id}`, { body: { ha } })
        : await client.request<{ ha: Record<string, unknown> }>('GET', `/api/v1/zones/${id}`);
      print(renderOne(z.ha, output));
    });
}

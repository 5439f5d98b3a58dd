import type { Command } from 'commander';
import type { MigrationPolicy } from '@kumo/api';
import { CliError, clientFor, defaultZone } from '../cli-context.ts';
import { renderOne } from '../output.ts';
import { print } from './resource-commands.ts';

const int = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`${flag} takes a whole number, got ${v}`);
  return n;
};
const onOff = (flag: string) => (v: string): boolean => {
  if (v !== 'on' && v !== 'off') throw new CliError(`${flag} takes on or off, got ${v}`);
  return v === 'on';
};
const passesOrOff = (v: string): number | 'off' => (v === 'off' ? 'off' : int('--postcopy-after-passes')(v));

interface PolicyFlags {
  downtimeLimitMs?: number; bandwidthMib?: number; autoConverge?: boolean; postcopyAfterPasses?: number | 'off';
  timeoutMs?: number; retryNextHost?: boolean; maxPerHost?: number;
}

/** The PATCH body the flags ask for (only what was given). */
export function migrationPolicyPatch(o: PolicyFlags): Partial<MigrationPolicy> {
  return {
    ...(o.downtimeLimitMs !== undefined ? { downtimeLimitMs: o.downtimeLimitMs } : {}),
    ...(o.bandwidthMib !== undefined ? { maxBandwidthMiBPerSec: o.bandwidthMib } : {}),
    ...(o.autoConverge !== undefined ? { autoConverge: o.autoConverge } : {}),
    ...(o.postcopyAfterPasses !== undefined ? { postcopyAfterPasses: o.postcopyAfterPasses === 'off' ? null : o.postcopyAfterPasses } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.retryNextHost !== undefined ? { retryNextHost: o.retryNextHost } : {}),
    ...(o.maxPerHost !== undefined ? { maxPerHost: o.maxPerHost } : {}),
  };
}

/** `kumo zone migration-policy [zone] [flags]`: shows the zone's live-migration policy, or changes it (admins). */
export function addZoneMigrationPolicyCommands(zone: Command): void {
  zone.command('migration-policy [zone]').description('a zone\'s live-migration policy: downtime limit, bandwidth, auto-converge, post-copy, timeout, retries; with options, change it (admins)')
    .option('--downtime-limit-ms <ms>', 'the pause the final stop-and-copy may take (default 300)', int('--downtime-limit-ms'))
    .option('--bandwidth-mib <n>', 'memory stream bandwidth in MiB/s; 0: unlimited (default)', int('--bandwidth-mib'))
    .option('--auto-converge <on|off>', 'throttle the guest\'s vCPUs when pre-copy does not converge (default on)', onOff('--auto-converge'))
    .option('--postcopy-after-passes <n|off>', 'switch to post-copy after this many passes (default off)', passesOrOff)
    .option('--timeout-ms <ms>', 'give up after this long; the guest stays on the source (default 600000)', int('--timeout-ms'))
    .option('--retry-next-host <on|off>', 'retry a failed attempt on the next candidate host (default on)', onOff('--retry-next-host'))
    .option('--max-per-host <n>', 'migrations at once per host (default 2)', int('--max-per-host'))
    .action(async (ref: string | undefined, o: PolicyFlags, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await defaultZone(client, ref);
      const body = migrationPolicyPatch(o);
      const p = Object.keys(body).length > 0
        ? await client.request<MigrationPolicy>('PATCH', `/api/v1/zones/${id}/migration-policy`, { body })
        : await client.request<MigrationPolicy>('GET', `/api/v1/zones/${id}/migration-policy`);
      print(renderOne(p as unknown as Record<string, unknown>, output));
    });
}

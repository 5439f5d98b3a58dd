import type { Command } from 'commander';
import type { InstanceMigrationRecord, KumoClient, Operation } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderList, renderOne } from '../output.ts';
import { print } from './resource-commands.ts';

const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;

/** One progress line of a migration: stage, pass, RAM transferred/remaining, dirty rate, expected downtime. */
export function migrationProgressLine(o: Operation): string {
  const m = o.progressDetail?.migration;
  const head = `${String(o.progress).padStart(3)}% ${o.status}`;
  if (!m) return `${head}: ${o.message}`;
  const throttle = m.throttlePercent > 0 ? `, throttle ${m.throttlePercent}%` : '';
  const disk = m.diskRemainingBytes > 0 ? `, disk ${mib(m.diskRemainingBytes)} left` : '';
  return `${head}: ${m.stage} pass ${m.pass}, RAM ${mib(m.ramTransferredBytes)} sent, ${mib(m.ramRemainingBytes)} left of ${mib(m.ramTotalBytes)}, dirty ${mib(m.dirtyRateBytesPerSec)}/s, expected downtime ${m.expectedDowntimeMs} ms${throttle}${disk}`;
}

async function follow(client: KumoClient, op: Operation, stream: NodeJS.WriteStream = process.stderr): Promise<Operation> {
  let last = '';
  const draw = (o: Operation) => {
    const line = migrationProgressLine(o);
    if (line === last) return;
    last = line;
    stream.write(stream.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
  };
  draw(op);
  const final = await client.waitOperation(op.id, { onProgress: draw });
  if (stream.isTTY) stream.write('\n');
  return final;
}

/** instance migrate, instance migrations. */
export function addInstanceMigrateCommands(inst: Command): void {
  inst.command('migrate <instance>').description('move an instance to another host: live when it runs, cold (disks copied) when stopped (admins)')
    .option('--host <host>', 'target host (name or id); default: the scheduler picks a compatible host')
    .option('--cold', 'refuse a live move: the instance must be stopped')
    .option('--wait', 'follow the migration: pass, RAM sent and left, dirty rate, expected downtime')
    .action(async (ref: string, o: { host?: string; cold?: boolean; wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const op = await client.request<Operation>('POST', `/api/v1/instances/${id}/migrate`, { body: { ...(o.host ? { hostId: o.host } : {}), ...(o.cold ? { live: false } : {}) } });
      if (!o.wait) { print(renderOne(op as unknown as Record<string, unknown>, output)); return; }
      const final = await follow(client, op);
      print(renderOne(final as unknown as Record<string, unknown>, output));
      if (final.status !== 'succeeded') throw new CliError(`migration ${final.status}: ${final.error?.message ?? final.message}`, 2);
    });
  inst.command('migrations <instance>').description('migration history of an instance, newest first, with downtime and duration')
    .action(async (ref: string, _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'instances', 'instance', ref);
      const page = await client.request<{ items: InstanceMigrationRecord[] }>('GET', `/api/v1/instances/${id}/migrations`);
      const rows = page.items.map((m) => ({
        ...m, totalMs: m.result?.totalMs ?? '-', downtimeMs: m.result?.downtimeMs ?? '-', passes: m.result?.passes ?? '-', error: m.error ?? '',
      }));
      print(renderList(rows as unknown as Array<Record<string, unknown>>, [
        { key: 'createdAt', header: 'STARTED' }, { key: 'mode', header: 'MODE' }, { key: 'attempt', header: '#' }, { key: 'sourceHostId', header: 'FROM' },
        { key: 'targetHostId', header: 'TO' }, { key: 'state', header: 'STATE' }, { key: 'totalMs', header: 'TOTAL ms' }, { key: 'downtimeMs', header: 'DOWNTIME ms' },
        { key: 'passes', header: 'PASSES' }, { key: 'error', header: 'ERROR' },
      ], output));
    });
}

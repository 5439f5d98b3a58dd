import type { Command } from 'commander';
import type { HostEvacuation, HostEvacuationItem, KumoClient, Operation } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderList, renderOne, type OutputFormat } from '../output.ts';
import { print } from './resource-commands.ts';

const mib = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;

/** What a row's DETAIL column says: the reason it cannot move, or its migration's figures. */
export function evacuationDetail(it: HostEvacuationItem): string {
  if (it.reason) return it.reason;
  const m = it.migration;
  if (it.state === 'migrating' && m) {
    return `${m.stage} pass ${m.pass}, ${mib(m.ramTransferredBytes)} sent, ${mib(m.ramRemainingBytes)} left, dirty ${mib(m.dirtyRateBytesPerSec)}/s, downtime ~${m.expectedDowntimeMs} ms`;
  }
  return '';
}

/** The per-instance table of an evacuation. */
export function renderEvacuation(ev: HostEvacuation, format: OutputFormat): string {
  if (format !== 'table') return renderOne(ev as unknown as Record<string, unknown>, format);
  const rows = ev.items.map((it) => ({ name: it.name, state: it.state, progress: `${it.progress}%`, detail: evacuationDetail(it) }));
  const counts = Object.entries(ev.counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ') || 'no guests';
  const table = rows.length > 0 ? renderList(rows, [
    { key: 'name', header: 'INSTANCE' }, { key: 'state', header: 'STATE' }, { key: 'progress', header: 'PROGRESS' }, { key: 'detail', header: 'DETAIL' },
  ], 'table') : '(no guests on the host)';
  return `host ${ev.hostId} (${ev.adminState}): ${counts}\n${table}`;
}

/**
 * Guests that cannot move, with what the operator can do; '' when there are none, the evacuation
 * still works on others, or the operator already chose to stop them.
 */
export function stuckAdvice(ev: HostEvacuation, host: string): string {
  const stuck = ev.items.filter((i) => i.state === 'blocked' || i.state === 'failed');
  if (stuck.length === 0 || (ev.counts.pending ?? 0) > 0 || (ev.counts.migrating ?? 0) > 0 || ev.adminState !== 'preparing-maintenance' || ev.options.stopRemaining) return '';
  return [
    `${stuck.length} instance${stuck.length === 1 ? '' : 's'} cannot move:`,
    ...stuck.map((i) => `  ${i.name}: ${i.reason ?? i.state}`),
    'the host stays in preparing-maintenance. Either:',
    `  kumo host maintenance ${host} --stop-remaining   stop them (they stay on the host, stopped)`,
    `  kumo host enable ${host}                         cancel the maintenance`,
  ].join('\n');
}

async function evacuation(client: KumoClient, id: string): Promise<HostEvacuation> {
  return client.request<HostEvacuation>('GET', `/api/v1/hosts/${encodeURIComponent(id)}/evacuation`);
}

/**
 * Follow a maintenance: redraw the per-instance table as it changes (plain repeated tables when not
 * on a terminal), until the operation ends or the evacuation waits for the operator.
 */
async function follow(client: KumoClient, op: Operation, hostId: string, host: string, stream: NodeJS.WriteStream): Promise<{ op: Operation; ev: HostEvacuation; advice: string }> {
  let lastText = ''; let lines = 0;
  for (;;) {
    const cur = await client.request<Operation>('GET', `/api/v1/operations/${encodeURIComponent(op.id)}`, { query: { wait: true, waitTimeoutSec: 2 } });
    const ev = await evacuation(client, hostId);
    const advice = stuckAdvice(ev, host);
    const text = `${renderEvacuation(ev, 'table')}\n${cur.status}: ${cur.message}`;
    if (text !== lastText) {
      if (stream.isTTY && lines > 0) stream.write(`\x1b[${lines}A\x1b[J`);
      stream.write(`${text}\n`);
      lines = text.split('\n').length; lastText = text;
    }
    if (['succeeded', 'failed', 'cancelled'].includes(cur.status) || advice !== '') return { op: cur, ev, advice };
    if (!stream.isTTY) await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * `kumo host maintenance HOST [--concurrency N] [--stopped-instances move|leave] [--stop-remaining] [--wait]`
 * and `kumo host evacuation HOST` (the per-instance table of its latest evacuation).
 */
export function addHostMaintenanceCommands(host: Command): void {
  host.command('maintenance <host>')
    .description('put a host into maintenance: nothing new is placed there, its guests are live-migrated away a few at a time; guests that cannot move are listed (stop them with --stop-remaining, or cancel with `kumo host enable`)')
    .option('--concurrency <n>', 'migrations at once (default: the server\'s, 2)')
    .option('--stopped-instances <policy>', 'stopped instances: move (cold migration) or leave (default: leave)')
    .option('--stop-remaining', 'stop the instances that cannot move, so that maintenance can begin')
    .option('--wait', 'follow the evacuation with a live per-instance table until the host is in maintenance (or needs a choice)')
    .action(async (value: string, o: { concurrency?: string; stoppedInstances?: string; stopRemaining?: boolean; wait?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const body: Record<string, unknown> = {};
      if (o.concurrency !== undefined) {
        const n = Number(o.concurrency);
        if (!Number.isInteger(n) || n < 1 || n > 32) throw new CliError('--concurrency must be an integer from 1 to 32', 1);
        body.concurrency = n;
      }
      if (o.stoppedInstances !== undefined) {
        if (o.stoppedInstances !== 'move' && o.stoppedInstances !== 'leave') throw new CliError('--stopped-instances must be move or leave', 1);
        body.stoppedInstances = o.stoppedInstances;
      }
      if (o.stopRemaining) body.stopRemaining = true;
      const id = await resolveId(client, 'hosts', 'host', value);
      const op = await client.request<Operation>('POST', `/api/v1/hosts/${encodeURIComponent(id)}/maintenance`, { body });
      if (!o.wait) { print(renderOne(op as unknown as Record<string, unknown>, output)); return; }
      const end = await follow(client, op, id, value, process.stderr);
      print(output === 'table' ? renderEvacuation(end.ev, 'table') : renderOne(end.op as unknown as Record<string, unknown>, output));
      if (end.advice) { process.stderr.write(`${end.advice}\n`); throw new CliError(`host ${value} waits for a choice: some instances cannot move`, 3); }
      if (end.op.status !== 'succeeded') throw new CliError(`operation ${end.op.status}: ${end.op.error?.message ?? end.op.message}`, 2);
    });

  host.command('evacuation <host>').description('the per-instance state of the host\'s latest evacuation (moved, migrating with progress, blocked with the reason)')
    .action(async (value: string, _o: unknown, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'hosts', 'host', value);
      const ev = await evacuation(client, id);
      print(renderEvacuation(ev, output));
      const advice = stuckAdvice(ev, value);
      if (advice && output === 'table') print(advice);
    });
}

import type { Command } from 'commander';
import type { HostTop, InstanceUsage, MetricsOverview, TopSort } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderList, renderOne, type Column } from '../output.ts';
import { print } from './resource-commands.ts';

const sorts: readonly TopSort[] = ['cpu', 'memory', 'disk', 'net'];

function sortOf(v: string | undefined): TopSort {
  const s = (v ?? 'cpu') as TopSort;
  if (!sorts.includes(s)) throw new CliError(`--sort: one of ${sorts.join(', ')} (got ${v})`, 2);
  return s;
}

/** Human units: 1536 → 1.5Ki, with a suffix. */
export function humanRate(n: number, unit: string): string {
  const steps = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let v = n; let i = 0;
  while (v >= 1024 && i < steps.length - 1) { v /= 1024; i++; }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)}${steps[i]}${unit}`;
}

const usageColumns: Column[] = [
  { key: 'name', header: 'NAME' }, { key: 'instanceId', header: 'ID' }, { key: 'cpu', header: 'CPU%' }, { key: 'memory', header: 'MEM' },
  { key: 'disk', header: 'DISK' }, { key: 'iops', header: 'IOPS' }, { key: 'net', header: 'NET' }, { key: 'hostId', header: 'HOST' },
];

/** Rows of a usage table: numbers as people read them (JSON/YAML output keeps the raw numbers). */
export function usageRows(items: readonly InstanceUsage[]): Array<Record<string, unknown>> {
  return items.map((u) => ({
    name: u.name, instanceId: u.instanceId, cpu: u.cpuPct.toFixed(1), memory: humanRate(u.memoryBytes, 'B'),
    disk: humanRate(u.diskBps, 'B/s'), iops: Math.round(u.diskIops), net: humanRate(u.netBps, 'B/s'), hostId: u.hostId,
  }));
}

/** `kumo host top HOST [--sort cpu|memory|disk|net]`: the bottleneck view of one host. */
export function addHostTopCommand(host: Command): void {
  host.command('top <host>').description('what the host uses now and which of its instances use most (the bottleneck view)')
    .option('--sort <what>', 'cpu, memory, disk or net', 'cpu').option('--limit <n>', 'how many instances', (v) => Number(v), 10)
    .action(async (value: string, o: { sort?: string; limit: number }, c: Command) => {
      const { client, output } = clientFor(c);
      const id = await resolveId(client, 'hosts', 'host', value);
      const top = await client.request<HostTop>('GET', `/api/v1/hosts/${encodeURIComponent(id)}/top`, { query: { sort: sortOf(o.sort), limit: o.limit } });
      if (output !== 'table') { print(renderOne(top as unknown as Record<string, unknown>, output)); return; }
      const h = top.host;
      const f = (v: number | null, s = '') => (v === null ? '-' : `${v.toFixed(1)}${s}`);
      print([
        `host ${h.name} (${h.state}): cpu ${f(h.cpuPct, '%')} (iowait ${f(h.cpuIowaitPct, '%')}, steal ${f(h.cpuStealPct, '%')}), load ${f(h.load1)}, memory ${f(h.memoryPct, '%')}, fullest pool ${f(h.poolUsedPct, '%')}`,
        top.topConsumer ? `top consumer by ${top.sort}: ${top.instances[0]?.name} (${top.topConsumer})` : 'no instance samples in the last 90 s',
        '',
        renderList(usageRows(top.instances), usageColumns, 'table'),
      ].join('\n'));
    });
}

/** `kumo instance top [--sort …]`: the instances using most right now (yours; admins: everyone's). */
export function addInstanceTopCommand(inst: Command): void {
  inst.command('top').description('the instances using most CPU, memory, disk or network right now')
    .option('--sort <what>', 'cpu, memory, disk or net', 'cpu').option('--limit <n>', 'how many', (v) => Number(v), 10)
    .action(async (o: { sort?: string; limit: number }, c: Command) => {
      const { client, output } = clientFor(c);
      const sort = sortOf(o.sort);
      const ov = await client.request<MetricsOverview>('GET', '/api/v1/metrics/overview', { query: { limit: o.limit } });
      const items = ov.top[sort];
      print(output === 'table' ? renderList(usageRows(items), usageColumns, 'table') : renderList(items as unknown as Array<Record<string, unknown>>, usageColumns, output));
    });
}

import type { Command } from 'commander';
import type { AuditEntry, Quota, QuotaLimits, UsageReport, UsageRollupList } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderList, renderOne } from '../output.ts';
import { print } from './resource-commands.ts';

/** Quota flags → API field names. */
const quotaFlags: Array<[flag: string, field: keyof QuotaLimits, what: string]> = [
  ['instances', 'instances', 'instances'], ['vcpus', 'vcpus', 'vCPUs'], ['memory-mib', 'memoryMiB', 'memory (MiB)'], ['volumes', 'volumes', 'data volumes'],
  ['volume-gib', 'volumeGiB', 'data volume GiB'], ['snapshots', 'snapshots', 'snapshots'], ['public-ips', 'publicIps', 'public IPs'], ['networks', 'networks', 'networks'],
];
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase());

/** A limit as typed: a whole number, or `default` / `unlimited` (null). */
export function parseLimit(flag: string, text: string): number | null {
  if (text === 'default' || text === 'unlimited' || text === 'none') return null;
  if (!/^\d+$/.test(text)) throw new CliError(`--${flag} ${text}: expected a whole number, or "default" (the account then follows the defaults; for --defaults: unlimited)`);
  return Number(text);
}

const limitText = (v: number | null) => (v === null ? 'unlimited' : String(v));
/** A quota as rows: resource, use, limit, a usage bar. */
export function quotaRows(q: Quota): Array<Record<string, unknown>> {
  return quotaFlags.map(([, field]) => {
    const used = q.usage[field]; const limit = q.effective[field];
    const pct = limit === null ? null : limit === 0 ? 100 : Math.min(100, Math.round((used / limit) * 100));
    return {
      resource: field, used, limit: limitText(limit), own: q.limits[field] === null ? 'default' : 'own',
      bar: pct === null ? '' : `${'#'.repeat(Math.round(pct / 5)).padEnd(20, '.')} ${pct}%`,
    };
  });
}

async function accountOf(c: Command, given: string | undefined): Promise<string> {
  const { client } = clientFor(c);
  if (given) return resolveId(client, 'accounts', 'account', given);
  return (await client.request<{ accountId: string }>('GET', '/api/v1/auth/whoami')).accountId;
}

/** `kumo quota show|set`, `kumo usage list`, `kumo audit list`. */
export function addAccountingCommands(program: Command): void {
  const quota = program.command('quota').description('account quotas: limits and what is in use');
  quota.command('show').description('an account\'s limits and use (default: your own)').option('--account <account>', 'name or id')
    .action(async (o: { account?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const q = await client.request<Quota>('GET', `/api/v1/accounts/${await accountOf(c, o.account)}/quota`);
      print(output === 'json' || output === 'yaml' ? renderOne(q as unknown as Record<string, unknown>, output) : renderList(quotaRows(q), [
        { key: 'resource', header: 'RESOURCE' }, { key: 'used', header: 'USED' }, { key: 'limit', header: 'LIMIT' }, { key: 'own', header: 'SET' }, { key: 'bar', header: 'USE' },
      ], output));
    });
  let set = quota.command('set').description('set limits (admins): a number, or "default" (for --defaults: "unlimited")')
    .option('--account <account>', 'name or id').option('--defaults', 'set the defaults of every account without its own limit');
  for (const [flag, , what] of quotaFlags) set = set.option(`--${flag} <n>`, what);
  set.action(async (o: Record<string, string | boolean | undefined>, c: Command) => {
    const { client, output } = clientFor(c);
    const body: Record<string, number | null> = {};
    for (const [flag, field] of quotaFlags) {
      const v = o[camel(flag)];
      if (typeof v === 'string') body[field] = parseLimit(flag, v);
    }
    if (Object.keys(body).length === 0) throw new CliError(`say what to set: ${quotaFlags.map(([f]) => `--${f}`).join(', ')}`);
    if (o.defaults) {
      print(renderOne(await client.request('PUT', '/api/v1/quota-defaults', { body }), output));
      return;
    }
    if (typeof o.account !== 'string') throw new CliError('pass --account (or --defaults)');
    const q = await client.request<Quota>('PUT', `/api/v1/accounts/${await resolveId(client, 'accounts', 'account', o.account)}/quota`, { body });
    print(renderList(quotaRows(q), [{ key: 'resource', header: 'RESOURCE' }, { key: 'used', header: 'USED' }, { key: 'limit', header: 'LIMIT' }, { key: 'own', header: 'SET' }], output === 'table' ? 'table' : output));
  });

  const usage = program.command('usage').description('usage records for billing (hours, GiB-hours)');
  usage.command('list').alias('ls').description('usage per meter and offering, per hour or day (-o csv|json for billing systems)')
    .option('--account <account>', 'name or id (default: your own; admins: any)')
    .requiredOption('--from <time>', 'start, ISO-8601 (e.g. 2026-12-01 or 2026-12-01T00:00:00Z)').requiredOption('--to <time>', 'end (exclusive)')
    .option('--granularity <g>', 'hour or day', 'day').option('--totals', 'only the totals of the period')
    .option('--all-accounts', 'admins: every account\'s closed hours or days (the rollups), one line per account, meter and offering')
    .action(async (o: { account?: string; from: string; to: string; granularity: string; totals?: boolean; allAccounts?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const iso = (flag: string, t: string) => {
        const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t);
        if (!Number.isFinite(ms)) throw new CliError(`--${flag} ${t}: expected an ISO-8601 date or time`);
        return new Date(ms).toISOString();
      };
      if (o.granularity !== 'hour' && o.granularity !== 'day') throw new CliError('--granularity: hour or day');
      const r = await client.request<UsageReport>('GET', '/api/v1/usage', {
        query: { accountId: await accountOf(c, o.account), from: iso('from', o.from), to: iso('to', o.to), granularity: o.granularity },
      });
      const round = (n: number) => Math.round(n * 1e6) / 1e6;
      const recordColumns = [
        { key: 'accountId', header: 'ACCOUNT' }, { key: 'start', header: 'START' }, { key: 'end', header: 'END' }, { key: 'meter', header: 'METER' },
        { key: 'offeringId', header: 'OFFERING' }, { key: 'quantity', header: 'QUANTITY' }, { key: 'unit', header: 'UNIT' },
      ];
      if (o.allAccounts) {
        if (o.account || o.totals) throw new CliError('--all-accounts lists every account\'s records: leave out --account and --totals');
        const l = await client.request<UsageRollupList>('GET', '/api/v1/usage/rollups', { query: { from: iso('from', o.from), to: iso('to', o.to), granularity: o.granularity } });
        print(renderList(l.items.map((x) => ({ ...x, quantity: round(x.quantity) })), recordColumns, output));
        return;
      }
      if (o.totals) {
        print(renderList(r.totals.map((t) => ({ ...t, accountId: r.accountId, quantity: round(t.quantity) })), [
          { key: 'accountId', header: 'ACCOUNT' }, { key: 'meter', header: 'METER' }, { key: 'offeringId', header: 'OFFERING' }, { key: 'quantity', header: 'QUANTITY' }, { key: 'unit', header: 'UNIT' },
        ], output));
        return;
      }
      print(renderList(r.records.map((x) => ({ ...x, accountId: r.accountId, quantity: round(x.quantity) })), recordColumns, output));
    });

  const audit = program.command('audit').description('the audit log: every change made through the API');
  audit.command('list').alias('ls').description('newest first; admins see every account, users their own')
    .option('--account <account>', 'name or id').option('--user <username>').option('--action <action>', 'e.g. instances.create')
    .option('--resource <id>').option('--status <code>', 'HTTP status', (v) => Number(v)).option('--from <time>').option('--to <time>')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 50)
    .action(async (o: { account?: string; user?: string; action?: string; resource?: string; status?: number; from?: string; to?: string; limit: number }, c: Command) => {
      const { client, output } = clientFor(c);
      const page = await client.list<AuditEntry>('audit', {
        accountId: o.account ? await resolveId(client, 'accounts', 'account', o.account) : undefined,
        username: o.user, action: o.action, resourceId: o.resource, status: o.status, from: o.from, to: o.to, limit: o.limit,
      });
      print(renderList(page.items as unknown as Array<Record<string, unknown>>, [
        { key: 'createdAt', header: 'TIME' }, { key: 'username', header: 'USER' }, { key: 'sourceAddress', header: 'FROM' }, { key: 'action', header: 'ACTION' },
        { key: 'resourceId', header: 'RESOURCE' }, { key: 'status', header: 'STATUS' }, { key: 'errorCode', header: 'ERROR' },
      ], output));
    });
}

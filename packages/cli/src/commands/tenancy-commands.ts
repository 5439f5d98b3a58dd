import type { Command } from 'commander';
import type { KumoClient } from '@kumo/api';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderList, renderOne, type Column } from '../output.ts';
import { print } from './resource-commands.ts';

type Row = Record<string, unknown>;
const idPattern = /^[a-z]+-[0-9a-z]{20}$/;

/** A domain by id or path ('/ROOT/dept-a/' or 'dept-a/team1'). */
async function domainId(client: KumoClient, ref: string): Promise<string> {
  if (idPattern.test(ref) || ref === 'domain-root') return ref;
  const path = `/${['ROOT', ...ref.split('/').filter((s) => s !== '' && s !== 'ROOT')].join('/')}/`;
  const found = (await client.request<{ items: Array<{ id: string; path: string }> }>('GET', '/api/v1/domains')).items.find((d) => d.path === path);
  if (!found) throw new CliError(`no domain ${path}`);
  return found.id;
}
/** A project by id or name. */
async function projectId(client: KumoClient, ref: string): Promise<string> {
  if (idPattern.test(ref)) return ref;
  const found = (await client.request<{ items: Array<{ id: string; name: string }> }>('GET', '/api/v1/projects')).items.filter((p) => p.name === ref);
  if (found.length !== 1) throw new CliError(found.length === 0 ? `no project named ${ref}` : `${found.length} projects are named ${ref}; use the id`);
  return found[0]!.id;
}
const accountId = (client: KumoClient, ref: string) => resolveId(client, 'accounts', 'account', ref);

/** list/show/update/disable/enable/delete for one kind, over its API paths. */
function lifecycle(cmd: Command, noun: string, path: string, columns: Column[], resolve: (c: KumoClient, ref: string) => Promise<string>, opts: { cascade?: boolean } = {}): void {
  cmd.command('list').alias('ls').action(async (_o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderList((await client.request<{ items: Row[] }>('GET', `/api/v1/${path}`)).items, columns, output));
  });
  cmd.command(`show <${noun}>`).description('by name or id').action(async (ref: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.request<Row>('GET', `/api/v1/${path}/${await resolve(client, ref)}`), output));
  });
  for (const [verb, state] of [['disable', 'disabled'], ['enable', 'enabled']] as const) {
    cmd.command(`${verb} <${noun}>`).description(verb === 'disable' ? 'its users cannot log in, its API keys answer 401; running instances keep running' : 'undo disable')
      .action(async (ref: string, _o: unknown, c: Command) => {
        const { client, output } = clientFor(c);
        print(renderOne(await client.request<Row>('PATCH', `/api/v1/${path}/${await resolve(client, ref)}`, { body: { state } }), output));
      });
  }
  let del = cmd.command(`delete <${noun}>`).alias('rm');
  if (opts.cascade) del = del.option('--cascade', 'first delete what it owns, through the usual operations (waits until they are gone)');
  del.action(async (ref: string, o: { cascade?: boolean }, c: Command) => {
    const { client } = clientFor(c);
    const id = await resolve(client, ref);
    for (let i = 0; ; i++) {
      const r = await client.request<{ deleted?: boolean; remaining?: Record<string, number> } | undefined>('DELETE', `/api/v1/${path}/${id}`, o.cascade ? { query: { cascade: 'true' } } : {});
      if (!r || r.deleted !== false) break;
      if (i >= 600) throw new CliError(`still deleting: ${JSON.stringify(r.remaining)}`);
      await new Promise((done) => setTimeout(done, 1000));
    }
    print(`deleted ${noun} ${ref}`);
  });
}

const accountColumns: Column[] = [
  { key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'domainPath', header: 'DOMAIN' }, { key: 'roleName', header: 'ROLE' }, { key: 'kind', header: 'KIND' }, { key: 'state', header: 'STATE' },
];

/** `kumo domain|account|project|role …` and `kumo project member add|remove` (users: addUserLifecycleCommands). */
export function addTenancyCommands(program: Command): void {
  const domain = program.command('domain').description('domains: a tree (a reseller\'s or a department\'s sub-domains); admins manage their subtree');
  domain.command('create <name>').option('--parent <domain>', 'id or path (default: your own domain)').action(async (name: string, o: { parent?: string }, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.create('domains', { name, ...(o.parent ? { parentId: await domainId(client, o.parent) } : {}) }), output));
  });
  domain.command('update <domain>').requiredOption('--name <name>').action(async (ref: string, o: { name: string }, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.request<Row>('PATCH', `/api/v1/domains/${await domainId(client, ref)}`, { body: { name: o.name } }), output));
  });
  lifecycle(domain, 'domain', 'domains', [{ key: 'id', header: 'ID' }, { key: 'path', header: 'PATH' }, { key: 'state', header: 'STATE' }], domainId);

  const account = program.command('account').description('accounts (root admins: all; domain admins: their subtree)');
  account.command('create <name>').option('--domain <domain>', 'id or path').option('--role <role>', 'a role\'s name or id (root-admin, domain-admin, user, read-only, or a custom one)')
    .option('--username <name>', 'its first user').option('--password <pw>', 'the first user\'s password (or $KUMO_NEW_PASSWORD)')
    .action(async (name: string, o: { domain?: string; role?: string; username?: string; password?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const password = o.password ?? process.env.KUMO_NEW_PASSWORD;
      if (o.username && !password) throw new CliError('--username needs --password (or $KUMO_NEW_PASSWORD)');
      print(renderOne(await client.create('accounts', {
        name, ...(o.domain ? { domainId: await domainId(client, o.domain) } : {}), ...(o.role ? { roleId: o.role } : {}), ...(o.username ? { username: o.username, password } : {}),
      }), output));
    });
  account.command('update <account>').option('--name <name>').option('--role <role>', 'a role\'s name or id; "none": back to the account\'s old admin/user role')
    .action(async (ref: string, o: { name?: string; role?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const body = { ...(o.name ? { name: o.name } : {}), ...(o.role ? { roleId: o.role === 'none' ? null : o.role } : {}) };
      print(renderOne(await client.request<Row>('PATCH', `/api/v1/accounts/${await accountId(client, ref)}`, { body }), output));
    });
  lifecycle(account, 'account', 'accounts', accountColumns, accountId, { cascade: true });

  const project = program.command('project').description('projects: resources shared by several accounts\' users (pass --project / projectId when creating)');
  project.command('create <name>').option('--domain <domain>', 'id or path (default: yours)').action(async (name: string, o: { domain?: string }, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.create('projects', { name, ...(o.domain ? { domainId: await domainId(client, o.domain) } : {}) }), output));
  });
  project.command('update <project>').requiredOption('--name <name>').action(async (ref: string, o: { name: string }, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.request<Row>('PATCH', `/api/v1/projects/${await projectId(client, ref)}`, { body: { name: o.name } }), output));
  });
  lifecycle(project, 'project', 'projects', [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'domainPath', header: 'DOMAIN' }, { key: 'state', header: 'STATE' }], projectId, { cascade: true });
  const member = project.command('member').description('who takes part: member (reads and changes), admin (also manages members), read-only');
  member.command('add <project> <account>').option('--role <role>', 'member | admin | read-only', 'member')
    .action(async (ref: string, acct: string, o: { role: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const p = await client.request<{ members: Row[] }>('POST', `/api/v1/projects/${await projectId(client, ref)}/members`, { body: { accountId: acct, role: o.role } });
      print(renderList(p.members, [{ key: 'accountName', header: 'ACCOUNT' }, { key: 'role', header: 'ROLE' }], output));
    });
  member.command('remove <project> <account>').alias('rm').action(async (ref: string, acct: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    await client.request('DELETE', `/api/v1/projects/${await projectId(client, ref)}/members/${encodeURIComponent(acct)}`);
    print(`removed ${acct} from ${ref}`);
  });

  const role = program.command('role').description('roles: built-in ones and custom allow/deny lists of API actions (instance:create, volume:*)');
  const roleId = (_c: KumoClient, ref: string) => Promise.resolve(ref);
  const actions = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  role.command('create <name>').option('--base <role>', 'root-admin | domain-admin | user | read-only', 'user').option('--allow <actions>', 'comma-separated').option('--deny <actions>', 'comma-separated').option('--description <text>')
    .action(async (name: string, o: { base: string; allow?: string; deny?: string; description?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('roles', { name, base: o.base, ...(o.allow ? { allow: actions(o.allow) } : {}), ...(o.deny ? { deny: actions(o.deny) } : {}), ...(o.description ? { description: o.description } : {}) }), output));
    });
  role.command('update <role>').option('--allow <actions>').option('--deny <actions>').option('--description <text>')
    .action(async (ref: string, o: { allow?: string; deny?: string; description?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const body = { ...(o.allow !== undefined ? { allow: actions(o.allow) } : {}), ...(o.deny !== undefined ? { deny: actions(o.deny) } : {}), ...(o.description !== undefined ? { description: o.description } : {}) };
      print(renderOne(await client.request<Row>('PATCH', `/api/v1/roles/${encodeURIComponent(ref)}`, { body }), output));
    });
  role.command('list').alias('ls').action(async (_o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderList((await client.request<{ items: Row[] }>('GET', '/api/v1/roles')).items, [{ key: 'name', header: 'NAME' }, { key: 'base', header: 'BASE' }, { key: 'allow', header: 'ALLOW' }, { key: 'deny', header: 'DENY' }], output));
  });
  role.command('show <role>').action(async (ref: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.request<Row>('GET', `/api/v1/roles/${encodeURIComponent(await roleId(client, ref))}`), output));
  });
  role.command('delete <role>').alias('rm').action(async (ref: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    await client.request('DELETE', `/api/v1/roles/${encodeURIComponent(ref)}`);
    print(`deleted role ${ref}`);
  });
}

/** `kumo user create|list|show|update|disable|enable|delete` (beside `kumo user passwd`). */
export function addUserLifecycleCommands(user: Command): void {
  const userRef = (_c: KumoClient, ref: string) => Promise.resolve(encodeURIComponent(ref));
  user.command('create <username>').requiredOption('--account <account>', 'name or id').option('--password <pw>', 'or $KUMO_NEW_PASSWORD').option('--role <role>', 'admin | user | read-only (default: the account\'s)')
    .action(async (username: string, o: { account: string; password?: string; role?: string }, c: Command) => {
      const { client, output } = clientFor(c);
      const password = o.password ?? process.env.KUMO_NEW_PASSWORD;
      if (!password) throw new CliError('pass --password or set KUMO_NEW_PASSWORD');
      print(renderOne(await client.create('users', { accountId: await accountId(client, o.account), username, password, ...(o.role ? { role: o.role } : {}) }), output));
    });
  user.command('update <user>').requiredOption('--role <role>', 'admin | user | read-only | none (the account\'s)').action(async (ref: string, o: { role: string }, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.request<Row>('PATCH', `/api/v1/users/${encodeURIComponent(ref)}`, { body: { role: o.role === 'none' ? null : o.role } }), output));
  });
  lifecycle(user, 'user', 'users', [{ key: 'id', header: 'ID' }, { key: 'username', header: 'USERNAME' }, { key: 'accountName', header: 'ACCOUNT' }, { key: 'role', header: 'ROLE' }, { key: 'state', header: 'STATE' }], userRef);
}

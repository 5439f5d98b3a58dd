import type { Command } from 'commander';
import { CliError, clientFor, resolveId } from '../cli-context.ts';
import { renderList, renderOne } from '../output.ts';
import { print } from './resource-commands.ts';
import { addUserLifecycleCommands } from './tenancy-commands.ts';

const num = (v: string) => Number(v);
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `--map ROLE[@ACCOUNT]:GROUP_DN` → a group mapping (`admin:cn=ops,ou=groups,dc=example,dc=com`). */
export function parseGroupMapping(text: string): { group: string; role: string; account?: string } {
  const m = /^(admin|user|read-only)(?:@([A-Za-z0-9][A-Za-z0-9._-]*))?:(.+=.+)$/.exec(text);
  if (!m) throw new CliError(`--map ${text}: expected ROLE[@ACCOUNT]:GROUP_DN with ROLE admin, user or read-only (e.g. user@engineering:cn=devs,ou=groups,dc=example,dc=com)`);
  return { group: m[3]!, role: m[1]!, ...(m[2] ? { account: m[2] } : {}) };
}

interface IdpFlags {
  url?: string; startTls?: boolean; caFile?: string; tlsVerify?: boolean; bindDn?: string; bindPassword?: string;
  userBase?: string; userFilter?: string; groupBase?: string; groupFilter?: string; map?: string[]; timeoutMs?: number; enable?: boolean; disable?: boolean;
}

function idpBody(o: IdpFlags): Record<string, unknown> {
  const bindPassword = o.bindPassword ?? process.env.KUMO_LDAP_BIND_PASSWORD;
  return {
    ...(o.url !== undefined ? { url: o.url } : {}),
    ...(o.startTls !== undefined ? { startTls: o.startTls } : {}),
    ...(o.caFile !== undefined ? { tlsCaFile: o.caFile } : {}),
    ...(o.tlsVerify === false ? { tlsVerify: false } : {}),
    ...(o.bindDn !== undefined ? { bindDn: o.bindDn } : {}),
    ...(bindPassword !== undefined ? { bindPassword } : {}),
    ...(o.userBase !== undefined ? { userSearchBase: o.userBase } : {}),
    ...(o.userFilter !== undefined ? { userFilter: o.userFilter } : {}),
    ...(o.groupBase !== undefined ? { groupSearchBase: o.groupBase } : {}),
    ...(o.groupFilter !== undefined ? { groupFilter: o.groupFilter } : {}),
    ...(o.map !== undefined ? { groupMappings: o.map.map(parseGroupMapping) } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.enable ? { enabled: true } : o.disable ? { enabled: false } : {}),
  };
}

function idpOptions(c: Command): Command {
  return c.option('--url <url>', 'ldap://host:389 or ldaps://host:636')
    .option('--start-tls', 'upgrade ldap:// with StartTLS').option('--ca-file <pem>', 'CA of the directory\'s certificate (a file on the server)')
    .option('--no-tls-verify', 'do not check the directory\'s certificate (labs only)')
    .option('--bind-dn <dn>', 'service account that searches').option('--bind-password <pw>', 'or $KUMO_LDAP_BIND_PASSWORD')
    .option('--user-base <dn>', 'where users are').option('--user-filter <filter>', 'with {username}, default (&(objectClass=inetOrgPerson)(uid={username}))')
    .option('--group-base <dn>', 'where groups are (default: the user base)').option('--group-filter <filter>', 'with {dn} or {username}, default groupOfNames/groupOfUniqueNames membership')
    .option('--map <ROLE[@ACCOUNT]:GROUP_DN>', 'group → role (admin|user|read-only) and account; repeat, first match wins', collect)
    .option('--timeout-ms <ms>', 'directory timeout', num);
}

const idpColumns = [
  { key: 'name', header: 'NAME' }, { key: 'url', header: 'URL' }, { key: 'enabled', header: 'ENABLED' }, { key: 'startTls', header: 'STARTTLS' },
  { key: 'userSearchBase', header: 'USER BASE' }, { key: 'id', header: 'ID' },
];

/** `kumo api-key` (alias apikey), `kumo user passwd`, `kumo idp` (alias ldap). */
export function addAuthCommands(program: Command): void {
  const key = program.command('api-key').alias('apikey').description('manage API keys (yours; admins: any account\'s)');
  key.command('list').alias('ls').description('your account\'s keys, with last use')
    .option('--account <account>', 'admins: another account\'s keys (name or id)').option('--all', 'admins: every account\'s keys')
    .action(async (o: { account?: string; all?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      const query = o.all ? { all: 'true' } : o.account ? { accountId: await resolveId(client, 'accounts', 'account', o.account) } : {};
      const items = await client.listAll<Record<string, unknown>>('api-keys', query);
      print(renderList(items, [
        { key: 'id', header: 'ID' }, { key: 'name', header: 'NAME' }, { key: 'access', header: 'ACCESS' }, { key: 'accountId', header: 'ACCOUNT' },
        { key: 'lastUsedAt', header: 'LAST USED' }, { key: 'expiresAt', header: 'EXPIRES' },
      ], output));
    });
  key.command('create').requiredOption('--name <name>')
    .option('--ttl <seconds>', 'lifetime (default: the server\'s, 90 days unless configured)', num)
    .option('--read-only', 'the key may only read: every write gets 403')
    .action(async (o: { name: string; ttl?: number; readOnly?: boolean }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.create('api-keys', { name: o.name, ttlSeconds: o.ttl, ...(o.readOnly ? { access: 'read-only' } : {}) }), output));
    });
  key.command('revoke <id>').alias('delete').description('revoke a key (admins: any account\'s)').action(async (id: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    await client.delete('api-keys', id);
    print(`revoked ${id}`);
  });

  const user = program.command('user').description('users: create, list, disable, delete (admins, in their scope); passwd');
  addUserLifecycleCommands(user);
  user.command('passwd [username]').description('change your password (old one needed), or as an admin reset another user\'s')
    .option('--old-password <pw>', 'or $KUMO_OLD_PASSWORD').option('--new-password <pw>', 'or $KUMO_NEW_PASSWORD')
    .action(async (username: string | undefined, o: { oldPassword?: string; newPassword?: string }, c: Command) => {
      const { client } = clientFor(c);
      const newPassword = o.newPassword ?? process.env.KUMO_NEW_PASSWORD;
      if (!newPassword) throw new CliError('pass --new-password or set KUMO_NEW_PASSWORD');
      const oldPassword = o.oldPassword ?? process.env.KUMO_OLD_PASSWORD;
      await client.request('POST', '/api/v1/auth/password', { body: { ...(username ? { username } : {}), ...(oldPassword ? { oldPassword } : {}), newPassword } });
      print(`password changed${username ? ` for ${username}` : ''}; other sessions of that user were ended`);
    });

  const idp = program.command('idp').alias('ldap').description('identity providers: LDAP directories users log in with (admins)');
  idp.command('list').alias('ls').action(async (_o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderList(await client.listAll<Record<string, unknown>>('identity-providers'), idpColumns, output));
  });
  idp.command('show <idp>').description('by name or id').action(async (ref: string, _o: unknown, c: Command) => {
    const { client, output } = clientFor(c);
    print(renderOne(await client.get<Record<string, unknown>>('identity-providers', ref), output));
  });
  idpOptions(idp.command('create').requiredOption('--name <name>'))
    .action(async (o: IdpFlags & { name: string }, c: Command) => {
      const { client, output } = clientFor(c);
      if (!o.url || !o.userBase) throw new CliError('pass --url and --user-base');
      print(renderOne(await client.create('identity-providers', { name: o.name, groupMappings: [], ...idpBody(o) }), output));
    });
  idpOptions(idp.command('update <idp>')).option('--enable').option('--disable')
    .action(async (ref: string, o: IdpFlags, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.request('PATCH', `/api/v1/identity-providers/${encodeURIComponent(ref)}`, { body: idpBody(o) }), output));
    });
  idp.command('test <idp>').description('look a user up: DN, groups, the role and account they would get')
    .requiredOption('--username <name>')
    .action(async (ref: string, o: { username: string }, c: Command) => {
      const { client, output } = clientFor(c);
      print(renderOne(await client.request('POST', `/api/v1/identity-providers/${encodeURIComponent(ref)}/test`, { body: { username: o.username } }), output));
    });
  idp.command('delete <idp>').alias('rm').action(async (ref: string, _o: unknown, c: Command) => {
    const { client } = clientFor(c);
    await client.request('DELETE', `/api/v1/identity-providers/${encodeURIComponent(ref)}`);
    print(`deleted ${ref}`);
  });
}

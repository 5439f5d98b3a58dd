import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKumo, type CliResult } from '@kumo/cli/testing';
import { openDatabase, type DatabaseHandle } from '@kumo/db';
import { buildServer, type KumoServer } from '@kumo/server';
import { startSlapd, type Slapd } from '@kumo/ldap-auth/testing';

// The authentication commands of the CLI against the real server on loopback (and a real slapd for `kumo idp`).
describe('kumo user passwd, kumo api-key, kumo idp', () => {
  let dir: string; let database: DatabaseHandle; let server: KumoServer; let url: string; let admin: string; let slapd: Slapd;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kumo-authcli-'));
    slapd = await startSlapd();
    database = await openDatabase({ dataDir: dir });
    server = await buildServer({ database, dataDir: dir, logLevel: 'silent', startController: false });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    await server.ctx.auth.bootstrapAdmin('admin-password-1');
    admin = (await server.ctx.auth.login('admin', 'admin-password-1')).token;
    await server.ctx.auth.createAccount({ name: 'acme', role: 'user', username: 'alice', password: 'alice-password-1' });
  });
  after(async () => {
    await server?.close(); await database?.close(); await slapd?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function kumo(token: string, ...args: string[]): Promise<CliResult> {
    return runKumo(url, ['-o', 'json', ...args], token);
  }

  test('kumo user passwd: your own with the old password; an admin resets another user\'s', async () => {
    const alice = (await server.ctx.auth.login('alice', 'alice-password-1')).token;
    const wrong = await kumo(alice, 'user', 'passwd', '--old-password', 'nope', '--new-password', 'alice-password-2');
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /oldPassword is wrong/);
    const ok = await kumo(alice, 'user', 'passwd', '--old-password', 'alice-password-1', '--new-password', 'alice-password-2');
    assert.equal(ok.code, 0, ok.err);
    assert.ok(await server.ctx.auth.passwordMatches('alice', 'alice-password-2'));
    const reset = await kumo(admin, 'user', 'passwd', 'alice', '--new-password', 'alice-password-3');
    assert.equal(reset.code, 0, reset.err);
    assert.ok(await server.ctx.auth.passwordMatches('alice', 'alice-password-3'));
    const refused = await kumo((await server.ctx.auth.login('alice', 'alice-password-3')).token, 'user', 'passwd', 'admin', '--new-password', 'taken-over-1');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /forbidden/);
  });

  test('kumo api-key create --read-only, list with last use, admin list --all and revoke', async () => {
    const alice = (await server.ctx.auth.login('alice', 'alice-password-3')).token;
    const made = await kumo(alice, 'apikey', 'create', '--name', 'ci', '--read-only');
    assert.equal(made.code, 0, made.err);
    const key = JSON.parse(made.out) as { id: string; secret: string; access: string; expiresAt: string };
    assert.equal(key.access, 'read-only');
    assert.ok(key.expiresAt, 'the default expiry applies');
    assert.equal((await kumo(key.secret, 'keypair', 'create', '--name', 'k', '--public-key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvZ k')).code, 1, 'a read-only key cannot write');
    const all = JSON.parse((await kumo(admin, 'api-key', 'list', '--all')).out) as Array<{ id: string; lastUsedAt: string | null }>;
    assert.ok(all.find((k) => k.id === key.id)?.lastUsedAt, 'lastUsedAt shows the use above');
    assert.equal((await kumo(admin, 'api-key', 'revoke', key.id)).code, 0);
    assert.equal((await kumo(key.secret, 'api-key', 'list')).code, 3, 'revoked: unauthenticated');
  });

  test('kumo idp create / test / update / list, and a directory login through it', async () => {
    const made = await kumo(admin, 'idp', 'create', '--name', 'corp', '--url', slapd.url, '--bind-dn', slapd.serviceDn, '--bind-password', slapd.servicePassword,
      '--user-base', 'ou=people,dc=kumo,dc=test', '--group-base', 'ou=groups,dc=kumo,dc=test',
      '--map', 'admin:cn=kumo-admins,ou=groups,dc=kumo,dc=test', '--map', 'user@engineering:cn=kumo-users,ou=groups,dc=kumo,dc=test');
    assert.equal(made.code, 0, made.err);
    assert.doesNotMatch(made.out, new RegExp(slapd.servicePassword));
    const t = JSON.parse((await kumo(admin, 'idp', 'test', 'corp', '--username', 'bob')).out) as { role: string; account: string };
    assert.deepEqual([t.role, t.account], ['user', 'engineering']);
    const bad = await kumo(admin, 'idp', 'create', '--name', 'x', '--url', slapd.url, '--user-base', 'ou=people,dc=kumo,dc=test', '--map', 'root:cn=x');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /ROLE\[@ACCOUNT\]:GROUP_DN/);
    assert.equal((await kumo(admin, 'idp', 'update', 'corp', '--disable')).code, 0);
    await assert.rejects(server.ctx.auth.login('bob', 'bob-dir-pw'), /wrong username or password/, 'a disabled provider logs no one in');
    assert.equal((await kumo(admin, 'ldap', 'update', 'corp', '--enable')).code, 0);
    assert.equal((await server.ctx.auth.login('bob', 'bob-dir-pw')).principal.role, 'user');
    const list = JSON.parse((await kumo(admin, 'idp', 'list')).out) as Array<{ name: string; enabled: boolean }>;
    assert.deepEqual(list.map((i) => [i.name, i.enabled]), [['corp', true]]);
  });
});

import { describe, test, before, after } from 'node:test';
import { testDialects } from '@kumo/db/testing';
import assert from 'node:assert/strict';
import { Attribute, Change, Client } from 'ldapts';
import { startSlapd, type Slapd } from '@kumo/ldap-auth/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

// LDAP logins against a real slapd (Debian's), started once for this file on loopback with
// packages/ldap-auth/src/testing/directory-fixture.ldif. Tests run in order and share it; the
// last one stops it.
let slapd: Slapd;
before(async () => { slapd = await startSlapd(); });
after(async () => { await slapd?.cleanup(); });
const people = (uid: string) => `uid=${uid},ou=people,dc=kumo,dc=test`;
const group = (cn: string) => `cn=${cn},ou=groups,dc=kumo,dc=test`;

describe('LDAP first logins race', () => {
  for (const dialect of testDialects) {
    test(`regression: parallel first logins of a directory user answered 409 (on ${dialect}): of one user, and of two users into one new account, all succeed with one row each`, async () => {
      const { server, token: admin, close } = await inProcessServer({ dialect });
      try {
        const r = await server.app.inject({
          method: 'POST', url: '/api/v1/identity-providers', headers: { authorization: `Bearer ${admin}` },
          payload: {
            name: 'corp', url: slapd.url, bindDn: slapd.serviceDn, bindPassword: slapd.servicePassword, userSearchBase: 'ou=people,dc=kumo,dc=test', groupSearchBase: 'ou=groups,dc=kumo,dc=test',
            groupMappings: [{ group: group('kumo-admins'), role: 'admin', account: 'shared' }, { group: group('kumo-readers'), role: 'read-only', account: 'shared' }],
          },
        });
        assert.equal(r.statusCode, 201, r.body);
        const logins = await Promise.all([...Array(4).fill('alice'), ...Array(4).fill('carol')].map((u: string, i) => server.app.inject({
          method: 'POST', url: '/api/v1/auth/login', payload: { username: u, password: `${u}-dir-pw` }, remoteAddress: `10.9.0.${i}`,
        })));
        assert.deepEqual(logins.map((l) => l.statusCode), Array(8).fill(200), logins.map((l) => l.body).join('\n'));
        const accounts = new Set(logins.map((l) => (l.json() as { accountId: string }).accountId));
        assert.equal(accounts.size, 1, 'both users landed in the one account "shared"');
        const users = await server.ctx.repos.users.list({ accountId: [...accounts][0]!, admin: false }, { limit: 10 });
        assert.deepEqual(users.items.map((u) => [u.username, u.role]).sort(), [['alice', 'admin'], ['carol', 'read-only']]);
      } finally { await close(); }
    });
  }
});

describe('LDAP logins (real slapd)', () => {
  let server: KumoServer; let admin: string; let close: () => Promise<void>;

  before(async () => {
    ({ server, token: admin, close } = await inProcessServer());
  });
  after(async () => {
    await close?.();
  });

  async function call(bearer: string | null, method: string, url: string, payload?: object) {
    const res = await server.app.inject({
      method: method as 'GET', url, ...(bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}), ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: (res.body ? res.json() : {}) as Record<string, unknown> & { error?: { code: string; message: string; details?: Record<string, unknown> } } };
  }
  const login = (username: string, password: string) => call(null, 'POST', '/api/v1/auth/login', { username, password });

  /** Change the directory as its administrator (what an LDAP admin would do with ldapmodify). */
  async function modify(dn: string, change: Change): Promise<void> {
    const c = new Client({ url: slapd.url });
    try { await c.bind(slapd.rootDn, slapd.rootPassword); await c.modify(dn, change); } finally { await c.unbind(); }
  }

  test('an admin adds the directory; the bind password is never shown; bad filters are refused naming the field', async () => {
    const bad = await call(admin, 'POST', '/api/v1/identity-providers', {
      name: 'corp', url: slapd.url, userSearchBase: 'ou=people,dc=kumo,dc=test', userFilter: '(uid=alice)', groupMappings: [],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.details?.field, 'userFilter');
    const r = await call(admin, 'POST', '/api/v1/identity-providers', {
      name: 'corp', url: slapd.url, bindDn: slapd.serviceDn, bindPassword: slapd.servicePassword,
      userSearchBase: 'ou=people,dc=kumo,dc=test', userFilter: '(&(objectClass=inetOrgPerson)(uid={username})(!(employeeType=disabled)))',
      groupSearchBase: 'ou=groups,dc=kumo,dc=test', groupFilter: '(member={dn})',
      groupMappings: [
        { group: group('kumo-admins'), role: 'admin' },
        { group: group('kumo-users'), role: 'user', account: 'engineering' },
        { group: group('kumo-readers'), role: 'read-only', account: 'engineering' },
      ],
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.bindPasswordSet, true);
    assert.ok(!JSON.stringify(r.body).includes(slapd.servicePassword), 'no bind password in the answer');
    const t = await call(admin, 'POST', '/api/v1/identity-providers/corp/test', { username: 'bob' });
    assert.deepEqual(t.body, { found: true, dn: people('bob'), groups: [group('kumo-users')], role: 'user', account: 'engineering' });
  });

  test('a directory user logs in with the directory password and gets the role of their group', async () => {
    const alice = await login('alice', 'alice-dir-pw');
    assert.equal(alice.status, 200, JSON.stringify(alice.body));
    assert.equal(alice.body.role, 'admin');
    assert.equal((await call(alice.body.token as string, 'GET', '/api/v1/hosts')).status, 200, 'an admin reads hosts');
    const bob = await login('bob', 'bob-dir-pw');
    assert.equal(bob.body.role, 'user');
    const who = await call(bob.body.token as string, 'GET', '/api/v1/auth/whoami');
    const accounts = await call(admin, 'GET', '/api/v1/accounts?name=engineering');
    assert.equal(who.body.accountId, (accounts.body.items as Array<{ id: string }>)[0]?.id, 'bob landed in the mapped account');
    assert.equal((await call(bob.body.token as string, 'GET', '/api/v1/hosts')).status, 403);
    assert.equal((await login('bob', 'wrong')).status, 401);
    assert.equal((await login('bob', 'bob-dir-pw')).status, 200, 'a second login finds the linked user');
  });

  test('a read-only group member reads but cannot write; a user in no mapped group cannot log in', async () => {
    const carol = await login('carol', 'carol-dir-pw');
    assert.equal(carol.body.role, 'read-only');
    assert.equal((await call(carol.body.token as string, 'GET', '/api/v1/instances')).status, 200);
    const w = await call(carol.body.token as string, 'POST', '/api/v1/keypairs', { name: 'k', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvZ carol' });
    assert.equal(w.status, 403);
    assert.equal((await login('dave', 'dave-dir-pw')).status, 401, 'dave is in no mapped group');
  });

  test('a group change in the directory changes the role at the next login', async () => {
    await modify(group('kumo-users'), new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [people('bob')] }) }));
    await modify(group('kumo-admins'), new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [people('bob')] }) }));
    const bob = await login('bob', 'bob-dir-pw');
    assert.equal(bob.status, 200);
    assert.equal(bob.body.role, 'admin');
    assert.equal((await call(bob.body.token as string, 'GET', '/api/v1/hosts')).status, 200);
  });

  test('a disabled directory user cannot log in (the user filter excludes employeeType=disabled)', async () => {
    assert.equal((await login('erin', 'erin-dir-pw')).status, 401, 'disabled in the fixture');
    await modify(people('bob'), new Change({ operation: 'add', modification: new Attribute({ type: 'employeeType', values: ['disabled'] }) }));
    assert.equal((await login('bob', 'bob-dir-pw')).status, 401, 'disabled after his first logins');
  });

  test('the directory down: a clear 503 naming it, and the local admin still logs in', async () => {
    await slapd.stop();
    const r = await login('alice', 'alice-dir-pw');
    assert.equal(r.status, 503);
    assert.equal(r.body.error?.code, 'identity_provider_unavailable');
    assert.match(r.body.error?.message ?? '', /corp/);
    assert.equal(r.body.error?.details?.identityProvider, 'corp');
    const local = await login('admin', 'test-password');
    assert.equal(local.status, 200, 'local accounts never wait for the directory');
    assert.equal(local.body.role, 'admin');
  });
});

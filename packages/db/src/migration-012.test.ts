import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { createRepos } from './repos/index.ts';
import { openTestDatabase, seedAccount, testDialects, withSchemaLock } from './testing/index.ts';
import * as m012 from './migrations/012-auth-identity-providers.ts';

/** Migration 012 on both dialects: existing users and keys keep working (account role, full access); down and up again. */
for (const dialect of testDialects) {
  describe(`migration 012 on ${dialect}`, () => {
    test('users and API keys from before 012 get no own role and full access; identity providers round-trip', async () => {
      const h = await openTestDatabase(dialect);
      try {
        const repos = createRepos(h.db);
        const accountId = await seedAccount(repos, 'tenant');
        await withSchemaLock(dialect, () => m012.down(h.db));
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows as they were before 012
        const old = h.db as unknown as Kysely<any>;
        const now = new Date().toISOString();
        await old.insertInto('users').values({ id: 'user-old', accountId, username: 'old', passwordHash: 'scrypt$x', createdAt: now }).execute();
        await old.insertInto('apiKeys').values({ id: 'key-old', accountId, userId: 'user-old', name: 'k', kind: 'key', secretHash: 'h', expiresAt: null, lastUsedAt: null, createdAt: now }).execute();
        await withSchemaLock(dialect, () => m012.up(h.db));

        const user = await repos.credentials.userForLogin('old');
        // The fields 012 is about (later migrations add the user's domain, state and role details).
        const { id, passwordHash, role, userRole, identityProviderId } = user ?? {};
        assert.deepEqual({ id, accountId: user?.accountId, passwordHash, role, userRole, identityProviderId },
          { id: 'user-old', accountId, passwordHash: 'scrypt$x', role: 'user', userRole: null, identityProviderId: null });
        const key = await repos.credentials.key('key-old');
        assert.equal(key?.access, 'full');
        assert.equal(key?.userRole, null);

        await repos.identityProviders.insert({
          id: 'idp-1', domainId: null, name: 'corp', kind: 'ldap', enabled: 1, url: 'ldap://127.0.0.1:389', startTls: 1, tlsCaFile: null, tlsVerify: 1,
          bindDn: 'cn=svc', bindPassword: 'pw', userSearchBase: 'ou=people', userFilter: '(uid={username})', groupSearchBase: 'ou=groups',
          groupFilter: '(member={dn})', groupMappings: '[]', timeoutMs: 5000, createdAt: now,
        });
        await repos.users.update({ accountId, admin: false }, 'user-old', { role: 'read-only', identityProviderId: 'idp-1', externalDn: 'uid=old' });
        assert.equal((await repos.credentials.key('key-old'))?.userRole, 'read-only');
        assert.equal((await repos.identityProviders.get({ accountId, admin: true }, 'idp-1'))?.startTls, 1);
        await assert.rejects(repos.identityProviders.insert({ ...(await repos.identityProviders.get({ accountId, admin: true }, 'idp-1'))!, id: 'idp-2' }), 'names are unique');
      } finally { await h.drop(); }
    });
  });
}

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import { createRepos, type Repos } from './repos/index.ts';
import type { Scope } from './scope.ts';
import { openTestDatabase, testDialects } from './testing/test-databases.ts';

const now = () => new Date().toISOString();

/** The one tenancy filter: own account, project memberships (read vs write) and domain subtrees, on both dialects. */
for (const dialect of testDialects) {
  describe(`scope filter on ${dialect}`, () => {
    let h: Awaited<ReturnType<typeof openTestDatabase>>;
    let repos: Repos;
    const acct: Record<string, string> = {};
    const kp: Record<string, string> = {};
    before(async () => {
      h = await openTestDatabase(dialect);
      repos = createRepos(h.db);
      // ROOT > a > a/b ; ROOT > c
      const domains: Array<[string, string | null, string]> = [['a', 'domain-root', '/ROOT/a/'], ['b', 'a', '/ROOT/a/b/'], ['c', 'domain-root', '/ROOT/c/'], ['ab', 'domain-root', '/ROOT/ab/']];
      const ids: Record<string, string> = { 'domain-root': 'domain-root' };
      for (const [name, parent, path] of domains) {
        ids[name] = newId('domain');
        await repos.domains.insert({ id: ids[name]!, name, parentId: ids[parent!]!, path, state: 'enabled', createdAt: now() });
      }
      for (const [name, domain, kind] of [['alice', 'a', 'user'], ['bob', 'b', 'user'], ['carol', 'c', 'user'], ['dave', 'ab', 'user'], ['proj', 'c', 'project']] as const) {
        acct[name] = newId('account');
        await repos.accounts.insert({ id: acct[name]!, name, role: 'user', createdAt: now(), domainId: ids[domain]!, kind });
        kp[name] = newId('keypair');
        await repos.keypairs.insert({ id: kp[name]!, accountId: acct[name]!, name: 'k', publicKey: 'x', fingerprint: 'f', createdAt: now() });
      }
      await repos.tenancy.putMember({ projectAccountId: acct.proj!, accountId: acct.alice!, role: 'member', createdAt: now() });
      await repos.tenancy.putMember({ projectAccountId: acct.proj!, accountId: acct.bob!, role: 'read-only', createdAt: now() });
    });
    after(async () => { await h.drop(); });

    const visible = async (scope: Scope) => (await repos.keypairs.list(scope, { limit: 100 })).items.map((r) => r.accountId).sort();
    const names = (...n: string[]) => n.map((x) => acct[x]!).sort();

    test('an ordinary account sees its own rows and those of its projects', async () => {
      assert.deepEqual(await visible({ accountId: acct.alice!, admin: false }), names('alice', 'proj'));
      assert.deepEqual(await visible({ accountId: acct.carol!, admin: false }), names('carol'));
    });

    test('a read-only project member reads the project\'s rows but cannot change them; a member can', async () => {
      const bob: Scope = { accountId: acct.bob!, admin: false };
      assert.ok(await repos.keypairs.get(bob, kp.proj!));
      assert.equal(await repos.keypairs.getForWrite(bob, kp.proj!), undefined);
      assert.equal(await repos.keypairs.update(bob, kp.proj!, { name: 'bob-was-here' }), false);
      assert.equal(await repos.keypairs.delete(bob, kp.proj!), false);
      const alice: Scope = { accountId: acct.alice!, admin: false };
      assert.ok(await repos.keypairs.getForWrite(alice, kp.proj!));
      assert.equal(await repos.keypairs.update(alice, kp.proj!, { name: 'shared' }), true);
    });

    test('a domain admin sees its subtree (by path prefix: /ROOT/a/ is not /ROOT/ab/), nothing else', async () => {
      const adminA: Scope = { accountId: acct.alice!, admin: false, domainPath: '/ROOT/a/' };
      assert.deepEqual(await visible(adminA), names('alice', 'bob', 'proj'));
      assert.equal(await repos.keypairs.get(adminA, kp.dave!), undefined, 'a sibling domain whose name starts alike is not in the subtree');
      assert.equal(await repos.keypairs.update(adminA, kp.carol!, { name: 'x' }), false);
      assert.equal(await repos.keypairs.update(adminA, kp.bob!, { name: 'managed' }), true);
    });

    test('the root admin sees everything', async () => {
      assert.equal((await visible({ accountId: 'acct-system', admin: true })).length, 5);
    });
  });
}

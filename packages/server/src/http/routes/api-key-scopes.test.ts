import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@kumo/core';
import { testDialects } from '@kumo/db/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

for (const dialect of testDialects) describe(`API keys: read-only access, default expiry, admin listing and revocation (${dialect})`, () => {
  const clock = new FakeClock(Date.parse('2026-03-01T10:00:00.000Z'));
  let server: KumoServer; let admin: string; let close: () => Promise<void>;
  let alice: string; let aliceAccount: string;
  before(async () => {
    ({ server, token: admin, close } = await inProcessServer({ dialect, clock, auth: { apiKeyDefaultTtlSeconds: 7 * 86400 } }));
    const r = await as(admin, 'POST', '/api/v1/accounts', { name: 'acme', username: 'alice', password: 'alice-password' });
    aliceAccount = r.body.id as string;
    alice = (await server.ctx.auth.login('alice', 'alice-password')).token;
  });
  after(async () => { await close(); });

  async function as(bearer: string, method: string, url: string, payload?: object) {
    const res = await server.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${bearer}` }, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: (res.body ? res.json() : {}) as Record<string, unknown> & { error?: { code: string; message: string } } };
  }

  test('a key without ttlSeconds expires after the configured default; ttlSeconds overrides it', async () => {
    const d = await as(alice, 'POST', '/api/v1/api-keys', { name: 'default-ttl' });
    assert.equal(d.status, 201);
    assert.equal(d.body.expiresAt, '2026-03-08T10:00:00.000Z');
    assert.equal(d.body.access, 'full');
    const short = await as(alice, 'POST', '/api/v1/api-keys', { name: 'short', ttlSeconds: 3600 });
    assert.equal(short.body.expiresAt, '2026-03-01T11:00:00.000Z');
    clock.advance(3601_000);
    assert.equal((await as(short.body.secret as string, 'GET', '/api/v1/auth/whoami')).status, 401, 'expired');
    assert.equal((await as(d.body.secret as string, 'GET', '/api/v1/auth/whoami')).status, 200);
  });

  test('a read-only key reads, and gets 403 on every mutating route of the API (enforced once, in the auth hook)', async () => {
    const k = await as(alice, 'POST', '/api/v1/api-keys', { name: 'ro', access: 'read-only' });
    assert.equal(k.body.access, 'read-only');
    const ro = k.body.secret as string;
    const who = await as(ro, 'GET', '/api/v1/auth/whoami');
    assert.equal(who.status, 200);
    assert.equal(who.body.readOnly, true);
    assert.equal((await as(ro, 'GET', '/api/v1/instances')).status, 200);
    // Writes a read-only caller may still make: end its session, change its own password, make (read-only) keys.
    const allowed = new Set(['POST /api/v1/auth/logout', 'POST /api/v1/auth/password', 'POST /api/v1/api-keys', 'POST /api/v1/auth/login']);
    // The EC2 Query endpoint (/ec2/) takes no bearer keys at all: SigV4 credentials, with their own
    // read-only rule, tested in the EC2 package and the SDK test.
    const writes = server.routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && !allowed.has(`${r.method} ${r.url}`) && !r.url.startsWith('/ec2'));
    assert.ok(writes.length > 40, `found only ${writes.length} mutating routes`);
    const notRefused: string[] = [];
    for (const r of writes) {
      const url = r.url.replace(/:[A-Za-z]+/g, 'x-1');
      const res = await as(ro, r.method, url, {});
      if (res.status !== 403 || !/read-only/.test(res.body.error?.message ?? '')) notRefused.push(`${r.method} ${r.url} → ${res.status}`);
    }
    assert.deepEqual(notRefused, []);
    // Its own key creation yields read-only keys only.
    const child = await as(ro, 'POST', '/api/v1/api-keys', { name: 'ro-child', access: 'full' });
    assert.equal(child.status, 201);
    assert.equal(child.body.access, 'read-only', 'a read-only caller cannot mint a full key');
  });

  test('admins list any account\'s keys (or all) with lastUsedAt, and revoke them; users cannot', async () => {
    const k = await as(alice, 'POST', '/api/v1/api-keys', { name: 'to-revoke' });
    const secret = k.body.secret as string;
    assert.equal((await as(secret, 'GET', '/api/v1/auth/whoami')).status, 200);
    const listed = await as(admin, 'GET', `/api/v1/api-keys?accountId=${aliceAccount}`);
    assert.equal(listed.status, 200);
    const row = (listed.body.items as Array<{ id: string; lastUsedAt: string | null; userId: string | null }>).find((x) => x.id === k.body.id);
    assert.ok(row, 'the admin sees alice\'s key');
    assert.equal(row.lastUsedAt, new Date(clock.now()).toISOString());
    assert.ok(row.userId, 'the key names the user who made it');
    const all = await as(admin, 'GET', '/api/v1/api-keys?all=true');
    assert.ok((all.body.items as Array<{ id: string }>).some((x) => x.id === k.body.id));
    assert.equal((await as(alice, 'GET', '/api/v1/api-keys?all=true')).status, 403);
    const adminKey = await as(admin, 'POST', '/api/v1/api-keys', { name: 'admin-own' });
    assert.equal((await as(alice, 'DELETE', `/api/v1/api-keys/${adminKey.body.id as string}`)).status, 404, 'users cannot revoke other accounts\' keys');
    assert.equal((await as(admin, 'DELETE', `/api/v1/api-keys/${k.body.id as string}`)).status, 204);
    assert.equal((await as(secret, 'GET', '/api/v1/auth/whoami')).status, 401, 'revoked at once');
  });
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '@kumo/db/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

for (const dialect of testDialects) describe(`changing passwords (${dialect})`, () => {
  let server: KumoServer; let admin: string; let close: () => Promise<void>;
  before(async () => {
    ({ server, token: admin, close } = await inProcessServer({ dialect }));
    for (const [name, username] of [['acme', 'alice'], ['other', 'oscar']]) {
      assert.equal((await call(admin, 'POST', '/api/v1/accounts', { name, username, password: `${username}-password` })).status, 201);
    }
  });
  after(async () => { await close(); });

  async function call(bearer: string, method: string, url: string, payload?: object) {
    const res = await server.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${bearer}` }, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: (res.body ? res.json() : {}) as { error?: { code: string; details?: { field?: string } } } };
  }
  const login = async (u: string, p: string) => (await server.ctx.auth.login(u, p)).token;

  test('your own: the old password is required and checked; other sessions end, this one stays', async () => {
    const s1 = await login('alice', 'alice-password');
    const s2 = await login('alice', 'alice-password');
    const missing = await call(s1, 'POST', '/api/v1/auth/password', { newPassword: 'alice-new-password' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error?.details?.field, 'oldPassword');
    const wrong = await call(s1, 'POST', '/api/v1/auth/password', { oldPassword: 'nope', newPassword: 'alice-new-password' });
    assert.equal(wrong.status, 403);
    assert.equal((await call(s1, 'POST', '/api/v1/auth/password', { oldPassword: 'alice-password', newPassword: 'alice-new-password' })).status, 204);
    assert.equal((await call(s1, 'GET', '/api/v1/auth/whoami')).status, 200, 'the session that changed it stays');
    assert.equal((await call(s2, 'GET', '/api/v1/auth/whoami')).status, 401, 'other sessions end');
    await assert.rejects(server.ctx.auth.login('alice', 'alice-password'));
    assert.ok(await login('alice', 'alice-new-password'));
  });

  test('another user\'s: admins reset it without the old one; users may not', async () => {
    const oscar = await login('oscar', 'oscar-password');
    const alice = await login('alice', 'alice-new-password');
    const refused = await call(alice, 'POST', '/api/v1/auth/password', { username: 'oscar', newPassword: 'taken-over!' });
    assert.equal(refused.status, 403);
    assert.equal((await call(admin, 'POST', '/api/v1/auth/password', { username: 'oscar', newPassword: 'oscar-reset-1' })).status, 204);
    assert.equal((await call(oscar, 'GET', '/api/v1/auth/whoami')).status, 401, 'a reset ends the user\'s sessions');
    assert.ok(await login('oscar', 'oscar-reset-1'));
    const unknown = await call(admin, 'POST', '/api/v1/auth/password', { username: 'ghost', newPassword: 'whatever-1' });
    assert.equal(unknown.status, 404);
    const short = await call(admin, 'POST', '/api/v1/auth/password', { username: 'oscar', newPassword: 'short' });
    assert.equal(short.status, 400);
  });
});

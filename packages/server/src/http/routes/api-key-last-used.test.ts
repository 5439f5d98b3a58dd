import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@kumo/core';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

describe('API keys: lastUsedAt', () => {
  const clock = new FakeClock(Date.parse('2026-03-01T10:00:00.000Z'));
  let server: KumoServer; let token: string; let close: () => Promise<void>;
  before(async () => { ({ server, token, close } = await inProcessServer({ clock })); });
  after(async () => { await close(); });

  const as = async (bearer: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${bearer}` }, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };

  test('regression: API keys\' lastUsedAt was never updated (now: on use, at most once a minute per key)', async () => {
    const created = await as(token, 'POST', '/api/v1/api-keys', { name: 'ci' });
    assert.equal(created.status, 201);
    assert.equal(created.body.lastUsedAt, null);
    const key = created.body.secret as string;
    const lastUsed = async () => {
      const list = await as(token, 'GET', '/api/v1/api-keys');
      return (list.body.items as Array<{ id: string; lastUsedAt: string | null }>).find((k) => k.id === created.body.id)?.lastUsedAt;
    };
    const writes: string[] = [];
    const update = server.ctx.repos.apiKeys.update.bind(server.ctx.repos.apiKeys);
    server.ctx.repos.apiKeys.update = async (scope, id, patch, db) => {
      if (id === created.body.id) writes.push(String(patch.lastUsedAt));
      return update(scope, id, patch, db);
    };

    assert.equal((await as(key, 'GET', '/api/v1/auth/whoami')).status, 200);
    assert.equal(await lastUsed(), '2026-03-01T10:00:00.000Z');
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000); // through the verified-token cache (5 s) and back to the database
      assert.equal((await as(key, 'GET', '/api/v1/auth/whoami')).status, 200);
    }
    assert.equal(await lastUsed(), '2026-03-01T10:00:00.000Z', 'not rewritten within the minute');
    clock.advance(10_000);
    assert.equal((await as(key, 'GET', '/api/v1/auth/whoami')).status, 200);
    assert.equal(await lastUsed(), '2026-03-01T10:01:00.000Z', 'a minute later: written again');
    assert.deepEqual(writes, ['2026-03-01T10:00:00.000Z', '2026-03-01T10:01:00.000Z'], 'one write per minute, not one per request');
  });
});

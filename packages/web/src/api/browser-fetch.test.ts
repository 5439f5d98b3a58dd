import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KumoClient, ApiError } from '@kumo/api';
import { createBrowserFetch } from './browser-fetch.ts';

function recorder(status: number, body: unknown) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const base = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ url: String(input), init });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { calls, base };
}

test('every request carries the CSRF header and same-origin credentials', async () => {
  const r = recorder(201, { id: 'keypair-1' });
  let lost = 0;
  const client = new KumoClient({ baseUrl: 'http://console.test', fetch: createBrowserFetch(r.base, () => lost++) });
  await client.create('keypairs', { name: 'k' });
  const call = r.calls[0]!;
  assert.equal(call.init.method, 'POST');
  assert.equal(call.init.credentials, 'same-origin');
  const h = new Headers(call.init.headers);
  assert.equal(h.get('x-kumo-csrf'), '1');
  assert.equal(h.get('content-type'), 'application/json');
  assert.equal(lost, 0);
});

test('a 401 reports the lost session, except from the login call itself', async () => {
  const r = recorder(401, { error: { code: 'unauthenticated', message: 'no' } });
  let lost = 0;
  const client = new KumoClient({ baseUrl: 'http://console.test', fetch: createBrowserFetch(r.base, () => lost++) });
  await assert.rejects(client.get('instances', 'instance-x'), (e: unknown) => e instanceof ApiError && e.code === 'unauthenticated');
  assert.equal(lost, 1);
  await assert.rejects(client.request('POST', '/api/v1/auth/login', { body: { username: 'a', password: 'b' } }));
  assert.equal(lost, 1);
});

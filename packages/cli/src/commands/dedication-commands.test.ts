import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type StandInApi } from '../testing/cli-harness.ts';

/** `kumo dedication` against a stand-in API on loopback. */
let api: StandInApi;
const seen: Array<{ method: string; path: string; query: URLSearchParams; body: unknown }> = [];
const acct = 'acct-01m80000000000000001';
const cluster = 'clu-01m80000000000000002';
before(async () => {
  api = await startStandInApi((req, reply) => {
    seen.push({ method: req.method, path: req.path, query: req.query, body: req.text ? JSON.parse(req.text) : undefined });
    if (req.path === '/api/v1/accounts') return reply(200, { items: [{ id: acct, name: 'acme' }], nextCursor: null });
    if (req.path === '/api/v1/clusters') return reply(200, { items: [{ id: cluster, name: 'c2' }], nextCursor: null });
    const row = { kind: 'cluster', id: cluster, name: 'c2', zoneId: 'zone-01m80000000000000003', accountId: acct };
    if (req.path === '/api/v1/dedications' && req.method === 'POST') return reply(201, row);
    if (req.path === '/api/v1/dedications') return reply(200, { items: [row], nextCursor: null });
    if (req.path === `/api/v1/dedications/cluster/${cluster}`) return reply(204);
    return reply(404, { error: { code: 'not_found', message: req.path } });
  });
});
after(() => api.close());

const kumo = (...args: string[]) => { seen.length = 0; return runKumo(api.url, args); };

test('kumo dedication add|list|release: names become ids, the kind is checked', async () => {
  assert.equal((await kumo('dedication', 'add', 'cluster', 'c2', '--account', 'acme')).code, 0);
  assert.deepEqual(seen.find((s) => s.method === 'POST')?.body, { kind: 'cluster', id: cluster, accountId: acct });
  const l = await kumo('dedication', 'list', '--account', 'acme');
  assert.equal(l.code, 0);
  assert.equal(seen.find((s) => s.path === '/api/v1/dedications')?.query.get('accountId'), acct);
  assert.match(l.out, /cluster\s+c2\s+clu-01m80000000000000002\s+zone-\S+\s+acct-01m80000000000000001/);
  assert.equal((await kumo('dedication', 'release', 'cluster', 'c2')).code, 0);
  assert.equal(seen.at(-1)?.method, 'DELETE');
  const bad = await kumo('dedication', 'add', 'rack', 'r1', '--account', 'acme');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /rack: expected one of zone, pod, cluster, host/);
  assert.equal(seen.length, 0, 'a bad kind asks nothing of the server');
});

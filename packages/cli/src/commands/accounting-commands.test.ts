import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';

/** `kumo quota`, `kumo usage`, `kumo audit` against a stand-in API on loopback. */
let api: StandInApi;
const seen: Array<{ method: string; path: string; query: URLSearchParams; body: unknown }> = [];
const acct = 'acct-01m80000000000000001';
const limits = (v: Record<string, number | null>) => ({ instances: null, vcpus: null, memoryMiB: null, volumes: null, volumeGiB: null, snapshots: null, publicIps: null, networks: null, ...v });
const quota = { accountId: acct, limits: limits({ instances: 10 }), defaults: limits({ vcpus: 8 }), effective: limits({ instances: 10, vcpus: 8 }),
  usage: { instances: 5, vcpus: 8, memoryMiB: 2048, volumes: 0, volumeGiB: 0, snapshots: 0, publicIps: 1, networks: 1 } };
before(async () => {
  api = await startStandInApi((req, reply) => {
    const u = new URL(req.url ?? '', 'http://x');
    const raw = req.text;
    seen.push({ method: req.method ?? '', path: u.pathname, query: u.searchParams, body: raw ? JSON.parse(raw) : undefined });
    if (u.pathname === '/api/v1/accounts') return reply(200, { items: [{ id: acct, name: 'alice' }], nextCursor: null });
    if (u.pathname === '/api/v1/auth/whoami') return reply(200, { accountId: acct, username: 'alice', role: 'user', readOnly: false });
    if (u.pathname === `/api/v1/accounts/${acct}/quota`) return reply(200, quota);
    if (u.pathname === '/api/v1/quota-defaults') return reply(200, limits({ instances: 20 }));
    if (u.pathname === '/api/v1/usage') {
      return reply(200, { accountId: acct, from: u.searchParams.get('from'), to: u.searchParams.get('to'), granularity: 'day',
        records: [{ start: '2026-12-01T00:00:00.000Z', end: '2026-12-02T00:00:00.000Z', meter: 'instance.running', offeringId: 'off-1', quantity: 1 / 3, unit: 'hours' },
          { start: '2026-12-01T00:00:00.000Z', end: '2026-12-02T00:00:00.000Z', meter: 'volume.gib', offeringId: null, quantity: 240, unit: 'GiB-hours' }],
        totals: [{ meter: 'instance.running', offeringId: 'off-1', quantity: 1 / 3, unit: 'hours' }] });
    }
    if (u.pathname === '/api/v1/audit') {
      return reply(200, { items: [{ id: 'aud-1', accountId: acct, userId: null, username: 'alice', sourceAddress: '192.0.2.1', method: 'POST', route: '/api/v1/instances',
        action: 'instances.create', resourceId: 'i-1', status: 202, errorCode: null, requestId: 'r', body: {}, createdAt: '2026-12-01T00:00:00.000Z' }], nextCursor: null });
    }
    return reply(404, { error: { code: 'not_found', message: u.pathname } });
  });
});
after(() => api.close());

async function kumo(...args: string[]): Promise<CliResult> {
  seen.length = 0;
  return runKumo(api.url, [...args]);
}

test('kumo quota show: use against limit with a bar, own limit or default', async () => {
  const r = await kumo('quota', 'show', '--account', 'alice');
  assert.equal(r.code, 0);
  assert.match(r.out, /^instances\s+5\s+10\s+own\s+#{10}\.{10} 50%$/m);
  assert.match(r.out, /^vcpus\s+8\s+8\s+default\s+#{20} 100%$/m);
  assert.match(r.out, /^networks\s+1\s+unlimited\s+default\s*$/m);
});

test('kumo quota set: numbers and "default" become the PUT body; --defaults sets the defaults', async () => {
  assert.equal((await kumo('quota', 'set', '--account', 'alice', '--instances', '4', '--memory-mib', '8192', '--public-ips', 'default')).code, 0);
  const put = seen.find((s) => s.method === 'PUT');
  assert.equal(put?.path, `/api/v1/accounts/${acct}/quota`);
  assert.deepEqual(put?.body, { instances: 4, memoryMiB: 8192, publicIps: null });
  assert.equal((await kumo('quota', 'set', '--defaults', '--instances', '20')).code, 0);
  assert.deepEqual(seen.find((s) => s.method === 'PUT' && s.path === '/api/v1/quota-defaults')?.body, { instances: 20 });
  assert.equal((await kumo('quota', 'set', '--account', 'alice', '--instances', 'lots')).code, 1);
});

test('kumo usage list -o csv: one line per record, dates as given turned into ISO times', async () => {
  const r = await kumo('-o', 'csv', 'usage', 'list', '--account', 'alice', '--from', '2026-12-01', '--to', '2026-12-02');
  assert.equal(r.code, 0);
  const q = seen.find((s) => s.path === '/api/v1/usage')!.query;
  assert.deepEqual([q.get('accountId'), q.get('from'), q.get('to')], [acct, '2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z']);
  assert.deepEqual(r.out.trim().split('\n'), [
    'accountId,start,end,meter,offeringId,quantity,unit',
    `${acct},2026-12-01T00:00:00.000Z,2026-12-02T00:00:00.000Z,instance.running,off-1,0.333333,hours`,
    `${acct},2026-12-01T00:00:00.000Z,2026-12-02T00:00:00.000Z,volume.gib,,240,GiB-hours`,
  ]);
  const j = await kumo('-o', 'json', 'usage', 'list', '--from', '2026-12-01', '--to', '2026-12-02', '--totals');
  assert.equal(JSON.parse(j.out)[0].meter, 'instance.running');
});

test('kumo audit list: filters go to the API, entries come back as a table', async () => {
  const r = await kumo('audit', 'list', '--account', 'alice', '--action', 'instances.create', '--status', '202');
  assert.equal(r.code, 0);
  const q = seen.find((s) => s.path === '/api/v1/audit')!.query;
  assert.deepEqual([q.get('accountId'), q.get('action'), q.get('status')], [acct, 'instances.create', '202']);
  assert.match(r.out, /alice\s+192\.0\.2\.1\s+instances\.create\s+i-1\s+202/);
});

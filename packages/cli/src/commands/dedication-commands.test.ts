import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildProgram, runCli } from '../program.ts';

/** `kumo dedication` against a stand-in API on loopback. */
let server: Server; let url: string;
const seen: Array<{ method: string; path: string; query: URLSearchParams; body: unknown }> = [];
const acct = 'acct-01m80000000000000001';
const cluster = 'clu-01m80000000000000002';
before(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '', 'http://x');
    let raw = '';
    req.on('data', (d: Buffer) => { raw += d.toString(); });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: u.pathname, query: u.searchParams, body: raw ? JSON.parse(raw) : undefined });
      const reply = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(body === null ? '' : JSON.stringify(body)); };
      if (u.pathname === '/api/v1/accounts') return reply(200, { items: [{ id: acct, name: 'acme' }], nextCursor: null });
      if (u.pathname === '/api/v1/clusters') return reply(200, { items: [{ id: cluster, name: 'c2' }], nextCursor: null });
      const row = { kind: 'cluster', id: cluster, name: 'c2', zoneId: 'zone-01m80000000000000003', accountId: acct };
      if (u.pathname === '/api/v1/dedications' && req.method === 'POST') return reply(201, row);
      if (u.pathname === '/api/v1/dedications') return reply(200, { items: [row], nextCursor: null });
      if (u.pathname === `/api/v1/dedications/cluster/${cluster}`) { res.writeHead(204); res.end(); return; }
      return reply(404, { error: { code: 'not_found', message: u.pathname } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => { await new Promise((r) => server.close(r)); });

async function kumo(...args: string[]): Promise<{ code: number; out: string }> {
  seen.length = 0;
  let out = '';
  const w = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((out += s), true) : w(s, ...rest))) as typeof process.stdout.write;
  try {
    return { code: await runCli(buildProgram().exitOverride(), ['node', 'kumo', '--server', url, '--token', 't', ...args]), out };
  } finally { process.stdout.write = w; }
}

test('kumo dedication add|list|release: names become ids, the kind is checked', async () => {
  assert.equal((await kumo('dedication', 'add', 'cluster', 'c2', '--account', 'acme')).code, 0);
  assert.deepEqual(seen.find((s) => s.method === 'POST')?.body, { kind: 'cluster', id: cluster, accountId: acct });
  const l = await kumo('dedication', 'list', '--account', 'acme');
  assert.equal(l.code, 0);
  assert.equal(seen.find((s) => s.path === '/api/v1/dedications')?.query.get('accountId'), acct);
  assert.match(l.out, /cluster\s+c2\s+clu-01m80000000000000002\s+zone-\S+\s+acct-01m80000000000000001/);
  assert.equal((await kumo('dedication', 'release', 'cluster', 'c2')).code, 0);
  assert.equal(seen.at(-1)?.method, 'DELETE');
  assert.equal((await kumo('dedication', 'add', 'rack', 'r1', '--account', 'acme')).code, 1);
  assert.equal(seen.length, 0, 'a bad kind asks nothing of the server');
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildProgram, runCli } from '../program.ts';

interface Seen { method: string; path: string; body: string }

/** `kumo instance vnc` and `guest-info` against a stand-in API that records what the CLI sends (the server side: packages/e2e/src/guest-console.test.ts). */
describe('kumo instance vnc / guest-info', () => {
  let server: Server; let url: string;
  const seen: Seen[] = [];
  const instanceId = 'i-01m80000000000000009';
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString(); });
      req.on('end', () => {
        const [path = ''] = (req.url ?? '').split('?');
        seen.push({ method: req.method ?? '', path, body });
        const reply = (status: number, b: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(b)); };
        if (path === '/api/v1/instances' && req.method === 'GET') return reply(200, { items: [{ id: instanceId, name: 'desk' }], nextCursor: null });
        if (path === `/api/v1/instances/${instanceId}/vnc/tickets` && req.method === 'POST') {
          return reply(201, { ticket: 'abcdefghijklmnopqrstuvwxyz012345', instanceId, expiresAt: '2026-12-07T15:00:00.000Z', path: '/vnc/abcdefghijklmnopqrstuvwxyz012345' });
        }
        if (path === `/api/v1/instances/${instanceId}/guest` && req.method === 'GET') {
          return reply(200, { os: { prettyName: 'Debian GNU/Linux 12 (bookworm)', kernelRelease: '6.1.0' }, interfaces: [{ name: 'lo', addresses: [] }, { name: 'eth0', mac: '52:54:00:aa:00:01', addresses: [{ family: 'ipv4', address: '10.1.0.5', prefix: 24 }] }] });
        }
        return reply(404, { error: { code: 'not_found', message: `no route ${path}` } });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => { await new Promise((r) => server.close(r)); });

  async function kumo(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    seen.length = 0;
    let out = ''; let err = '';
    const w = process.stdout.write.bind(process.stdout); const e = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((out += s), true) : w(s, ...rest))) as typeof process.stdout.write;
    process.stderr.write = ((s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((err += s), true) : e(s, ...rest))) as typeof process.stderr.write;
    try {
      const code = await runCli(buildProgram().exitOverride(), ['node', 'kumo', '--server', url, '--token', 't', ...args]);
      return { code, out, err };
    } finally { process.stdout.write = w; process.stderr.write = e; }
  }

  test('instance vnc NAME asks for a ticket and prints the one-time link on the server\'s address', async () => {
    const r = await kumo('instance', 'vnc', 'desk');
    assert.equal(r.code, 0, r.err);
    assert.ok(seen.some((s) => s.method === 'POST' && s.path === `/api/v1/instances/${instanceId}/vnc/tickets`));
    assert.equal(r.out.split('\n')[0], `${url}/vnc/abcdefghijklmnopqrstuvwxyz012345`);
    const json = await kumo('-o', 'json', 'instance', 'vnc', 'desk');
    assert.deepEqual(JSON.parse(json.out), { url: `${url}/vnc/abcdefghijklmnopqrstuvwxyz012345`, expiresAt: '2026-12-07T15:00:00.000Z' });
  });

  test('instance guest-info shows the OS and the addresses (lo left out)', async () => {
    const r = await kumo('instance', 'guest-info', 'desk');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Debian GNU\/Linux 12/);
    assert.match(r.out, /eth0: 10\.1\.0\.5\/24/);
    assert.doesNotMatch(r.out, /lo:/);
  });
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildProgram, runCli } from '../program.ts';

interface Seen { method: string; path: string; query: string }

/**
 * `kumo host maintenance|enable|disable|list` against a stand-in API on loopback that records what
 * the CLI sends (the server's side is tested in packages/e2e/src/host-maintenance.test.ts).
 */
describe('kumo host commands', () => {
  let server: Server; let url: string;
  const seen: Seen[] = [];
  const hostId = 'host-01m80000000000000001';
  const host = { id: hostId, name: 'h1', state: 'up', adminState: 'enabled', hypervisor: 'fake', accelerator: 'tcg', cpus: 8, cpuAllocated: 2, memoryMiB: 8192, memoryAllocatedMiB: 1024, instanceCount: 1 };
  /** How the stand-in answers operation polls: the op ends with this status. */
  let finalStatus = 'succeeded';
  const op = (kind: string, status: string) => ({
    id: 'op-01m80000000000000002', accountId: 'acct-system', kind, resourceType: 'host', resourceId: hostId, status, progress: status === 'succeeded' ? 100 : 50,
    message: status === 'failed' ? 'host went away' : 'host h1 is in maintenance; 1 guest remains on it and keeps running',
    error: status === 'failed' ? { code: 'operation_failed', message: 'host went away' } : null,
    createdAt: '2026-12-07T00:00:00.000Z', startedAt: null, finishedAt: null, updatedAt: '2026-12-07T00:00:00.000Z',
  });
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const [path = '', query = ''] = (req.url ?? '').split('?');
        seen.push({ method: req.method ?? '', path, query });
        const reply = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
        if (path === '/api/v1/hosts' && req.method === 'GET') {
          const byName = new URLSearchParams(query).get('name');
          return reply(200, { items: byName && byName !== 'h1' ? [] : [host], nextCursor: null });
        }
        if (path === `/api/v1/hosts/${hostId}/maintenance`) return reply(202, op('host.maintenance', 'pending'));
        if (path === `/api/v1/hosts/${hostId}/enable`) return reply(202, op('host.enable', 'pending'));
        if (path === `/api/v1/hosts/${hostId}/actions`) return reply(200, { ...host, adminState: 'disabled' });
        if (path.startsWith('/api/v1/operations/')) return reply(200, op('host.maintenance', finalStatus));
        return reply(404, { error: { code: 'not_found', message: `no route ${path}` } });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => { await new Promise((r) => server.close(r)); });

  async function kumo(output: 'json' | 'table', ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    seen.length = 0;
    let out = ''; let err = '';
    const w = process.stdout.write.bind(process.stdout); const e = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((out += s), true) : w(s, ...rest))) as typeof process.stdout.write;
    process.stderr.write = ((s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((err += s), true) : e(s, ...rest))) as typeof process.stderr.write;
    try {
      const code = await runCli(buildProgram().exitOverride(), ['node', 'kumo', '--server', url, '--token', 't', '-o', output, ...args]);
      return { code, out, err };
    } finally { process.stdout.write = w; process.stderr.write = e; }
  }
  const posts = () => seen.filter((s) => s.method === 'POST').map((s) => s.path);

  test('host maintenance HOST --wait resolves the name, asks for maintenance and follows the operation to its end', async () => {
    finalStatus = 'succeeded';
    const r = await kumo('json', 'host', 'maintenance', 'h1', '--wait');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(posts(), [`/api/v1/hosts/${hostId}/maintenance`]);
    assert.ok(seen.some((s) => s.path === '/api/v1/hosts' && s.query.includes('name=h1')), 'the name was looked up');
    assert.ok(seen.some((s) => s.path.startsWith('/api/v1/operations/')), 'the operation was followed');
    const printed = JSON.parse(r.out) as { status: string; message: string };
    assert.equal(printed.status, 'succeeded');
    assert.match(printed.message, /1 guest remains/);
  });

  test('host enable HOST without --wait prints the operation at once; an id is used as it is', async () => {
    const r = await kumo('json', 'host', 'enable', hostId);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(seen.map((s) => `${s.method} ${s.path}`), [`POST /api/v1/hosts/${hostId}/enable`]);
    assert.equal((JSON.parse(r.out) as { kind: string; status: string }).kind, 'host.enable');
  });

  test('a maintenance that fails exits 2 with the reason; an unknown host name is an error', async () => {
    finalStatus = 'failed';
    const r = await kumo('json', 'host', 'maintenance', 'h1', '--wait');
    assert.equal(r.code, 2);
    assert.match(r.err, /operation failed: host went away/);
    const unknown = await kumo('json', 'host', 'maintenance', 'nosuch');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.err, /no host named nosuch/);
    assert.deepEqual(posts(), [], 'nothing was asked of an unknown host');
  });

  test('host disable takes effect at once; host list shows liveness and admin state', async () => {
    const d = await kumo('json', 'host', 'disable', 'h1');
    assert.equal(d.code, 0, d.err);
    assert.deepEqual(posts(), [`/api/v1/hosts/${hostId}/actions`]);
    assert.equal((JSON.parse(d.out) as { adminState: string }).adminState, 'disabled');
    const l = await kumo('table', 'host', 'list', '--admin-state', 'enabled');
    assert.equal(l.code, 0, l.err);
    assert.match(l.out, /STATE\s+ADMIN/);
    assert.match(l.out, /h1\s+up\s+enabled/);
    assert.ok(seen.some((s) => s.path === '/api/v1/hosts' && s.query.includes('adminState=enabled')), 'the filter is sent');
  });
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';

interface Seen { method: string; path: string; query: string; body: string }

/**
 * `kumo host maintenance|enable|disable|list` against a stand-in API on loopback that records what
 * the CLI sends (the server's side is tested in packages/e2e/src/host-maintenance.test.ts).
 */
describe('kumo host commands', () => {
  let api: StandInApi;
  const seen: Seen[] = [];
  const hostId = 'host-01m80000000000000001';
  const host = { id: hostId, name: 'h1', state: 'up', adminState: 'enabled', hypervisor: 'fake', accelerator: 'tcg', cpus: 8, cpuAllocated: 2, memoryMiB: 8192, memoryAllocatedMiB: 1024, instanceCount: 1 };
  /** How the stand-in answers operation polls: the op ends with this status ('running': it keeps waiting). */
  let finalStatus = 'succeeded';
  const item = (name: string, state: string, extra: Record<string, unknown> = {}) => ({
    instanceId: `instance-${name}`, name, accountId: 'acct-1', state, reason: null, operationId: null, progress: state === 'moved' ? 100 : 0, migration: null, updatedAt: '2026-12-07T00:00:00.000Z', ...extra,
  });
  /** The evacuation the stand-in answers. */
  let evac = {
    hostId, adminState: 'in-maintenance', options: { concurrency: 2, stoppedInstances: 'leave', stopRemaining: false }, operationId: null,
    counts: { pending: 0, migrating: 0, moved: 1, stopped: 0, blocked: 0, failed: 0 }, items: [item('web-1', 'moved')],
  };
  const op = (kind: string, status: string) => ({
    id: 'op-01m80000000000000002', accountId: 'acct-system', kind, resourceType: 'host', resourceId: hostId, status, progress: status === 'succeeded' ? 100 : 50,
    message: status === 'failed' ? 'host went away' : 'host h1 is in maintenance; 1 guest remains on it and keeps running',
    error: status === 'failed' ? { code: 'operation_failed', message: 'host went away' } : null,
    createdAt: '2026-12-07T00:00:00.000Z', startedAt: null, finishedAt: null, updatedAt: '2026-12-07T00:00:00.000Z',
  });
  before(async () => {
    api = await startStandInApi((req, reply) => {
      const body = req.text;
      const [path = '', query = ''] = (req.url ?? '').split('?');
      seen.push({ method: req.method ?? '', path, query, body });
      if (path === '/api/v1/hosts' && req.method === 'GET') {
        const byName = new URLSearchParams(query).get('name');
        return reply(200, { items: byName && byName !== 'h1' ? [] : [host], nextCursor: null });
      }
      if (path === `/api/v1/hosts/${hostId}/maintenance`) return reply(202, op('host.maintenance', 'pending'));
      if (path === `/api/v1/hosts/${hostId}/evacuation`) return reply(200, evac);
      if (path === `/api/v1/hosts/${hostId}/enable`) return reply(202, op('host.enable', 'pending'));
      if (path === `/api/v1/hosts/${hostId}/actions`) return reply(200, { ...host, adminState: 'disabled' });
      if (path.startsWith('/api/v1/operations/')) return reply(200, op('host.maintenance', finalStatus));
      return reply(404, { error: { code: 'not_found', message: `no route ${path}` } });
    });
  });
  after(() => api.close());

  async function kumo(output: 'json' | 'table', ...args: string[]): Promise<CliResult> {
    seen.length = 0;
    return runKumo(api.url, ['-o', output, ...args]);
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

  test('host maintenance sends the evacuation options, refuses bad ones before asking, and --wait ends with the per-instance table', async () => {
    finalStatus = 'succeeded';
    const r = await kumo('table', 'host', 'maintenance', 'h1', '--concurrency', '3', '--stopped-instances', 'move', '--wait');
    assert.equal(r.code, 0, r.err);
    const post = seen.find((x) => x.method === 'POST')!;
    assert.deepEqual(JSON.parse(post.body), { concurrency: 3, stoppedInstances: 'move' });
    assert.match(r.out, /INSTANCE\s+STATE\s+PROGRESS\s+DETAIL/);
    assert.match(r.out, /web-1\s+moved\s+100%/);
    assert.match(r.err, /web-1\s+moved/, 'the live table is drawn while waiting');
    const bad = await kumo('json', 'host', 'maintenance', 'h1', '--concurrency', '0');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--concurrency must be an integer from 1 to 32/);
    assert.deepEqual(posts(), [], 'nothing was asked');
  });

  test('host maintenance --wait stops at blocked instances with their reasons and the two choices (exit 3); --stop-remaining is sent', async () => {
    finalStatus = 'running';
    evac = {
      ...evac, adminState: 'preparing-maintenance', counts: { pending: 0, migrating: 0, moved: 1, stopped: 0, blocked: 1, failed: 0 },
      items: [item('web-1', 'moved'), item('db-1', 'blocked', { reason: 'no host can take the instance (h2: no capacity)' })],
    };
    const r = await kumo('table', 'host', 'maintenance', 'h1', '--wait');
    assert.equal(r.code, 3, r.err);
    assert.match(r.out, /db-1\s+blocked\s+0%\s+no host can take the instance \(h2: no capacity\)/);
    assert.match(r.err, /1 instance cannot move:\n  db-1: no host can take the instance/);
    assert.match(r.err, /kumo host maintenance h1 --stop-remaining/);
    assert.match(r.err, /kumo host enable h1/);
    const stop = await kumo('json', 'host', 'maintenance', 'h1', '--stop-remaining');
    assert.equal(stop.code, 0, stop.err);
    assert.deepEqual(JSON.parse(seen.find((x) => x.method === 'POST')!.body), { stopRemaining: true });
    const shown = await kumo('table', 'host', 'evacuation', 'h1');
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /1 moved, 1 blocked/);
    assert.match(shown.out, /kumo host enable h1\s+cancel the maintenance/);
    finalStatus = 'succeeded';
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

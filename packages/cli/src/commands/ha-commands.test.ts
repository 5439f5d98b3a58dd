import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';

interface Seen { method: string; path: string; body: string }

/** `kumo instance ha` and `kumo zone ha-settings` against a stand-in API that records what the CLI sends (the server side: packages/server/src/ha/ha-api.test.ts). */
describe('kumo HA commands', () => {
  let api: StandInApi;
  const seen: Seen[] = [];
  const zoneId = 'zone-01m80000000000000001';
  const instanceId = 'i-01m80000000000000002';
  before(async () => {
    api = await startStandInApi((req, reply) => {
      const body = req.text;
      const [path = ''] = (req.url ?? '').split('?');
      seen.push({ method: req.method ?? '', path, body });
      const ha = { leaseMs: 20_000, fenceMarginMs: 5_000, restartConcurrency: 4 };
      if (path === '/api/v1/zones' && req.method === 'GET') return reply(200, { items: [{ id: zoneId, name: 'zone1' }], nextCursor: null });
      if (path === `/api/v1/zones/${zoneId}` && req.method === 'GET') return reply(200, { id: zoneId, ha });
      if (path === `/api/v1/zones/${zoneId}` && req.method === 'PATCH') return reply(200, { id: zoneId, ha: { ...ha, ...(JSON.parse(body) as { ha: object }).ha } });
      if (path === '/api/v1/instances' && req.method === 'GET') return reply(200, { items: [{ id: instanceId, name: 'web' }], nextCursor: null });
      if (path === `/api/v1/instances/${instanceId}` && req.method === 'PATCH') return reply(200, { id: instanceId, ha: { enabled: true, priority: 5, restarts: 0, lastRestartAt: null } });
      return reply(404, { error: { code: 'not_found', message: `no route ${path}` } });
    });
  });
  after(() => api.close());

  async function kumo(...args: string[]): Promise<CliResult> {
    seen.length = 0;
    return runKumo(api.url, ['-o', 'json', ...args]);
  }

  test('zone ha-settings shows the only zone\'s settings; with options it sends only the changed ones', async () => {
    const show = await kumo('zone', 'ha-settings');
    assert.equal(show.code, 0, show.err);
    assert.deepEqual(JSON.parse(show.out), { leaseMs: 20_000, fenceMarginMs: 5_000, restartConcurrency: 4 });
    const set = await kumo('zone', 'ha-settings', 'zone1', '--lease-ms', '30000', '--restart-concurrency', '2');
    assert.equal(set.code, 0, set.err);
    const patch = seen.find((s) => s.method === 'PATCH')!;
    assert.equal(patch.path, `/api/v1/zones/${zoneId}`);
    assert.deepEqual(JSON.parse(patch.body), { ha: { leaseMs: 30_000, restartConcurrency: 2 } });
    const bad = await kumo('zone', 'ha-settings', '--lease-ms', 'soon');
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /--lease-ms takes a whole number/);
  });

  test('instance ha NAME on --priority N patches the instance', async () => {
    const r = await kumo('instance', 'ha', 'web', 'on', '--priority', '5');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(seen.find((s) => s.method === 'PATCH')!.body), { ha: true, haPriority: 5 });
    assert.equal((JSON.parse(r.out) as { enabled: boolean }).enabled, true);
    const bad = await kumo('instance', 'ha', 'web', 'maybe');
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /say on or off/);
  });
});

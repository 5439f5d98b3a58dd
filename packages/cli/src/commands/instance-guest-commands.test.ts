import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';

interface Seen { method: string; path: string; body: string }

/** `kumo instance vnc` and `guest-info` against a stand-in API that records what the CLI sends (the server side: packages/e2e/src/guest-console.test.ts). */
describe('kumo instance vnc / guest-info', () => {
  let api: StandInApi;
  const seen: Seen[] = [];
  const instanceId = 'i-01m80000000000000009';
  before(async () => {
    api = await startStandInApi((req, reply) => {
      const body = req.text;
      const [path = ''] = (req.url ?? '').split('?');
      seen.push({ method: req.method ?? '', path, body });
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
  after(() => api.close());

  async function kumo(...args: string[]): Promise<CliResult> {
    seen.length = 0;
    return runKumo(api.url, [...args]);
  }

  test('instance vnc NAME asks for a ticket and prints the one-time link on the server\'s address', async () => {
    const r = await kumo('instance', 'vnc', 'desk');
    assert.equal(r.code, 0, r.err);
    assert.ok(seen.some((s) => s.method === 'POST' && s.path === `/api/v1/instances/${instanceId}/vnc/tickets`));
    assert.equal(r.out.split('\n')[0], `${api.url}/vnc/abcdefghijklmnopqrstuvwxyz012345`);
    const json = await kumo('-o', 'json', 'instance', 'vnc', 'desk');
    assert.deepEqual(JSON.parse(json.out), { url: `${api.url}/vnc/abcdefghijklmnopqrstuvwxyz012345`, expiresAt: '2026-12-07T15:00:00.000Z' });
  });

  test('instance guest-info shows the OS and the addresses (lo left out)', async () => {
    const r = await kumo('instance', 'guest-info', 'desk');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Debian GNU\/Linux 12/);
    assert.match(r.out, /eth0: 10\.1\.0\.5\/24/);
    assert.doesNotMatch(r.out, /lo:/);
  });
});

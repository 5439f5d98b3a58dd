import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';

interface Seen { method: string; path: string; query: string; body: unknown }

/**
 * `kumo volume|snapshot|pool|disk-offering` against a stand-in API on loopback that records what the
 * CLI sends (the server's side is tested in packages/server/src/http/routes/volume-routes.test.ts).
 */
describe('kumo storage commands', () => {
  let api: StandInApi;
  const seen: Seen[] = [];
  const zone = { id: 'zone-01m80000000000000001', name: 'z1' };
  const vol = { id: 'vol-01m80000000000000002', name: 'data', kind: 'data', sizeGiB: 3, phase: 'ready', task: null, instanceId: null, poolId: 'pool-01m80000000000000003' };
  const snap = { id: 'snap-01m80000000000000004', name: 'nightly', volumeId: vol.id, sizeGiB: 3, location: 'image-store', phase: 'ready' };
  const inst = { id: 'i-01m80000000000000005', name: 'web' };
  const op = (kind: string) => ({
    id: 'op-01m80000000000000006', accountId: 'acct-x', kind, resourceType: 'volume', resourceId: vol.id, status: 'succeeded', progress: 100, message: 'done',
    error: null, createdAt: '2026-12-07T00:00:00.000Z', startedAt: null, finishedAt: null, updatedAt: '2026-12-07T00:00:00.000Z',
  });
  before(async () => {
    api = await startStandInApi((req, reply) => {
      const raw = req.text;
      const [path = '', query = ''] = (req.url ?? '').split('?');
      seen.push({ method: req.method ?? '', path, query, body: raw ? JSON.parse(raw) : undefined });
      const byName = new URLSearchParams(query).get('name');
      const list = (rows: Array<{ name: string }>) => reply(200, { items: rows.filter((r) => !byName || r.name === byName), nextCursor: null });
      if (path === '/api/v1/zones') return list([zone]);
      if (path === '/api/v1/volumes' && req.method === 'GET') return list([vol]);
      if (path === '/api/v1/snapshots' && req.method === 'GET') return list([snap]);
      if (path === '/api/v1/instances' && req.method === 'GET') return list([inst]);
      if (path === '/api/v1/disk-offerings' && req.method === 'POST') return reply(201, { id: 'doff-01m80000000000000007', ...(JSON.parse(raw) as object) });
      if (path === '/api/v1/pools' && req.method === 'POST') return reply(201, { id: 'pool-01m80000000000000008', ...(JSON.parse(raw) as object) });
      if (req.method !== 'GET' && (path.startsWith('/api/v1/volumes') || path.startsWith('/api/v1/snapshots'))) return reply(202, op(`${req.method} ${path}`));
      if (path.startsWith('/api/v1/operations/')) return reply(200, op('x'));
      return reply(404, { error: { code: 'not_found', message: `no route ${path}` } });
    });
  });
  after(() => api.close());

  async function kumo(...args: string[]): Promise<CliResult> {
    seen.length = 0;
    return runKumo(api.url, ['-o', 'json', ...args]);
  }
  const writes = () => seen.filter((s) => s.method !== 'GET').map((s) => [s.method, s.path, s.body]);

  test('volume create sends the size, the zone it found, and --snapshot by name', async () => {
    assert.equal((await kumo('volume', 'create', '--name', 'v2', '--size', '7')).code, 0);
    assert.deepEqual(writes(), [['POST', '/api/v1/volumes', { name: 'v2', zoneId: zone.id, sizeGiB: 7 }]]);
    assert.equal((await kumo('volume', 'create', '--name', 'v3', '--snapshot', 'nightly', '--wait')).code, 0);
    assert.deepEqual(writes(), [['POST', '/api/v1/volumes', { name: 'v3', zoneId: zone.id, snapshotId: snap.id }]]);
  });

  test('attach, detach, resize, update, restore and delete address the volume by name', async () => {
    const cases: Array<[string[], unknown[]]> = [
      [['volume', 'attach', 'data', 'web', '--wait'], ['POST', `/api/v1/volumes/${vol.id}/attach`, { instanceId: inst.id }]],
      [['volume', 'detach', 'data'], ['POST', `/api/v1/volumes/${vol.id}/detach`, undefined]],
      [['volume', 'resize', 'data', '--size', '10'], ['POST', `/api/v1/volumes/${vol.id}/resize`, { sizeGiB: 10 }]],
      [['volume', 'update', 'data', '--disk-offering', 'none'], ['PATCH', `/api/v1/volumes/${vol.id}`, { diskOfferingId: null }]],
      [['volume', 'restore', 'data', '--snapshot', 'nightly'], ['POST', `/api/v1/volumes/${vol.id}/restore`, { snapshotId: snap.id }]],
      [['volume', 'delete', 'data'], ['DELETE', `/api/v1/volumes/${vol.id}`, undefined]],
      [['snapshot', 'create', 'data', '--name', 'n2', '--wait'], ['POST', `/api/v1/volumes/${vol.id}/snapshots`, { name: 'n2' }]],
      [['snapshot', 'delete', 'nightly'], ['DELETE', `/api/v1/snapshots/${snap.id}`, undefined]],
    ];
    for (const [args, want] of cases) {
      const r = await kumo(...args);
      assert.equal(r.code, 0, args.join(' '));
      assert.deepEqual(writes(), [want], args.join(' '));
    }
  });

  test('snapshot list filters by volume; disk offerings carry I/O limits; rbd pools their Ceph settings', async () => {
    const r = await kumo('snapshot', 'list', '--volume', 'data');
    assert.equal(r.code, 0);
    assert.equal(new URLSearchParams(seen.find((s) => s.path === '/api/v1/snapshots')!.query).get('volumeId'), vol.id);
    assert.equal((await kumo('disk-offering', 'create', '--name', 'fast', '--size', '20', '--read-iops', '500', '--write-bytes-per-sec', '1000000')).code, 0);
    assert.deepEqual(writes(), [['POST', '/api/v1/disk-offerings', { name: 'fast', sizeGiB: 20, readIops: 500, writeBytesPerSec: 1000000 }]]);
    assert.equal((await kumo('pool', 'create', '--name', 'ceph', '--cluster', 'clu-01m80000000000000009', '--kind', 'rbd', '--capacity', '1000', '--rbd-pool', 'kumo', '--ceph-user', 'kumo')).code, 0);
    assert.deepEqual(writes(), [['POST', '/api/v1/pools', { name: 'ceph', clusterId: 'clu-01m80000000000000009', kind: 'rbd', capacityGiB: 1000, rbdPool: 'kumo', cephUser: 'kumo' }]]);
  });
});

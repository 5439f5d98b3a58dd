import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';

interface Seen { method: string; url: string }

const ids = {
  image: 'image-01m80000000000000001', offering: 'offering-01m8000000000000001', keypair: 'keypair-01m800000000000001',
  instance: 'instance-01m80000000000001', network: 'net-01m80000000000000002', dup1: 'image-01m80000000000000003', dup2: 'image-01m80000000000000004',
};

/**
 * Names wherever the CLI takes an id, through the one resolver, against a stand-in API on loopback
 * that answers `?name=` lookups the way the server does (exact match, a page of matches).
 */
describe('kumo: names or ids everywhere', () => {
  let api: StandInApi;
  const seen: Seen[] = [];
  const named: Record<string, Array<{ id: string; name: string; accountId?: string }>> = {
    '/api/v1/images?name=tiny': [{ id: ids.image, name: 'tiny' }],
    '/api/v1/images?name=dup': [{ id: ids.dup1, name: 'dup', accountId: 'acct-a' }, { id: ids.dup2, name: 'dup', accountId: 'acct-b' }],
    '/api/v1/offerings?name=small': [{ id: ids.offering, name: 'small' }],
    '/api/v1/keypairs?name=laptop': [{ id: ids.keypair, name: 'laptop' }],
    '/api/v1/instances?name=vm1': [{ id: ids.instance, name: 'vm1' }],
    '/api/v1/networks?name=app': [{ id: ids.network, name: 'app' }],
  };
  before(async () => {
    api = await startStandInApi((req, reply) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '' });
      const u = new URL(req.url ?? '/', 'http://x');
      const name = u.searchParams.get('name');
      if (req.method === 'GET' && name !== null) return reply(200, { items: named[`${u.pathname}?name=${name}`] ?? [], nextCursor: null });
      if (req.method === 'DELETE') { reply(204); return undefined; }
      if (u.pathname === `/api/v1/instances/${ids.instance}`) {
        return reply(200, {
          id: ids.instance, name: 'vm1', addresses: [
            { nicId: 'nic-1', deviceIndex: 0, networkId: ids.network, networkName: 'app', mac: '52:54:00:00:00:01', ip: '10.1.0.5', publicIp: '203.0.113.7' },
            { nicId: 'nic-2', deviceIndex: 1, networkId: 'net-x', networkName: 'db', mac: '52:54:00:00:00:02', ip: '10.2.0.9', publicIp: null },
          ],
        });
      }
      return reply(200, { id: u.pathname.split('/').pop(), items: [], nextCursor: null });
    });
  });
  after(() => api.close());

  async function kumo(...args: string[]): Promise<CliResult> {
    seen.length = 0;
    return runKumo(api.url, [...args]);
  }
  const last = () => seen[seen.length - 1];

  test('regression: kumo image show NAME and kumo offering show NAME did not accept names', async () => {
    let r = await kumo('-o', 'json', 'image', 'show', 'tiny');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(last(), { method: 'GET', url: `/api/v1/images/${ids.image}` });
    r = await kumo('-o', 'json', 'offering', 'show', 'small');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(last(), { method: 'GET', url: `/api/v1/offerings/${ids.offering}` });
  });

  test('delete and list filters take names too; ids pass without a lookup', async () => {
    assert.equal((await kumo('keypair', 'delete', 'laptop')).code, 0);
    assert.deepEqual(last(), { method: 'DELETE', url: `/api/v1/keypairs/${ids.keypair}` });
    assert.equal((await kumo('-o', 'json', 'image', 'show', ids.image)).code, 0);
    assert.deepEqual(seen, [{ method: 'GET', url: `/api/v1/images/${ids.image}` }]);
    const r = await kumo('-o', 'json', 'nic', 'list', '--network', 'app', '--limit', '5');
    assert.equal(r.code, 0, r.err);
    assert.match(last()?.url ?? '', new RegExp(`^/api/v1/nics\\?.*networkId=${ids.network}`), 'the filter reaches the API, resolved');
  });

  test('an ambiguous or unknown name fails with the matches listed', async () => {
    let r = await kumo('image', 'show', 'dup');
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`2 images are named dup: ${ids.dup1} \\(account acct-a\\), ${ids.dup2} \\(account acct-b\\); use the id`));
    r = await kumo('offering', 'show', 'huge');
    assert.equal(r.code, 1);
    assert.match(r.err, /no offering named huge/);
    r = await kumo('public-ip', 'show', 'my-ip');
    assert.equal(r.code, 1);
    assert.match(r.err, /public ips are referred to by id, and "my-ip" is not one/);
  });

  test('instance show prints its addresses per NIC (network=ip, public ip (mac))', async () => {
    const r = await kumo('instance', 'show', 'vm1');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /addresses\s+app=10\.1\.0\.5, 203\.0\.113\.7 \(52:54:00:00:00:01\); db=10\.2\.0\.9 \(52:54:00:00:00:02\)/);
    const y = await kumo('-o', 'yaml', 'instance', 'show', 'vm1');
    assert.match(y.out, /networkName: app\n\s+mac: 52:54:00:00:00:01\n\s+ip: 10\.1\.0\.5\n\s+publicIp: 203\.0\.113\.7/);
  });
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';
import { parseIntRange, parsePorts } from './network-commands.ts';

interface Seen { method: string; url: string; body: unknown }

/**
 * The network commands against a stand-in API on loopback that records what the CLI sends
 * (the CLI may only talk HTTP; the server's behaviour is tested in packages/server).
 */
describe('kumo network commands', () => {
  let api: StandInApi;
  const seen: Seen[] = [];
  const zoneId = 'zone-01m80000000000000000';
  before(async () => {
    api = await startStandInApi((req, reply) => {
      const text = req.text;
      seen.push({ method: req.method ?? '', url: req.url ?? '', body: text ? JSON.parse(text) as unknown : undefined });
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (path === '/api/v1/zones') return reply(200, { items: [{ id: zoneId, name: 'zone1' }], nextCursor: null });
      if (path === '/api/v1/networks' && req.method === 'GET') return reply(200, { items: [{ id: 'net-01m80000000000000001', name: 'app' }], nextCursor: null });
      if (path === '/api/v1/security-groups' && req.method === 'GET') return reply(200, { items: [{ id: 'sg-01m80000000000000002', name: 'web' }], nextCursor: null });
      if (path.endsWith('/networks/net-01m80000000000000001') && req.method === 'DELETE') {
        return reply(409, { error: { code: 'in_use', message: 'network app still has 1 NICs', details: { references: 'nics' } } });
      }
      if (req.method === 'DELETE') { reply(204); return undefined; }
      return reply(req.method === 'POST' ? 201 : 200, { id: 'x-01m80000000000000009', ok: true });
    });
  });
  after(() => api.close());

  async function kumo(...args: string[]): Promise<CliResult> {
    seen.length = 0;
    return runKumo(api.url, ['-o', 'json', ...args]);
  }
  const posted = () => seen.filter((s) => s.method === 'POST' || s.method === 'PATCH' || s.method === 'DELETE');

  test('port and range arguments', () => {
    assert.deepEqual(parsePorts('80'), { from: 80, to: 80 });
    assert.deepEqual(parsePorts('8000-8010'), { from: 8000, to: 8010 });
    assert.throws(() => parsePorts('http'), /not a port/);
    assert.deepEqual(parseIntRange('5000-5999'), { start: 5000, end: 5999 });
  });

  test('network create sends an isolated network in the only zone; --vlan asks for a VLAN segment', async () => {
    const r = await kumo('network', 'create', '--name', 'app', '--cidr', '10.1.0.0/24', '--vlan');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(posted(), [{ method: 'POST', url: '/api/v1/networks', body: { name: 'app', zoneId, cidr: '10.1.0.0/24', kind: 'isolated', segment: 'vlan' } }]);
    await kumo('network', 'create', '--name', 'lan', '--cidr', '192.0.2.0/24', '--shared', '--range', '192.0.2.100-192.0.2.199', '--vlan', '120');
    assert.deepEqual(posted()[0]?.body, { name: 'lan', zoneId, cidr: '192.0.2.0/24', kind: 'shared', ipRange: { start: '192.0.2.100', end: '192.0.2.199' }, vlan: 120 });
  });

  test('port forwards, firewall rules and security-group rules carry ports, CIDRs and peers', async () => {
    await kumo('port-forward', 'create', '--public-ip', 'pip-01m80000000000000003', '--protocol', 'tcp', '--ports', '8000-8010', '--nic', 'nic-01m80000000000000004', '--private-ports', '9000-9010');
    assert.deepEqual(posted()[0]?.body, { publicIpId: 'pip-01m80000000000000003', protocol: 'tcp', publicPorts: { from: 8000, to: 8010 }, nicId: 'nic-01m80000000000000004', privatePorts: { from: 9000, to: 9010 } });
    await kumo('firewall-rule', 'create', '--public-ip', 'pip-01m80000000000000003', '--protocol', 'icmp', '--icmp-type', '8', '--from', '198.51.100.0/24,203.0.113.0/24');
    assert.deepEqual(posted()[0]?.body, { publicIpId: 'pip-01m80000000000000003', protocol: 'icmp', icmpType: 8, sourceCidrs: ['198.51.100.0/24', '203.0.113.0/24'] });
    await kumo('security-group', 'add-rule', 'web', '--protocol', 'tcp', '--ports', '22', '--group', 'web');
    assert.deepEqual(posted()[0], { method: 'POST', url: '/api/v1/security-groups/sg-01m80000000000000002/rules', body: { direction: 'ingress', protocol: 'tcp', ports: { from: 22, to: 22 }, remoteGroupId: 'sg-01m80000000000000002' } });
    await kumo('public-ip', 'static-nat', 'pip-01m80000000000000003', 'nic-01m80000000000000004');
    assert.deepEqual(posted()[0], { method: 'POST', url: '/api/v1/public-ips/pip-01m80000000000000003/static-nat', body: { nicId: 'nic-01m80000000000000004' } });
    await kumo('load-balancer', 'create', '--name', 'web', '--public-ip', 'pip-01m80000000000000003', '--port', '80', '--private-port', '8080', '--check-path', '/health', '--nic', 'nic-01m80000000000000004');
    assert.deepEqual(posted()[0]?.body, { name: 'web', publicIpId: 'pip-01m80000000000000003', publicPort: 80, privatePort: 8080, healthCheck: { httpPath: '/health' }, nicIds: ['nic-01m80000000000000004'] });
  });

  test('an API refusal is printed with its code and a non-zero exit', async () => {
    const r = await kumo('network', 'delete', 'net-01m80000000000000001');
    assert.equal(r.code, 1);
    assert.match(r.err, /network app still has 1 NICs \[in_use\]/);
  });

  test('routers are listed read-only, filtered by network', async () => {
    const r = await kumo('router', 'list', '--network-id', 'net-01m80000000000000001', '--limit', '5');
    assert.equal(r.code, 0, r.err);
    assert.equal(seen[0]?.method, 'GET');
    assert.match(seen[0]?.url ?? '', /^\/api\/v1\/routers\?.*networkId=net-01m80000000000000001/);
  });
});

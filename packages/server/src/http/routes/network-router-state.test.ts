import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import * as api from '@kumo/api';
import { renderHaproxyConf } from '@kumo/netcfg';
import { AgentCallError } from '../../gateway/agent-call-error.ts';
import { networkTestbed, seedZoneNetworking, type NetworkTestbed } from './network-test-fixture.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */

describe('router state from the host\'s apply, and health-check paths HAProxy can take', () => {
  let t: NetworkTestbed;
  let net: any;
  let routerHost: string;
  /** What the fake host answers to network.apply: a report, or a thrown refusal. */
  let answer: () => unknown = () => ({ generation: 1, ok: true, changes: [], errors: [] });
  const applied: string[] = [];

  before(async () => {
    t = await networkTestbed();
    await seedZoneNetworking(t);
    const gw = t.server.ctx.gateway;
    gw.isConnected = () => true;
    // A host that answers network.apply with whatever the test says (the gateway validates real replies).
    gw.call = (async (hostId: string, method: string) => {
      assert.equal(method, 'network.apply');
      applied.push(hostId);
      return answer();
    }) as typeof gw.call;
    net = await t.ok(t.alice, 'POST', '/api/v1/networks', { name: 'web', zoneId: t.zoneId, cidr: '10.7.0.0/24' });
    await t.server.controller.networks.placeRouters();
    // Where the router runs is infrastructure: the admin sees it, the tenant does not (http/tenant-view.ts).
    routerHost = (await t.ok(t.admin, 'GET', `/api/v1/routers/${net.routerId}`)).hostId;
    assert.ok(t.hostIds.includes(routerHost), 'the router was placed on a host');
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/routers/${net.routerId}`)).hostId, null, 'its tenant is not told which host');
  });
  after(async () => { await t.close(); });

  const router = () => t.ok(t.alice, 'GET', `/api/v1/routers/${net.routerId}`);
  const network = () => t.ok(t.alice, 'GET', `/api/v1/networks/${net.id}`);

  test('regression: routers stayed in state starting forever', async () => {
    assert.equal((await router()).state, 'starting');
    answer = () => ({ generation: 1, ok: true, changes: [{ action: 'created', kind: 'router', id: net.routerId, detail: 'namespace' }], errors: [] });
    await t.server.controller.networks.applyHost(routerHost);
    assert.ok(applied.includes(routerHost));
    const r = await router();
    assert.deepEqual([r.state, r.stateReason], ['running', null]);
    assert.deepEqual([(await network()).routerState, (await network()).routerStateReason], ['running', null]);
  });

  test('regression: a failed router apply did not show on the network (error with the reason, cleared by a later success)', async () => {
    answer = () => ({ generation: 2, ok: false, changes: [], errors: [{ kind: 'router', id: net.routerId, message: 'haproxy: parsing [haproxy.cfg:17]: unmatched quote' }] });
    await t.server.controller.networks.applyHost(routerHost);
    let n = await network();
    assert.equal(n.routerState, 'error');
    assert.match(n.routerStateReason, /router: haproxy: parsing .*unmatched quote/);
    assert.equal((await router()).stateReason, n.routerStateReason);

    // The host refuses the whole spec: an answer, not a lost connection, so the router is in error.
    answer = () => { throw new AgentCallError('invalid', 'loadBalancers[0].healthCheck.httpPath: not an acceptable HTTP path'); };
    await assert.rejects(t.server.controller.networks.applyHost(routerHost), /httpPath/);
    n = await network();
    assert.equal(n.routerState, 'error');
    assert.match(n.routerStateReason, /did not apply its network configuration: .*httpPath/);

    // A timeout says nothing about the router: its state stays as it was.
    answer = () => { throw new AgentCallError('timeout', 'host did not answer network.apply within 10 s'); };
    await assert.rejects(t.server.controller.networks.applyHost(routerHost), /did not answer/);
    assert.equal((await network()).routerState, 'error');

    answer = () => ({ generation: 3, ok: true, changes: [], errors: [] });
    await t.server.controller.networks.applyHost(routerHost);
    n = await network();
    assert.deepEqual([n.routerState, n.routerStateReason], ['running', null]);
  });

  test('regression: a health-check path with a quote was accepted and broke the router\'s HAProxy config', async () => {
    const ip = await t.ok(t.alice, 'POST', '/api/v1/public-ips', { networkId: net.id });
    for (const httpPath of ["/it's", '/say"hi"', '/a b', '/back\\slash', '/frag#x', '/env$HOME']) {
      const r = await t.call(t.alice, 'POST', '/api/v1/load-balancers', { name: 'web', publicIpId: ip.id, publicPort: 80, healthCheck: { httpPath } });
      assert.equal(r.status, 400, `${httpPath}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.details.field, 'healthCheck.httpPath');
    }
    assert.equal((await t.ok(t.alice, 'GET', `/api/v1/load-balancers?networkId=${net.id}`)).items.length, 0, 'nothing was created');
    const lb = await t.ok(t.alice, 'POST', '/api/v1/load-balancers', { name: 'web', publicIpId: ip.id, publicPort: 80, healthCheck: { httpPath: '/health?full=1&x=(a)' } });
    const bad = await t.call(t.alice, 'PATCH', `/api/v1/load-balancers/${lb.id}`, { healthCheck: { httpPath: "/o'clock" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.field, 'healthCheck.httpPath');
  });

  test('the API validator and the HAProxy renderer accept exactly the same health-check paths', () => {
    const render = (httpPath: string) => renderHaproxyConf({
      loadBalancers: [{ id: 'lb1', publicIp: '203.0.113.5', publicPort: 80, algorithm: 'roundrobin', backends: [], healthCheck: { intervalMs: 1000, rise: 1, fall: 1, httpPath } }],
    });
    let accepted = 0;
    for (let c = 0x20; c < 0x7f; c++) {
      const httpPath = `/a${String.fromCharCode(c)}b`;
      const apiAccepts = Value.Check(api.HealthCheckInput, { httpPath });
      let rendered: string | undefined;
      try { rendered = render(httpPath); } catch { rendered = undefined; }
      assert.equal(rendered !== undefined, apiAccepts, `${JSON.stringify(httpPath)}: API ${apiAccepts ? 'accepts' : 'refuses'} it, the renderer does not agree`);
      if (rendered !== undefined) {
        accepted++;
        assert.ok(rendered.includes(`\toption httpchk GET ${httpPath}\n`));
      }
    }
    assert.ok(accepted > 60 && accepted < 95, `${accepted} of 95 printable characters accepted`);
  });
});

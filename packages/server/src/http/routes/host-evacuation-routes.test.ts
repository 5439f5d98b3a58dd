import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { HostEvacuation, Operation } from '@kumo/api';
import { seedAccount, seedInfrastructure, seedInstance } from '@kumo/db/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

/** POST /hosts/{id}/maintenance with evacuation options and GET /hosts/{id}/evacuation through the real HTTP stack. */
describe('host evacuation routes', () => {
  let server: KumoServer; let token: string; let close: () => Promise<void>;
  let hostId = ''; let instanceId = '';
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown, auth = token) => {
    const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${auth}` }, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, json: res.json() as unknown };
  };

  before(async () => {
    ({ server, token, close } = await inProcessServer());
    const repos = server.ctx.repos;
    const infra = await seedInfrastructure(repos, { hosts: 2 });
    hostId = infra.hosts[0]!.id;
    const acct = await seedAccount(repos, 'tenant');
    instanceId = await seedInstance(repos, acct, infra.zoneId);
    await repos.db.updateTable('instances').set({ hostId, phase: 'running', name: 'web-1' }).where('id', '=', instanceId).execute();
  });
  after(async () => { await close(); });

  test('bad options are a 400 naming the field and change nothing', async () => {
    for (const [body, field] of [[{ concurrency: 0 }, 'concurrency'], [{ stoppedInstances: 'drop' }, 'stoppedInstances'], [{ colour: 'red' }, 'colour']] as const) {
      const r = await call('POST', `/api/v1/hosts/${hostId}/maintenance`, body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(JSON.stringify(r.json), new RegExp(field));
    }
    assert.equal((await server.ctx.repos.hosts.getAny(hostId))!.adminState, 'enabled');
  });

  test('the options are kept in the operation, and the evacuation lists the host\'s instances per state', async () => {
    const r = await call('POST', `/api/v1/hosts/${hostId}/maintenance`, { concurrency: 3, stoppedInstances: 'move' });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    const op = r.json as Operation;
    assert.equal(op.kind, 'host.maintenance');
    await server.ctx.repos.evacuations.addPending(hostId, instanceId, new Date().toISOString());
    await server.ctx.repos.evacuations.set(hostId, instanceId, { state: 'blocked', reason: 'no host can take the instance' }, new Date().toISOString());
    const g = await call('GET', `/api/v1/hosts/${hostId}/evacuation`);
    assert.equal(g.status, 200, JSON.stringify(g.json));
    const ev = g.json as HostEvacuation;
    assert.deepEqual(ev.options, { concurrency: 3, stoppedInstances: 'move', stopRemaining: false });
    assert.equal(ev.operationId, op.id);
    assert.equal(ev.adminState, 'preparing-maintenance');
    assert.deepEqual(ev.items.map((i) => [i.name, i.state, i.reason, i.progress]), [['web-1', 'blocked', 'no host can take the instance', 0]]);
    assert.equal(ev.counts.blocked, 1);

    const again = await call('POST', `/api/v1/hosts/${hostId}/maintenance`, { stopRemaining: true });
    assert.equal(again.status, 202);
    assert.equal((again.json as Operation).id, op.id, 'the same operation, its options updated');
    assert.equal(((await call('GET', `/api/v1/hosts/${hostId}/evacuation`)).json as HostEvacuation).options.stopRemaining, true);
  });

  test('only admins see an evacuation; unknown hosts are 404', async () => {
    const login = await server.app.inject({ method: 'POST', url: '/api/v1/accounts', headers: { authorization: `Bearer ${token}` }, payload: { name: 'dave', username: 'dave', password: 'dave-password-1' } });
    assert.equal(login.statusCode, 201, login.body);
    const t = await server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'dave', password: 'dave-password-1' } });
    const userToken = (t.json() as { token: string }).token;
    assert.equal((await call('GET', `/api/v1/hosts/${hostId}/evacuation`, undefined, userToken)).status, 403);
    assert.equal((await call('GET', '/api/v1/hosts/host-01m80000000000000000/evacuation')).status, 404);
  });
});

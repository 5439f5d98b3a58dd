import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, KumoClient, type Instance, type Operation } from '@kumo/api';
import { testDialects } from '@kumo/db/testing';
import { startTestCloud, type TestCloud } from './testing/test-cloud.ts';

/*
 * The cross-tenant matrix, grown for tenancy: resources of a project (owned by its project account)
 * × every verb × {other account, other domain, project member, project non-member, read-only
 * member, read-only role, domain admin of another domain, domain admin of the project's domain}
 * → 404 (may not see), 403 (sees, may not change) or allowed; on SQLite and PostgreSQL.
 */
type Who = 'owner' | 'member' | 'nonmember' | 'otherDomain' | 'roMember' | 'viewer' | 'adminA' | 'adminB';
type Outcome = 'ok' | 'not_found' | 'forbidden';

const password = (name: string) => `${name}-password-1`;

async function outcome(p: Promise<unknown>): Promise<Outcome | string> {
  try { await p; return 'ok'; } catch (e) { if (e instanceof ApiError) return e.code; throw e; }
}

for (const dialect of testDialects) {
  describe(`tenancy matrix on ${dialect}`, () => {
    let cloud: TestCloud;
    const c = {} as Record<Who, KumoClient>;
    const acct = {} as Record<Who, string>;
    const domain: Record<'A' | 'B', string> = { A: '', B: '' };
    let projectId = '';
    const res = { instanceId: '', volumeId: '', networkId: '', keypairId: '', securityGroupId: '', ownerInstanceId: '' };

    const login = async (username: string) => {
      const client = new KumoClient({ baseUrl: cloud.url });
      client.setToken((await client.request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username, password: password(username) } })).token);
      return client;
    };

    before(async () => {
      cloud = await startTestCloud({ hosts: 1, dialect });
      const admin = cloud.client;
      domain.A = (await admin.create<{ id: string }>('domains', { name: 'dept-a' })).id;
      domain.B = (await admin.create<{ id: string }>('domains', { name: 'dept-b' })).id;
      const accounts: Array<[Who, 'A' | 'B', string | undefined]> = [
        ['owner', 'A', undefined], ['member', 'A', undefined], ['nonmember', 'A', undefined], ['otherDomain', 'B', undefined],
        ['roMember', 'A', undefined], ['adminA', 'A', 'domain-admin'], ['adminB', 'B', 'domain-admin'],
      ];
      for (const [who, d, roleId] of accounts) {
        acct[who] = (await admin.create<{ id: string }>('accounts', { name: who.toLowerCase(), username: who.toLowerCase(), password: password(who.toLowerCase()), domainId: domain[d], ...(roleId ? { roleId } : {}) })).id;
        c[who] = await login(who.toLowerCase());
      }
      // A read-only user of the member account (the read-only role).
      await c.adminA.create('users', { accountId: acct.member, username: 'viewer', password: password('viewer'), role: 'read-only' });
      acct.viewer = acct.member; c.viewer = await login('viewer');

      const project = await c.owner.create<{ id: string; members: unknown[] }>('projects', { name: 'shared-vms' });
      projectId = project.id;
      await c.owner.request('POST', `/api/v1/projects/${projectId}/members`, { body: { accountId: 'member' } });
      await c.owner.request('POST', `/api/v1/projects/${projectId}/members`, { body: { accountId: acct.roMember, role: 'read-only' } });

      const zoneId = cloud.defaults.zoneId;
      await admin.create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: 'eth1', vniRange: { start: 5000, end: 5100 } });
      await admin.create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: 'eth2' });
      await admin.create('public-ip-ranges', { zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.20' });
      res.keypairId = (await c.owner.create<{ id: string }>('keypairs', { projectId, name: 'k', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBzYqk5P8d4k5pNnEF0O1iO2p2m9Kq0G3N5k3d1s5Xx user@host' })).id;
      res.networkId = (await c.owner.create<{ id: string }>('networks', { projectId, name: 'app', zoneId, cidr: '10.44.0.0/24' })).id;
      res.securityGroupId = (await c.owner.create<{ id: string }>('security-groups', { projectId, name: 'web' })).id;
      const op = await c.owner.request<Operation>('POST', '/api/v1/instances', {
        query: { wait: true }, body: { projectId, name: 'vm', zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, nics: [{ networkId: res.networkId }] },
      });
      assert.equal(op.status, 'succeeded', op.message);
      res.instanceId = op.resourceId;
      const vol = await c.owner.request<Operation>('POST', '/api/v1/volumes', { query: { wait: true }, body: { projectId, name: 'data', zoneId, sizeGiB: 1 } });
      assert.equal(vol.status, 'succeeded', vol.message);
      res.volumeId = vol.resourceId;
      const own = await c.owner.request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'private', zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, nics: [] } });
      res.ownerInstanceId = own.resourceId;
    });
    after(async () => { await cloud?.close(); });

    test('what a project creates belongs to the project account', async () => {
      const inst = await c.owner.get<Instance>('instances', res.instanceId);
      assert.equal(inst.accountId, projectId);
      const q = await cloud.client.request<{ usage: { instances: number } }>('GET', `/api/v1/accounts/${projectId}/quota`);
      assert.equal(q.usage.instances, 1, 'the project\'s quota counts its instance');
    });

    const reads = (who: Who): Array<[string, () => Promise<unknown>]> => [
      ['show instance', () => c[who].get('instances', res.instanceId)],
      ['instance volumes', () => c[who].request('GET', `/api/v1/instances/${res.instanceId}/volumes`)],
      ['show volume', () => c[who].get('volumes', res.volumeId)],
      ['show network', () => c[who].get('networks', res.networkId)],
      ['show key pair', () => c[who].get('keypairs', res.keypairId)],
      ['show security group', () => c[who].get('security-groups', res.securityGroupId)],
      ['show project', () => c[who].get('projects', projectId)],
    ];
    const writes = (who: Who): Array<[string, () => Promise<unknown>]> => [
      ['stop instance', () => c[who].instanceAction(res.instanceId, 'stop')],
      ['reboot instance', () => c[who].instanceAction(res.instanceId, 'reboot')],
      ['delete instance', () => c[who].request('DELETE', `/api/v1/instances/${res.instanceId}`)],
      ['rename volume', () => c[who].request('PATCH', `/api/v1/volumes/${res.volumeId}`, { body: { name: 'mine' } })],
      ['resize volume', () => c[who].request('POST', `/api/v1/volumes/${res.volumeId}/resize`, { body: { sizeGiB: 5 } })],
      ['attach volume', () => c[who].request('POST', `/api/v1/volumes/${res.volumeId}/attach`, { body: { instanceId: res.instanceId } })],
      ['delete volume', () => c[who].request('DELETE', `/api/v1/volumes/${res.volumeId}`)],
      ['delete network', () => c[who].request('DELETE', `/api/v1/networks/${res.networkId}`)],
      ['delete key pair', () => c[who].delete('keypairs', res.keypairId)],
      ['add security group rule', () => c[who].request('POST', `/api/v1/security-groups/${res.securityGroupId}/rules`, { body: { direction: 'ingress', protocol: 'tcp', ports: { from: 22, to: 22 }, cidr: '0.0.0.0/0' } })],
      ['delete security group', () => c[who].request('DELETE', `/api/v1/security-groups/${res.securityGroupId}`)],
      ['create in the project', () => c[who].create('keypairs', { projectId, name: `k-${who}`, publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBzYqk5P8d4k5pNnEF0O1iO2p2m9Kq0G3N5k3d1s5Xx x@y' })],
      ['add project member', () => c[who].request('POST', `/api/v1/projects/${projectId}/members`, { body: { accountId: acct[who] } })],
    ];

    const expected: Record<Exclude<Who, 'owner' | 'member' | 'adminA'>, { read: Outcome; write: Outcome }> = {
      nonmember: { read: 'not_found', write: 'not_found' },
      otherDomain: { read: 'not_found', write: 'not_found' },
      adminB: { read: 'not_found', write: 'not_found' },
      roMember: { read: 'ok', write: 'forbidden' },
      viewer: { read: 'ok', write: 'forbidden' },
    };

    for (const [who, want] of Object.entries(expected) as Array<[keyof typeof expected, { read: Outcome; write: Outcome }]>) {
      test(`${who}: reads → ${want.read}, every write → ${want.write}, nothing changes`, async () => {
        for (const [what, call] of reads(who)) assert.equal(await outcome(call()), want.read, `${who}: ${what}`);
        for (const [what, call] of writes(who)) assert.equal(await outcome(call()), want.write, `${who}: ${what}`);
        const listed = (await c[who].listAll<{ id: string }>('instances')).map((i) => i.id);
        assert.equal(listed.includes(res.instanceId), want.read === 'ok', `${who}: the project's instance in the list`);
        const inst = await c.owner.get<Instance>('instances', res.instanceId);
        assert.equal(inst.desired, 'running');
        assert.equal((await c.owner.get<{ name: string; sizeGiB: number }>('volumes', res.volumeId)).name, 'data');
        assert.ok(await c.owner.get('keypairs', res.keypairId));
        assert.ok(await c.owner.get('networks', res.networkId));
      });
    }

    test('a project shares an instance and a network between two accounts\' users', async () => {
      for (const [what, call] of reads('member')) assert.equal(await outcome(call()), 'ok', `member: ${what}`);
      assert.equal(await outcome(c.member.get('instances', res.ownerInstanceId)), 'not_found', 'the owner\'s own instance stays private');
      await c.member.request('PATCH', `/api/v1/volumes/${res.volumeId}`, { body: { name: 'data' } });
      // The member starts an instance of the project on the project's network.
      const op = await c.member.request<Operation>('POST', '/api/v1/instances', {
        query: { wait: true }, body: { projectId, name: 'vm2', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, nics: [{ networkId: res.networkId }] },
      });
      assert.equal(op.status, 'succeeded', op.message);
      assert.equal((await c.owner.get<Instance>('instances', op.resourceId)).accountId, projectId, 'the owner sees what the member made');
      const stopped = await c.owner.request<Operation>('POST', `/api/v1/instances/${op.resourceId}/stop`, { query: { wait: true }, body: {} });
      assert.equal(stopped.status, 'succeeded', stopped.message);
    });

    test('a domain admin manages only their domain', async () => {
      for (const [what, call] of reads('adminA')) assert.equal(await outcome(call()), 'ok', `adminA: ${what}`);
      const listed = (await c.adminA.listAll<{ id: string; domainPath: string }>('accounts'));
      assert.ok(listed.every((a) => a.domainPath.startsWith('/ROOT/dept-a/')), 'only accounts of dept-a');
      assert.ok(listed.some((a) => a.id === acct.owner));
      assert.equal(await outcome(c.adminA.get('accounts', acct.otherDomain)), 'not_found');
      assert.equal(await outcome(c.adminA.create('accounts', { name: 'sneaky', domainId: domain.B })), 'not_found');
      assert.equal(await outcome(c.adminA.request('PATCH', `/api/v1/accounts/${acct.otherDomain}`, { body: { state: 'disabled' } })), 'not_found');
      assert.equal(await outcome(c.adminA.create('domains', { name: 'sub', parentId: domain.B })), 'not_found');
      assert.equal(await outcome(c.adminA.create('accounts', { name: 'bigshot', role: 'admin' })), 'forbidden');
      assert.equal(await outcome(c.adminA.create('accounts', { name: 'bigshot', roleId: 'root-admin' })), 'forbidden');
      const sub = await c.adminA.create<{ id: string; path: string }>('domains', { name: 'team1', parentId: domain.A });
      assert.equal(sub.path, '/ROOT/dept-a/team1/');
      const made = await c.adminA.create<{ id: string; domainPath: string }>('accounts', { name: 'team1-acct', domainId: sub.id, username: 'team1user', password: password('team1user') });
      assert.equal(made.domainPath, '/ROOT/dept-a/team1/');
      assert.equal(await outcome(c.adminB.get('accounts', made.id)), 'not_found');
      assert.equal((await c.adminB.listAll<{ id: string }>('domains')).some((d) => d.id === sub.id), false);
    });

    test('a custom role: deny wins, the allow list narrows; 403 names the role and the action', async () => {
      await cloud.client.create('roles', { name: 'operator', base: 'user', allow: ['instance:*', 'keypair:*', 'auth:*', 'api-key:*'], deny: ['instance:delete'] });
      await assert.rejects(cloud.client.create('roles', { name: 'bad', allow: ['not an action'] }), (e: ApiError) => e.code === 'bad_request' && (e.details as { field?: string }).field === 'allow');
      await cloud.client.create('accounts', { name: 'ops', username: 'ops', password: password('ops'), domainId: domain.A, roleId: 'operator' });
      const ops = await login('ops');
      assert.equal((await ops.request<{ role: string }>('GET', '/api/v1/auth/whoami')).role, 'user');
      const op = await ops.request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'vm', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, nics: [] } });
      assert.equal(op.status, 'succeeded', op.message);
      await assert.rejects(ops.request('DELETE', `/api/v1/instances/${op.resourceId}`), (e: ApiError) => e.code === 'forbidden' && /operator/.test(e.message) && /instance:delete/.test(e.message));
      await assert.rejects(ops.list('volumes'), (e: ApiError) => e.code === 'forbidden' && /volume:list/.test(e.message));
      assert.equal(await outcome(ops.instanceAction(op.resourceId, 'stop')), 'ok');
      await assert.rejects(cloud.client.request('DELETE', '/api/v1/roles/operator'), (e: ApiError) => e.code === 'in_use' && /ops/.test(e.message));
    });

    test('disabling an account stops its logins and API keys (401 naming why); enabling restores them', async () => {
      const key = await c.nonmember.create<{ secret: string }>('api-keys', { name: 'ci' });
      const byKey = new KumoClient({ baseUrl: cloud.url }); byKey.setToken(key.secret);
      await byKey.request('GET', '/api/v1/auth/whoami');
      await c.adminA.request('PATCH', `/api/v1/accounts/${acct.nonmember}`, { body: { state: 'disabled' } });
      await assert.rejects(byKey.request('GET', '/api/v1/auth/whoami'), (e: ApiError) => e.code === 'unauthenticated' && /disabled/.test(e.message));
      await assert.rejects(login('nonmember'), (e: ApiError) => e.code === 'unauthenticated' && /nonmember is disabled/.test(e.message));
      await assert.rejects(login('nonmember').catch(() => c.nonmember.request('GET', '/api/v1/auth/whoami')), (e: ApiError) => e.code === 'unauthenticated');
      await c.adminA.request('PATCH', `/api/v1/accounts/${acct.nonmember}`, { body: { state: 'enabled' } });
      await byKey.request('GET', '/api/v1/auth/whoami');
      c.nonmember = await login('nonmember');
    });

    test('deleting an account that owns resources is refused naming them; cascade deletes them through the usual operations', async () => {
      const doomed = await cloud.client.create<{ id: string }>('accounts', { name: 'doomed', username: 'doomed', password: password('doomed'), domainId: domain.A });
      const dc = await login('doomed');
      await dc.create('keypairs', { name: 'k', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBzYqk5P8d4k5pNnEF0O1iO2p2m9Kq0G3N5k3d1s5Xx x@y' });
      const op = await dc.request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'vm', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, nics: [] } });
      assert.equal(op.status, 'succeeded', op.message);
      await assert.rejects(c.adminA.request('DELETE', `/api/v1/accounts/${doomed.id}`), (e: ApiError) => e.code === 'in_use' && /1 instances/.test(e.message) && /1 keypairs/.test(e.message));
      let r = await c.adminA.request<{ deleted: boolean; remaining: Record<string, number> }>('DELETE', `/api/v1/accounts/${doomed.id}`, { query: { cascade: true } });
      for (let i = 0; !r.deleted && i < 60; i++) {
        await new Promise((done) => setTimeout(done, 500));
        r = await c.adminA.request('DELETE', `/api/v1/accounts/${doomed.id}`, { query: { cascade: true } });
      }
      assert.equal(r.deleted, true, JSON.stringify(r.remaining));
      const ops = await cloud.client.listAll<Operation>('operations');
      assert.ok(ops.some((o) => o.resourceId === op.resourceId && o.kind === 'instance.delete' && o.status === 'succeeded'), 'the instance went through the usual delete operation');
      assert.equal(await outcome(cloud.client.get('accounts', doomed.id)), 'not_found');
      await assert.rejects(login('doomed'), (e: ApiError) => e.code === 'unauthenticated');
    });
  });
}

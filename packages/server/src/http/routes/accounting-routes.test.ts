import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock, newId } from '@kumo/core';
import { seedInfrastructure } from '@kumo/db/testing';
import { testDialects } from '@kumo/db/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */

interface Who { accountId: string; token: string }
const hour = 3_600_000;

for (const dialect of testDialects) {
  describe(`quotas, usage and audit through the API on ${dialect}`, () => {
    let server: KumoServer; let close: () => Promise<void>;
    let admin: Who; let alice: Who; let bob: Who;
    let zoneId: string; let imageId: string; let offeringId: string;
    const clock = new FakeClock(Date.UTC(2026, 2, 1, 0, 0, 0));
    const call = async (who: Who | null, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, ip?: string) => {
      const res = await server.app.inject({
        method, url, ...(ip ? { remoteAddress: ip } : {}),
        headers: who ? { authorization: `Bearer ${who.token}` } : {}, ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return { status: res.statusCode, body: res.body ? res.json() : null };
    };

    before(async () => {
      ({ server, close } = await inProcessServer({ dialect, clock }));
      const token = (await server.ctx.auth.login('admin', 'test-password')).token;
      admin = { accountId: (await call({ accountId: '', token }, 'GET', '/api/v1/auth/whoami')).body.accountId, token };
      const tenant = async (name: string): Promise<Who> => {
        const r = await call(admin, 'POST', '/api/v1/accounts', { name, username: name, password: `${name}-secret-pw-1` });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return { accountId: r.body.id, token: (await server.ctx.auth.login(name, `${name}-secret-pw-1`)).token };
      };
      alice = await tenant('alice'); bob = await tenant('bob');
      const repos = server.ctx.repos;
      zoneId = (await seedInfrastructure(repos, { hosts: 1 })).zoneId;
      imageId = newId('image'); offeringId = newId('offering');
      const versionId = newId('imageVersion'); const now = new Date(clock.now()).toISOString();
      await repos.images.insert({ id: imageId, accountId: admin.accountId, name: 'tiny', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now });
      await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now });
      await repos.offerings.insert({ id: offeringId, name: 'small', description: '', vcpus: 1, memoryMiB: 256, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now });
    });
    after(async () => { await close(); });

    test('quota: admins set it, owners read it, a create past it is a 409 quota_exceeded naming resource, limit and use', async () => {
      const set = await call(admin, 'PUT', `/api/v1/accounts/${alice.accountId}/quota`, { instances: 1, memoryMiB: 4096 });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(set.body.limits.instances, 1);
      assert.equal(set.body.effective.vcpus, null, 'what is not set is unlimited');
      const first = await call(alice, 'POST', '/api/v1/instances', { name: 'one', zoneId, imageId, offeringId, nics: [] });
      assert.equal(first.status, 202, JSON.stringify(first.body));
      const second = await call(alice, 'POST', '/api/v1/instances', { name: 'two', zoneId, imageId, offeringId, nics: [] });
      assert.equal(second.status, 409);
      assert.equal(second.body.error.code, 'quota_exceeded');
      assert.deepEqual(second.body.error.details, { resource: 'instances', limit: 1, used: 1, requested: 1, accountId: alice.accountId });
      const mine = await call(alice, 'GET', `/api/v1/accounts/${alice.accountId}/quota`);
      assert.equal(mine.status, 200);
      assert.deepEqual({ instances: mine.body.usage.instances, memoryMiB: mine.body.usage.memoryMiB }, { instances: 1, memoryMiB: 256 });
      const listed = await call(alice, 'GET', '/api/v1/instances');
      assert.deepEqual(listed.body.items.map((i: any) => i.name), ['one'], 'the refused create made nothing');
    });

    test('matrix: another account\'s quota, usage and audit answer 404 (or nothing); only admins set quotas', async () => {
      assert.equal((await call(bob, 'GET', `/api/v1/accounts/${alice.accountId}/quota`)).status, 404);
      assert.equal((await call(bob, 'PUT', `/api/v1/accounts/${alice.accountId}/quota`, { instances: 100 })).status, 403);
      assert.equal((await call(alice, 'PUT', `/api/v1/accounts/${alice.accountId}/quota`, { instances: 100 })).status, 403, 'not even one\'s own');
      assert.equal((await call(bob, 'PUT', '/api/v1/quota-defaults', { instances: 100 })).status, 403);
      const from = new Date(clock.now() - hour).toISOString(); const to = new Date(clock.now() + hour).toISOString();
      assert.equal((await call(bob, 'GET', `/api/v1/usage?accountId=${alice.accountId}&from=${from}&to=${to}`)).status, 404);
      const audit = await call(bob, 'GET', `/api/v1/audit?accountId=${alice.accountId}`);
      assert.equal(audit.status, 200);
      assert.deepEqual(audit.body.items, [], 'bob sees none of alice\'s audit entries');
      const own = await call(bob, 'GET', '/api/v1/audit');
      assert.ok(own.body.items.every((e: any) => e.accountId === bob.accountId));
      const all = await call(admin, 'GET', `/api/v1/audit?accountId=${alice.accountId}`);
      assert.ok(all.body.items.length > 0, 'admins see alice\'s entries');
      assert.equal((await call(admin, 'GET', `/api/v1/accounts/${alice.accountId}/quota`)).status, 200);
    });

    test('usage: allocated and running hours per offering, volume GiB-hours, per hour and per day, from the state changes', async () => {
      const repos = server.ctx.repos;
      const t0 = clock.now();
      const op = await call(bob, 'POST', '/api/v1/instances', { name: 'metered', zoneId, imageId, offeringId, nics: [] });
      assert.equal(op.status, 202);
      const id = op.body.resourceId as string;
      const step = async (ms: number, phase: 'running' | 'stopped' | 'deleted') => {
        clock.advance(ms);
        const inst = (await repos.instances.getAny(id))!;
        assert.ok(await repos.instances.compareAndSwap(id, inst.version, { phase }, new Date(clock.now()).toISOString()));
      };
      await step(hour / 2, 'running'); // 00:30
      await step(2 * hour, 'stopped'); // 02:30
      await step(hour, 'running'); // 03:30
      await step(hour, 'deleted'); // 04:30
      clock.advance(2 * hour);
      const q = (g: string) => `/api/v1/usage?from=${new Date(t0).toISOString()}&to=${new Date(t0 + 24 * hour).toISOString()}&granularity=${g}`;
      const daily = await call(bob, 'GET', q('day'));
      assert.equal(daily.status, 200, JSON.stringify(daily.body));
      const total = (m: string) => daily.body.totals.find((t: any) => t.meter === m)?.quantity;
      assert.equal(total('instance.allocated'), 4.5);
      assert.equal(total('instance.running'), 3);
      assert.ok(daily.body.totals.every((t: any) => t.offeringId === offeringId));
      const hourly = await call(bob, 'GET', q('hour'));
      const running = hourly.body.records.filter((r: any) => r.meter === 'instance.running').map((r: any) => [r.start.slice(11, 16), r.quantity]);
      assert.deepEqual(running, [['00:00', 0.5], ['01:00', 1], ['02:00', 0.5], ['03:00', 0.5], ['04:00', 0.5]]);
      assert.equal(hourly.body.records.reduce((n: number, r: any) => n + (r.meter === 'instance.allocated' ? r.quantity : 0), 0), 4.5);
      const bad = await call(bob, 'GET', `/api/v1/usage?from=${new Date(t0).toISOString()}&to=${new Date(t0).toISOString()}`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.field, 'to');

      // Once the rollup job has closed those hours, the same answers come from the rollups; grouped per account for admins.
      await server.usageRollups.runOnce();
      assert.deepEqual((await call(bob, 'GET', q('day'))).body, daily.body);
      assert.deepEqual((await call(bob, 'GET', `${q('hour')}&source=events`)).body, hourly.body);
      const r = (who: Who, extra = '') => call(who, 'GET', `/api/v1/usage/rollups?from=${new Date(t0).toISOString()}&to=${new Date(t0 + 24 * hour).toISOString()}&granularity=hour${extra}`);
      const all = await r(admin);
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.ok(all.body.closedUntil >= new Date(t0 + 5 * hour).toISOString());
      const bobs = all.body.items.filter((i: any) => i.accountId === bob.accountId && i.meter === 'instance.running').map((i: any) => [i.start.slice(11, 16), i.quantity]);
      assert.deepEqual(bobs, running);
      const own = await r(bob);
      assert.ok(own.body.items.length > 0 && own.body.items.every((i: any) => i.accountId === bob.accountId));
      assert.equal((await r(bob, `&accountId=${alice.accountId}`)).status, 404);
      assert.equal((await call(admin, 'GET', `/api/v1/usage/rollups?from=nope&to=${new Date(t0).toISOString()}`)).status, 400);
    });

    test('audit: every mutating call with who, where, action, resource and status; passwords and tokens never stored', async () => {
      const before = clock.now();
      const pw = await call(alice, 'POST', '/api/v1/auth/password', { oldPassword: 'alice-secret-pw-1', newPassword: 'alice-secret-pw-2' }, '192.0.2.7');
      assert.equal(pw.status, 204, JSON.stringify(pw.body));
      const relogin = await call(null, 'POST', '/api/v1/auth/login', { username: 'alice', password: 'alice-secret-pw-2' });
      assert.equal(relogin.status, 200);
      alice.token = relogin.body.token as string;
      const key = await call(alice, 'POST', '/api/v1/api-keys', { name: 'ci' });
      assert.equal(key.status, 201);
      const secret = key.body.secret as string;
      assert.ok(secret.length > 10);
      const failedLogin = await call(null, 'POST', '/api/v1/auth/login', { username: 'alice', password: 'wrong-password-9' }, '192.0.2.9');
      assert.equal(failedLogin.status, 401);
      const refused = await call(alice, 'DELETE', `/api/v1/instances/${newId('instance')}`);
      assert.equal(refused.status, 404);

      const entries = (await call(admin, 'GET', `/api/v1/audit?from=${new Date(before).toISOString()}&limit=50`)).body.items as any[];
      const pwEntry = entries.find((e) => e.action === 'auth.password');
      assert.ok(pwEntry, JSON.stringify(entries.map((e) => e.action)));
      assert.deepEqual({ who: pwEntry.username, acct: pwEntry.accountId, from: pwEntry.sourceAddress, status: pwEntry.status, method: pwEntry.method, route: pwEntry.route },
        { who: 'alice', acct: alice.accountId, from: '192.0.2.7', status: 204, method: 'POST', route: '/api/v1/auth/password' });
      assert.deepEqual(pwEntry.body, { oldPassword: '[redacted]', newPassword: '[redacted]' });
      const keyEntry = entries.find((e) => e.action === 'api-keys.create');
      assert.equal(keyEntry.resourceId, key.body.id, 'a create names the resource it made');
      const loginEntry = entries.find((e) => e.action === 'auth.login');
      assert.deepEqual({ who: loginEntry.username, status: loginEntry.status, code: loginEntry.errorCode, from: loginEntry.sourceAddress, body: loginEntry.body },
        { who: 'alice', status: 401, code: 'unauthenticated', from: '192.0.2.9', body: { username: 'alice', password: '[redacted]' } });
      const del = entries.find((e) => e.action === 'instances.delete');
      assert.deepEqual({ status: del.status, code: del.errorCode }, { status: 404, code: 'not_found' });
      // Nothing secret anywhere in the stored rows (not only in the body column).
      const raw = JSON.stringify(await server.ctx.repos.db.selectFrom('auditLog').selectAll().execute());
      for (const s of ['alice-secret-pw-1', 'alice-secret-pw-2', 'wrong-password-9', secret, alice.token, admin.token]) assert.ok(!raw.includes(s), `the audit log holds a secret (${s.slice(0, 4)}…)`);
      assert.equal((await call(alice, 'GET', '/api/v1/audit?action=auth.password')).body.items.length, 1, 'owners query their own');
      const logins = (await call(alice, 'GET', '/api/v1/audit?action=auth.login')).body.items as any[];
      assert.ok(logins.length > 0 && logins.every((e) => e.accountId === alice.accountId && e.status === 200), 'alice sees her own successful logins, not the failed attempt on her name');
    });

    test('audit stream: an SSE event with each new entry the caller may see', async () => {
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = server.app.server.address() as AddressInfo;
      const got = new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/v1/audit/stream', headers: { authorization: `Bearer ${bob.token}` } }, (res) => {
          let buf = '';
          res.on('data', (d: Buffer) => {
            buf += d.toString();
            if (buf.includes('\n\n') && buf.includes('event: audit')) { resolve(buf); req.destroy(); }
            else if (buf.startsWith(': kumo audit stream')) void call(alice, 'POST', '/api/v1/keypairs', { name: 'hidden', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBzYqk5P8d4k5pNnEF0O1iO2p2m9Kq0G3N5k3d1s5Xx a@b' })
              .then(() => call(bob, 'PUT', `/api/v1/accounts/${bob.accountId}/quota`, { instances: 3 }));
          });
          res.on('error', reject);
        });
        req.on('error', (e) => { if (!/socket hang up|aborted/.test(String(e))) reject(e); });
        req.end();
      });
      const text = await got;
      const data = JSON.parse(/data: (.*)\n/.exec(text)?.[1] ?? '{}');
      assert.equal(data.accountId, bob.accountId, 'alice\'s key pair create is not in bob\'s stream');
      assert.equal(data.action, 'accounts.quota.update');
      assert.equal(data.status, 403);
    });
  });
}

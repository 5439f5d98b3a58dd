import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { FakeClock, newId } from '@kumo/core';
import { createRepos } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure } from '@kumo/db/testing';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { BaseGarbageCollector } from './base-garbage-collector.ts';

/** The periodic round on the injected clock: which hosts are asked, about which pools, keeping which versions. */
test('every interval, each connected host is told the existing image versions for each pool it reaches; a shared pool once; failures do not stop the round', async () => {
  const h = await openTestDatabase('sqlite');
  try {
    const repos = createRepos(h.db);
    const infra = await seedInfrastructure(repos, { hosts: 3 });
    const accountId = await seedAccount(repos, 'tenant');
    const now = new Date().toISOString();
    const imageId = newId('image');
    await repos.images.insert({ id: imageId, accountId, name: 'img', description: '', kind: 'template', public: 0, osType: 'linux', minDiskGiB: 1, createdAt: now });
    const versionIds = [newId('imageVersion'), newId('imageVersion')];
    for (const [i, id] of versionIds.entries()) {
      await repos.imageVersions.insert({ id, imageId, version: String(i + 1), format: 'qcow2', sizeBytes: 1, sha256: 'a', state: 'ready', cmdline: '', storagePath: '', createdAt: now });
    }
    const cluster = await repos.db.selectFrom('hosts').select('clusterId').where('id', '=', infra.hosts[0]!.id).executeTakeFirstOrThrow();
    const pool = (await repos.db.selectFrom('pools').select(['zoneId']).limit(1).executeTakeFirstOrThrow());
    await repos.db.insertInto('pools').values({ id: newId('pool'), zoneId: pool.zoneId, clusterId: cluster.clusterId, hostId: null, name: 'shared', kind: 'shared', path: '/mnt/shared', capacityGiB: 100, allocatedGiB: 0, usedGiB: 0, overcommit: 1, createdAt: now }).execute();

    const [h0, h1, h2] = infra.hosts.map((x) => x.id);
    const calls: Array<{ hostId: string; path: string; keep: string[] }> = [];
    const gateway = {
      isConnected: (id: string) => id !== h2,
      call: async (hostId: string, method: string, params: { pool: { path: string }; keepImageVersionIds: string[] }) => {
        assert.equal(method, 'pool.collectGarbage');
        calls.push({ hostId, path: params.pool.path, keep: params.keepImageVersionIds });
        if (hostId === h0 && params.pool.path !== '/mnt/shared') throw new Error('disk gone');
        return { removed: ['imgv-old'], kept: [] };
      },
    } as unknown as AgentGateway;
    const clock = new FakeClock(Date.UTC(2026, 11, 7));
    const gc = new BaseGarbageCollector(repos, gateway, clock, pino({ level: 'silent' }), { intervalMs: 60_000, callTimeoutMs: 1000 });
    gc.start();
    clock.advance(59_999);
    await new Promise((r) => setImmediate(r));
    assert.equal(calls.length, 0, 'nothing before the interval');
    clock.advance(1);
    for (let i = 0; i < 200 && calls.length < 3; i++) await new Promise((r) => setImmediate(r));
    gc.stop();
    const localOf = async (hostId: string) => (await repos.db.selectFrom('pools').select('path').where('hostId', '=', hostId).executeTakeFirstOrThrow()).path;
    const asked = calls.map((c) => [c.hostId, c.path]).sort();
    assert.deepEqual(asked, [[h0, await localOf(h0!)], [h0, '/mnt/shared'], [h1, await localOf(h1!)]].sort(), 'the disconnected host is skipped; the shared pool is asked of one host');
    for (const c of calls) assert.deepEqual([...c.keep].sort(), [...versionIds].sort(), 'the ids of every version that exists');
    const report = await gc.runOnce();
    assert.equal(report.failures.length, 1);
    assert.match(report.failures[0]!.message, /disk gone/);
    assert.equal(report.removed.length, 2, 'the other pools were still collected');
  } finally { await h.drop(); }
});

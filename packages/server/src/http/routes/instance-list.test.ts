import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import type { InstanceRow } from '@kumo/db';
import { seedInfrastructure } from '@kumo/db/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

// GET /api/v1/instances serialises pages with JSON.stringify and reads only the columns a list shows;
// GET /api/v1/instances/{id} still goes through the response schema's serializer with every column.
// Byte for byte, a page must be the same instances as the single gets, affinity groups included.
describe('GET /api/v1/instances: pages are the single instances, byte for byte', () => {
  let server: KumoServer; let token: string; let close: () => Promise<void>;
  const ids: string[] = [];
  const get = async (url: string) => {
    const res = await server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', url);
    return res.body;
  };

  before(async () => {
    ({ server, token, close } = await inProcessServer());
    const repos = server.ctx.repos;
    const infra = await seedInfrastructure(repos, { hosts: 2 });
    const acct = (await repos.db.selectFrom('accounts').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow()).id;
    const imageId = newId('image'); const versionId = newId('imageVersion'); const offeringId = newId('offering');
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    await repos.images.insert({ id: imageId, accountId: acct, name: 'img', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: new Date(t0).toISOString() });
    await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: new Date(t0).toISOString() });
    await repos.offerings.insert({ id: offeringId, name: 'o', description: '', vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: new Date(t0).toISOString() });
    const variants: Array<Partial<InstanceRow>> = [
      {},
      { hostId: null, poolId: null, task: 'scheduling', phase: 'pending', observedPower: null, observedAt: null },
      { hostTags: '["gpu","ssd"]', configDrive: 1, errorReason: 'disk "full" \\ again\n', task: 'stopping', observedPower: 'crashed' },
      { name: 'ünïcode-✓', userData: '#cloud-config\n' + 'x'.repeat(60_000), desired: 'stopped', phase: 'stopped', observedPower: 'stopped' },
      { phase: 'deleted', desired: 'deleted', deletedAt: new Date(t0).toISOString() }, // a tombstone: never listed
      { phase: 'error', errorReason: null, version: 17 },
    ];
    for (const [i, v] of variants.entries()) {
      const at = new Date(t0 + (variants.length - i) * 1000).toISOString();
      const row: InstanceRow = {
        id: newId('instance'), accountId: acct, name: `vm-${i}`, zoneId: infra.zoneId, podId: infra.podId, clusterId: infra.clusterId,
        hostId: infra.hosts[i % 2]!.id, poolId: infra.poolIds[i % 2]!, imageId, imageVersionId: versionId, offeringId, keypairId: null,
        vcpus: 1, memoryMiB: 512, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'running',
        task: null, observedPower: 'running', observedAt: at, errorReason: null, excludedHostIds: '["host-x"]', version: 3,
        createdAt: at, updatedAt: at, deletedAt: null, ...v,
      };
      await repos.instances.insert(row);
      if (row.phase !== 'deleted') ids.push(row.id);
    }
    // Two instances in groups (one in two of them): lists batch-load what gets load one by one.
    const groups = ['apart', 'together'].map((name) => ({ id: newId('affinityGroup'), accountId: acct, name, policy: name === 'apart' ? 'anti-affinity' as const : 'affinity' as const, createdAt: new Date(t0).toISOString() }));
    for (const g of groups) await repos.affinityGroups.insert(g);
    for (const [groupId, instanceId] of [[groups[0]!.id, ids[0]!], [groups[1]!.id, ids[0]!], [groups[0]!.id, ids[2]!]] as const) {
      await repos.db.insertInto('affinityMembers').values({ groupId, instanceId }).execute();
    }
  });
  after(async () => { await close(); });

  for (const sort of ['id', '-createdAt', 'name', 'phase']) {
    test(`walking ?sort=${sort}&limit=2`, async () => {
      let cursor: string | null = null; const seen: string[] = [];
      do {
        const body = await get(`/api/v1/instances?limit=2&sort=${encodeURIComponent(sort)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        const page = JSON.parse(body) as { items: Array<{ id: string }>; nextCursor: string | null };
        const singles = await Promise.all(page.items.map((i) => get(`/api/v1/instances/${i.id}`)));
        assert.equal(body, `{"items":[${singles.join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual([...seen].sort(), [...ids].sort(), 'every live instance once, no tombstone');
    });
  }

  test('a list item has exactly the Instance fields (no user data, excluded hosts, pod or cluster)', async () => {
    const page = JSON.parse(await get('/api/v1/instances?limit=1')) as { items: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(page.items[0]!), [
      'id', 'accountId', 'name', 'type', 'zoneId', 'hostId', 'poolId', 'imageId', 'imageVersionId', 'offeringId', 'keypairId',
      'vcpus', 'memoryMiB', 'rootDiskGiB', 'addresses', 'desired', 'phase', 'task', 'observed', 'errorReason', 'hostTags', 'affinityGroupIds',
      'configDrive', 'graphicalConsole', 'metadataHttpTokens', 'cdrom', 'bootDevice', 'ha', 'version', 'createdAt', 'updatedAt',
    ]);
  });

  test('name_filter_matches_exact_names_only: namePrefix lists names that start with it, case-sensitive, never tombstones', async () => {
    const names = async (q: string) => (JSON.parse(await get(`/api/v1/instances?${q}`)) as { items: Array<{ name: string }> }).items.map((i) => i.name).sort();
    assert.deepEqual(await names('namePrefix=vm-'), ['vm-0', 'vm-1', 'vm-2', 'vm-5']);
    assert.deepEqual(await names('namePrefix=vm-1'), ['vm-1']);
    assert.deepEqual(await names('namePrefix=VM-'), []);
    assert.deepEqual(await names(`namePrefix=${encodeURIComponent('ünï')}`), ['ünïcode-✓']);
    assert.deepEqual(await names('name=vm-'), [], 'name stays an exact match');
    const bad = await server.app.inject({ method: 'GET', url: '/api/v1/instances?namePrefix=', headers: { authorization: `Bearer ${token}` } });
    assert.equal(bad.statusCode, 400);
  });
});

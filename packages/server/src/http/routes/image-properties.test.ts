import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { seedInfrastructure, testDialects } from '@kumo/db/testing';
import { buildInstanceSpec } from '../../controller/instance-spec.ts';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';

// Image properties through the HTTP stack on both dialects: stored, validated naming the field,
// changed with PATCH, enforced as minimums at instance create, and carried into the instance spec.
for (const dialect of testDialects) {
  describe(`image properties (${dialect})`, () => {
    let server: KumoServer; let token: string; let close: () => Promise<void>; let zoneId: string;
    let infra: Awaited<ReturnType<typeof seedInfrastructure>>;
    const req = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
      const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) as Record<string, unknown> : {} };
    };
    const created = async (url: string, body: unknown) => {
      const r = await req('POST', url, body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    const detailsField = (b: Record<string, unknown>) => ((b.error as { details?: { field?: string } }).details?.field);

    before(async () => {
      ({ server, token, close } = await inProcessServer({ dialect }));
      infra = await seedInfrastructure(server.ctx.repos, { hosts: 1 });
      zoneId = infra.zoneId;
    });
    after(async () => { await close(); });

    test('an image without properties has the defaults (SeaBIOS, virtio, linux)', async () => {
      const img = await created('/api/v1/images', { name: 'plain' });
      assert.deepEqual(
        { firmware: img.firmware, secureBoot: img.secureBoot, diskBus: img.diskBus, nicModel: img.nicModel, osType: img.osType, tpm: img.tpm, guestAgent: img.guestAgent, minMemoryMiB: img.minMemoryMiB, minDiskGiB: img.minDiskGiB },
        { firmware: 'bios', secureBoot: false, diskBus: 'virtio-blk', nicModel: 'virtio', osType: 'linux', tpm: false, guestAgent: false, minMemoryMiB: 0, minDiskGiB: 1 },
      );
    });

    test('create stores every property; contradictions and unknown values are refused naming the field, creating nothing', async () => {
      const win = await created('/api/v1/images', {
        name: 'win11', firmware: 'uefi', secureBoot: true, diskBus: 'sata', nicModel: 'e1000', osType: 'windows', tpm: true, guestAgent: true, minMemoryMiB: 4096, minDiskGiB: 40,
      });
      const got = (await req('GET', `/api/v1/images/${String(win.id)}`)).body;
      assert.deepEqual(
        [got.firmware, got.secureBoot, got.diskBus, got.nicModel, got.osType, got.tpm, got.guestAgent, got.minMemoryMiB, got.minDiskGiB],
        ['uefi', true, 'sata', 'e1000', 'windows', true, true, 4096, 40],
      );
      const bad = await req('POST', '/api/v1/images', { name: 'sb-on-bios', secureBoot: true });
      assert.equal(bad.status, 400);
      assert.equal(detailsField(bad.body), 'secureBoot');
      assert.match(JSON.stringify(bad.body), /secureBoot needs firmware uefi/);
      const unknown = await req('POST', '/api/v1/images', { name: 'efi', firmware: 'efi' });
      assert.equal(unknown.status, 400);
      assert.match(JSON.stringify(unknown.body), /firmware/);
      const names = ((await req('GET', '/api/v1/images?limit=100')).body.items as Array<{ name: string }>).map((i) => i.name);
      assert.ok(!names.includes('sb-on-bios') && !names.includes('efi'), 'refused creates left no image');
    });

    test('PATCH changes properties and refuses a contradiction with the stored ones', async () => {
      const img = await created('/api/v1/images', { name: 'cloud' });
      const up = await req('PATCH', `/api/v1/images/${String(img.id)}`, { firmware: 'uefi', guestAgent: true, description: 'Debian 12 cloud image' });
      assert.equal(up.status, 200, JSON.stringify(up.body));
      assert.equal(up.body.firmware, 'uefi');
      assert.equal(up.body.guestAgent, true);
      const sb = await req('PATCH', `/api/v1/images/${String(img.id)}`, { secureBoot: true });
      assert.equal(sb.status, 200, 'uefi is stored, so Secure Boot fits');
      const back = await req('PATCH', `/api/v1/images/${String(img.id)}`, { firmware: 'bios' });
      assert.equal(back.status, 400);
      assert.equal(detailsField(back.body), 'secureBoot');
      assert.equal((await req('GET', `/api/v1/images/${String(img.id)}`)).body.firmware, 'uefi', 'the refused change changed nothing');
    });

    test('an instance below the image\'s minimum memory or disk is refused naming the field; one that fits carries the properties in its spec', async () => {
      const img = await created('/api/v1/images', { name: 'big', firmware: 'uefi', osType: 'windows', nicModel: 'e1000', minMemoryMiB: 2048, minDiskGiB: 20 });
      await created(`/api/v1/images/${String(img.id)}/versions`, { version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64) });
      const small = await created('/api/v1/offerings', { name: 'small', vcpus: 1, memoryMiB: 512, rootDiskGiB: 10 });
      const large = await created('/api/v1/offerings', { name: 'large', vcpus: 2, memoryMiB: 4096, rootDiskGiB: 10 });
      const base = { zoneId, imageId: img.id, start: false };
      const mem = await req('POST', '/api/v1/instances', { ...base, name: 'too-small', offeringId: small.id });
      assert.equal(mem.status, 400);
      assert.equal(detailsField(mem.body), 'offeringId');
      assert.match(JSON.stringify(mem.body), /at least 2048 MiB/);
      const disk = await req('POST', '/api/v1/instances', { ...base, name: 'small-disk', offeringId: large.id, diskSizeGiB: 5 });
      assert.equal(disk.status, 400);
      assert.equal(detailsField(disk.body), 'diskSizeGiB');
      const instances = (await req('GET', '/api/v1/instances?limit=100')).body.items as Array<{ name: string }>;
      assert.ok(!instances.some((i) => i.name === 'too-small' || i.name === 'small-disk'));

      const ok = await req('POST', '/api/v1/instances', { ...base, name: 'fits', offeringId: large.id });
      assert.equal(ok.status, 202, JSON.stringify(ok.body));
      const row = await server.ctx.repos.db.selectFrom('instances').selectAll().where('name', '=', 'fits').executeTakeFirstOrThrow();
      assert.equal(row.rootDiskGiB, 20, 'the offering\'s 10 GiB is raised to the image\'s minimum');
      const { spec } = await buildInstanceSpec(server.ctx.repos, row);
      assert.deepEqual(spec.guest, { firmware: 'uefi', nicModel: 'e1000', osType: 'windows' });

      // Captured from its stopped root disk: the new image keeps the guest's hardware.
      const t = new Date().toISOString();
      const repos = server.ctx.repos;
      await repos.db.updateTable('instances').set({ phase: 'stopped', hostId: infra.hosts[0]!.id, poolId: infra.poolIds[0]! }).where('id', '=', row.id).execute();
      await repos.db.updateTable('operations').set({ status: 'succeeded' }).where('resourceId', '=', row.id).execute(); // the create is done
      await repos.volumes.insert({
        id: 'vol-fits-root', accountId: row.accountId, instanceId: row.id, poolId: infra.poolIds[0]!, kind: 'root', sizeGiB: 20, format: 'qcow2', provisioning: 'linked',
        path: '/var/lib/kumo/pools/0/volumes/vol-fits-root', createdAt: t, desired: 'ready', phase: 'ready', task: null, observedState: 'present', observedAt: t,
        errorReason: null, version: 1, updatedAt: t, pciSlot: 0x10, serial: 'vol-fits-root', name: '',
      });
      const cap = await req('POST', `/api/v1/instances/${row.id}/capture`, { name: 'fits-golden' });
      assert.equal(cap.status, 202, JSON.stringify(cap.body));
      const golden = ((await req('GET', '/api/v1/images?name=fits-golden')).body.items as Array<Record<string, unknown>>)[0];
      assert.deepEqual([golden?.firmware, golden?.osType, golden?.nicModel, golden?.minMemoryMiB, golden?.minDiskGiB], ['uefi', 'windows', 'e1000', 2048, 20]);
    });
  });
}

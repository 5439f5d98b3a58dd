// The spec builder takes device addresses from the rows, where they were fixed at attach time.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import { createRepos, type Repos } from '@kumo/db';
import { openTestDatabase, seedAccount, seedInfrastructure, seedInstance } from '@kumo/db/testing';
import { buildInstanceSpec, tapName } from './instance-spec.ts';
import { TerminalError } from './errors.ts';

const now = () => new Date().toISOString();

describe('instance spec builder: device addresses', () => {
  let repos: Repos;
  let drop: () => Promise<void>;
  before(async () => {
    const h = await openTestDatabase('sqlite');
    repos = createRepos(h.db);
    drop = h.drop;
  });
  after(async () => { await drop(); });

  test('root, data disks and NICs keep their stored slots and serials; a detached middle disk moves nothing', async () => {
    const { zoneId, poolIds } = await seedInfrastructure(repos, { hosts: 1 });
    const acct = await seedAccount(repos, 'spec-slots');
    const id = await seedInstance(repos, acct, zoneId);
    const vol = (vid: string, kind: 'root' | 'data', pciSlot: number | null) => repos.db.insertInto('volumes').values({
      id: vid, accountId: acct, instanceId: pciSlot === null ? null : id, poolId: poolIds[0]!, kind, sizeGiB: 1, format: kind === 'root' ? 'qcow2' : 'raw',
      provisioning: 'linked', path: `/pool/volumes/${vid}`, createdAt: now(), pciSlot, serial: `ser-${vid}`,
      desired: 'ready', phase: 'ready', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now(),
    }).execute();
    await vol('vol-c', 'data', 0x13);
    await vol('vol-root', 'root', 0x10);
    await vol('vol-a', 'data', 0x11);
    await vol('vol-b', 'data', null); // was at 0x12, detached
    const physId = `pnet-${newId('event').slice(4)}`;
    await repos.physicalNetworks.insert({
      id: physId, zoneId, name: 'phys', trafficTypes: '["guest"]', device: 'eth1', deviceKind: 'interface', mtu: 1500,
      vniStart: 1000, vniEnd: 1999, vlanStart: null, vlanEnd: null, createdAt: now(),
    });
    for (const [i, slot] of [[0, 0x08], [2, 0x0a]] as const) {
      const netId = `net-${newId('event').slice(4)}`;
      await repos.db.insertInto('networks').values({
        id: netId, accountId: acct, zoneId, physicalNetworkId: physId, name: `n${i}`, description: '', kind: 'isolated', cidr: `10.${i}.0.0/24`,
        gateway: `10.${i}.0.1`, rangeStart: `10.${i}.0.2`, rangeEnd: `10.${i}.0.254`, vni: 1000 + i, vlan: null, mtu: 1450, dnsDomain: 'c.internal',
        egressDefaultPolicy: 'allow', configVersion: 1, createdAt: now(), updatedAt: now(),
      }).execute();
      await repos.db.insertInto('nics').values({
        id: `nic-${i}`, accountId: acct, instanceId: id, networkId: netId, deviceIndex: i, mac: `52:54:00:00:00:0${i}`, ip: `10.${i}.0.2`, createdAt: now(), pciSlot: slot,
      }).execute();
    }
    const inst = (await repos.instances.getAny(id))!;
    const { spec } = await buildInstanceSpec(repos, inst);
    assert.deepEqual(spec.root, { kind: 'disk', disk: { volumeId: 'vol-root', path: '/pool/volumes/vol-root', format: 'qcow2', pciSlot: 0x10, serial: 'ser-vol-root' } });
    assert.deepEqual(spec.disks.map((d) => [d.volumeId, d.pciSlot, d.serial, d.format]), [['vol-a', 0x11, 'ser-vol-a', 'raw'], ['vol-c', 0x13, 'ser-vol-c', 'raw']]);
    assert.deepEqual(spec.nics.map((n) => [n.nicId, n.pciSlot, n.attach]), [
      ['nic-0', 0x08, { kind: 'tap', tap: tapName(id, 0) }], ['nic-2', 0x0a, { kind: 'tap', tap: tapName(id, 2) }],
    ]);
    // Built again (a restart, a migration target): the same layout.
    assert.deepEqual((await buildInstanceSpec(repos, inst)).spec, spec);
    // The balloon follows the row: a guest started before balloons migrates without one.
    assert.equal(inst.memoryBalloon, 0, 'a new row: no balloon until the controller starts it');
    assert.equal(spec.memoryBalloon, undefined);
    assert.equal((await buildInstanceSpec(repos, { ...inst, memoryBalloon: 1 })).spec.memoryBalloon, true);
  });

  test('an attached volume without a slot is a terminal error naming it, not a guessed address', async () => {
    const { zoneId, poolIds } = await seedInfrastructure(repos, { hosts: 1 });
    const acct = await seedAccount(repos, 'spec-noslot');
    const id = await seedInstance(repos, acct, zoneId);
    await repos.db.insertInto('volumes').values({
      id: 'vol-noslot', accountId: acct, instanceId: id, poolId: poolIds[0]!, kind: 'root', sizeGiB: 1, format: 'qcow2',
      provisioning: 'linked', path: '/pool/volumes/vol-noslot', createdAt: now(), pciSlot: null, serial: 'vol-noslot',
      desired: 'ready', phase: 'ready', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now(),
    }).execute();
    await assert.rejects(buildInstanceSpec(repos, (await repos.instances.getAny(id))!), (e: unknown) => {
      assert.ok(e instanceof TerminalError);
      assert.match(e.message, /volume vol-noslot is attached to .* without a PCI slot/);
      return true;
    });
  });

  test('a CD-ROM drive is spec.cdrom, its ISO the `iso` ref; boot order from the instance; an ISO install has a blank root (no image)', async () => {
    const { zoneId } = await seedInfrastructure(repos, { hosts: 1 });
    const acct = await seedAccount(repos, 'spec-cdrom');
    const id = await seedInstance(repos, acct, zoneId);
    let inst = (await repos.instances.getAny(id))!;
    const plain = await buildInstanceSpec(repos, inst);
    assert.deepEqual([plain.spec.cdrom, plain.spec.boot.order, plain.iso], [undefined, undefined, null], 'no drive: nothing');
    assert.ok(plain.image, 'a template instance gets its image');

    const isoImage = newId('image'); const isoVersion = newId('imageVersion');
    await repos.images.insert({ id: isoImage, accountId: acct, name: 'installer', description: '', kind: 'iso', public: 0, osType: 'linux', minDiskGiB: 1, createdAt: now() });
    await repos.imageVersions.insert({ id: isoVersion, imageId: isoImage, version: '1', format: 'iso', sizeBytes: 9, sha256: 'b'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now() });
    await repos.instances.setCdrom(id, { cdrom: 1 }, now());
    inst = (await repos.instances.getAny(id))!;
    const empty = await buildInstanceSpec(repos, inst);
    assert.deepEqual([empty.spec.cdrom, empty.iso], [{}, null], 'an empty drive');
    await repos.instances.setCdrom(id, { cdromImageId: isoImage, cdromImageVersionId: isoVersion, bootDevice: 'cdrom' }, now());
    inst = (await repos.instances.getAny(id))!;
    const loaded = await buildInstanceSpec(repos, inst);
    assert.deepEqual(loaded.spec.cdrom, {}, 'the agent fills in the ISO path');
    assert.equal(loaded.spec.boot.order, 'cdrom');
    assert.deepEqual(loaded.iso, { imageVersionId: isoVersion, url: `/api/v1/images/${isoImage}/versions/${isoVersion}/file`, sha256: 'b'.repeat(64), format: 'iso', sizeBytes: 9 });

    await repos.db.updateTable('instances').set({ imageId: isoImage, imageVersionId: isoVersion }).where('id', '=', id).execute();
    const install = await buildInstanceSpec(repos, (await repos.instances.getAny(id))!);
    assert.equal(install.image, null, 'launched from an ISO: the root disk is blank');
    assert.equal(install.iso?.imageVersionId, isoVersion);
  });
});

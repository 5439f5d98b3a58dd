// Migration 005 on every dialect: existing disks and NICs get the device layout's slots and
// their old serials, and the database refuses two devices in one slot of one instance.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { newId } from '@kumo/core';
import { createRepos, isUniqueViolation, type Repos } from './repos/index.ts';
import { openTestDatabase, testDialects, withSchemaLock } from './testing/test-databases.ts';
import { seedAccount, seedInfrastructure, seedInstance } from './testing/fixtures.ts';
import * as m005 from './migrations/005-device-addresses.ts';
import type { NicRow, VolumeRow } from './schema.ts';

interface LegacyTables {
  volumes: Omit<VolumeRow, 'pciSlot' | 'serial'>;
  nics: Omit<NicRow, 'pciSlot'>;
}

const now = () => new Date().toISOString();

for (const dialect of testDialects) {
  describe(`migration 005 (device addresses) on ${dialect}`, () => {
    let repos: Repos;
    let drop: () => Promise<void>;
    before(async () => {
      const h = await openTestDatabase(dialect);
      repos = createRepos(h.db);
      drop = h.drop;
    });
    after(async () => { await drop(); });

    test('backfills root 0x10, data disks from 0x11 by id, NICs from 0x08 by device index, serials from ids', async () => {
      const { zoneId, poolIds } = await seedInfrastructure(repos, { hosts: 1 });
      const acct = await seedAccount(repos, `m005-${dialect}`);
      const [a, b] = [await seedInstance(repos, acct, zoneId), await seedInstance(repos, acct, zoneId)];
      const physId = `pnet-${newId('event').slice(4)}`;
      await repos.physicalNetworks.insert({
        id: physId, zoneId, name: 'phys', trafficTypes: '["guest"]', device: 'eth1', deviceKind: 'interface', mtu: 1500,
        vniStart: 1000, vniEnd: 1999, vlanStart: null, vlanEnd: null, createdAt: now(),
      });
      const nets: string[] = [];
      for (let i = 0; i < 3; i++) {
        const id = `net-${newId('event').slice(4)}`;
        nets.push(id);
        await repos.db.insertInto('networks').values({
          id, accountId: acct, zoneId, physicalNetworkId: physId, name: `n${i}`, description: '', kind: 'isolated', cidr: `10.${i}.0.0/24`,
          gateway: `10.${i}.0.1`, rangeStart: `10.${i}.0.2`, rangeEnd: `10.${i}.0.254`, vni: 1000 + i, vlan: null, mtu: 1450, dnsDomain: 'c.internal',
          egressDefaultPolicy: 'allow', configVersion: 1, createdAt: now(), updatedAt: now(),
        }).execute();
      }
      await withSchemaLock(dialect, () => m005.down(repos.db)); // today's schema less 005's columns
      // The same connection, typed as the tables were before 005 (the rows have no slot or serial yet).
      const legacy = repos.db as unknown as Kysely<LegacyTables>;
      const vol = (id: string, instanceId: string | null, kind: 'root' | 'data') => legacy.insertInto('volumes').values({
        id, accountId: acct, instanceId, poolId: poolIds[0]!, kind, sizeGiB: 1, format: 'qcow2', provisioning: 'linked', path: `/p/${id}`, createdAt: now(),
        desired: 'ready', phase: 'ready', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: now(),
      }).execute();
      await vol('vol-a-root-0123456789xyz', a, 'root');
      await vol('vol-a-data-2', a, 'data');
      await vol('vol-a-data-1', a, 'data');
      await vol('vol-b-root', b, 'root');
      await vol('vol-loose', null, 'data');
      const nic = (id: string, instanceId: string, net: string, deviceIndex: number, n: number) => legacy.insertInto('nics').values({
        id, accountId: acct, instanceId, networkId: net, deviceIndex, mac: `52:54:00:00:00:0${n}`, ip: `10.0.0.${10 + n}`, createdAt: now(),
      }).execute();
      await nic('nic-a0', a, nets[0]!, 0, 1);
      await nic('nic-a2', a, nets[1]!, 2, 2); // device 1 was removed
      await nic('nic-b0', b, nets[2]!, 0, 3);
      await withSchemaLock(dialect, () => m005.up(repos.db));

      const vols = await repos.db.selectFrom('volumes').select(['id', 'pciSlot', 'serial']).orderBy('id').execute();
      assert.deepEqual(vols, [
        { id: 'vol-a-data-1', pciSlot: 0x11, serial: 'vol-a-data-1' },
        { id: 'vol-a-data-2', pciSlot: 0x12, serial: 'vol-a-data-2' },
        { id: 'vol-a-root-0123456789xyz', pciSlot: 0x10, serial: 'vol-a-root-012345678' },
        { id: 'vol-b-root', pciSlot: 0x10, serial: 'vol-b-root' },
        { id: 'vol-loose', pciSlot: null, serial: 'vol-loose' },
      ]);
      const nics = await repos.db.selectFrom('nics').select(['id', 'pciSlot']).orderBy('id').execute();
      assert.deepEqual(nics, [{ id: 'nic-a0', pciSlot: 0x08 }, { id: 'nic-a2', pciSlot: 0x09 }, { id: 'nic-b0', pciSlot: 0x08 }]);

      // One device per slot of an instance.
      await assert.rejects(
        repos.db.updateTable('nics').set({ pciSlot: 0x08 }).where('id', '=', 'nic-a2').execute(),
        (e: unknown) => isUniqueViolation(e),
      );
      await assert.rejects(
        repos.db.updateTable('volumes').set({ pciSlot: 0x11 }).where('id', '=', 'vol-a-data-2').execute(),
        (e: unknown) => isUniqueViolation(e),
      );
    });
  });
}

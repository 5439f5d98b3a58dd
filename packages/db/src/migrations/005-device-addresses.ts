import type { Kysely } from 'kysely';

/*
 * Devices are addressed explicitly: every attached volume and every NIC holds the PCI slot it got
 * when it was attached, and every volume the serial its guest sees; the instance spec carries them
 * and drivers render them, so a restart, a migration target and a hot-plug see one layout
 * (docs/architecture.md#device-layout). Existing devices are backfilled with that layout: root disks at
 * 0x10, data disks from 0x11 in id order, NICs from 0x08 in device-index order; serials are the
 * first 20 characters of the volume id, which is what guests saw before.
 * The numbers are written out here, not imported: a released migration must not change meaning.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  const crowded = await db.selectFrom('nics').select('instanceId').groupBy('instanceId')
    .having((eb) => eb.fn.countAll(), '>', 8).executeTakeFirst();
  if (crowded) throw new Error(`migration 005: instance ${String(crowded.instanceId)} has more than 8 NICs, the most the device layout has slots for; detach some first`);
  const disks = await db.selectFrom('volumes').select('instanceId').where('kind', '=', 'data').where('instanceId', 'is not', null)
    .groupBy('instanceId').having((eb) => eb.fn.countAll(), '>', 13).executeTakeFirst();
  if (disks) throw new Error(`migration 005: instance ${String(disks.instanceId)} has more than 13 data disks, the most the device layout has slots for; detach some first`);

  // Null while the volume is not attached to an instance.
  await db.schema.alterTable('volumes').addColumn('pciSlot', 'integer').execute();
  await db.schema.alterTable('volumes').addColumn('serial', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('nics').addColumn('pciSlot', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.updateTable('volumes').set((eb) => ({ serial: eb.fn('substr', ['id', eb.val(1), eb.val(20)]) })).execute();
  await db.updateTable('volumes').set({ pciSlot: 0x10 }).where('kind', '=', 'root').where('instanceId', 'is not', null).execute();
  await db.updateTable('volumes').set((eb) => ({
    pciSlot: eb(eb.val(0x11), '+', eb.selectFrom('volumes as earlier').select((e) => e.fn.countAll<number>().as('n'))
      .whereRef('earlier.instanceId', '=', 'volumes.instanceId').where('earlier.kind', '=', 'data').whereRef('earlier.id', '<', 'volumes.id')),
  })).where('kind', '=', 'data').where('instanceId', 'is not', null).execute();
  await db.updateTable('nics').set((eb) => ({
    pciSlot: eb(eb.val(0x08), '+', eb.selectFrom('nics as earlier').select((e) => e.fn.countAll<number>().as('n'))
      .whereRef('earlier.instanceId', '=', 'nics.instanceId').whereRef('earlier.deviceIndex', '<', 'nics.deviceIndex')),
  })).execute();

  // One device per slot per instance: the database is the last word when two attaches race.
  await db.schema.createIndex('volumesInstanceSlot').on('volumes').columns(['instanceId', 'pciSlot']).unique().execute();
  await db.schema.createIndex('nicsInstanceSlot').on('nics').columns(['instanceId', 'pciSlot']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('nicsInstanceSlot').execute();
  await db.schema.dropIndex('volumesInstanceSlot').execute();
  await db.schema.alterTable('nics').dropColumn('pciSlot').execute();
  await db.schema.alterTable('volumes').dropColumn('serial').execute();
  await db.schema.alterTable('volumes').dropColumn('pciSlot').execute();
}

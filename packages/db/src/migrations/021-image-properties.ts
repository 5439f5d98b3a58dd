import type { Kysely } from 'kysely';

/*
 * Image properties (issue 16): the virtual hardware an image's guest OS expects, carried into every
 * instance's spec (core guest/guest-hardware.ts). Existing images get the defaults, which are what
 * their guests had before: SeaBIOS, virtio-blk, virtio-net, no TPM, no guest agent, no memory minimum.
 *  - firmware 'bios' | 'uefi'; secureBoot 0/1 (uefi only)
 *  - diskBus 'virtio-blk' | 'virtio-scsi' | 'sata'; nicModel 'virtio' | 'e1000'
 *  - tpm 0/1 (TPM 2.0 through swtpm); guestAgent 0/1 (qemu-guest-agent runs in the guest)
 *  - minMemoryMiB: an instance of the image needs at least this much memory (0: no minimum)
 * osType (linux | windows) and minDiskGiB exist since migration 001.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('images').addColumn('firmware', 'text', (c) => c.notNull().defaultTo('bios')).execute();
  await db.schema.alterTable('images').addColumn('secureBoot', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('images').addColumn('diskBus', 'text', (c) => c.notNull().defaultTo('virtio-blk')).execute();
  await db.schema.alterTable('images').addColumn('nicModel', 'text', (c) => c.notNull().defaultTo('virtio')).execute();
  await db.schema.alterTable('images').addColumn('tpm', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('images').addColumn('guestAgent', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('images').addColumn('minMemoryMiB', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['minMemoryMiB', 'guestAgent', 'tpm', 'nicModel', 'diskBus', 'secureBoot', 'firmware']) {
    await db.schema.alterTable('images').dropColumn(c).execute();
  }
}

import type { Kysely } from 'kysely';

/*
 * Instances may ask for a NoCloud config drive (0/1). Hosts report whether their kernel can
 * create 802.1Q VLAN interfaces (1/0; null: not reported, e.g. simulated hosts).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('configDrive', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('hosts').addColumn('vlanCapable', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hosts').dropColumn('vlanCapable').execute();
  await db.schema.alterTable('instances').dropColumn('configDrive').execute();
}

import type { Kysely } from 'kysely';

/* Instances may ask for a NoCloud config drive (0/1). */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('configDrive', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('instances').dropColumn('configDrive').execute();
}

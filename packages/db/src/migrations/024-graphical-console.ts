import type { Kysely } from 'kysely';

/*
 * The graphical console (issue 16): instances.graphicalConsole — 1 gives the guest a display and a
 * VNC server, 0 takes it away, null (the default) leaves it to the image: disk images and ISOs get
 * one, kernel bundles (serial console only) do not.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('graphicalConsole', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('instances').dropColumn('graphicalConsole').execute();
}

import type { Kysely } from 'kysely';

/*
 * Host credentials that survive a lost welcome (regression agent_locked_out_after_lost_welcome):
 * every registration gives the host a new token, sent only in the welcome frame. When that frame
 * never arrived (the server killed -9 or the link dropping right after the registration was
 * written), the agent dialled again with the token it had, which no longer matched: the host was
 * locked out for good. hosts.previousTokenHash keeps the hash of the token the host presented at
 * its last registration; either token is accepted until the host presents the newer one.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hosts').addColumn('previousTokenHash', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hosts').dropColumn('previousTokenHash').execute();
}

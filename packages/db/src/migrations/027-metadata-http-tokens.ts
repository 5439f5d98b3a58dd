import type { Kysely } from 'kysely';

/*
 * IMDSv2 per instance (issue ec2): instances.metadataHttpTokens — 'required' answers the EC2
 * metadata paths only with a session token (PUT /latest/api/token), 'optional' or null (the
 * default) answers IMDSv1 GETs too. EC2's MetadataOptions.HttpTokens.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('metadataHttpTokens', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('instances').dropColumn('metadataHttpTokens').execute();
}

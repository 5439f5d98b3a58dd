import type { Kysely } from 'kysely';

/*
 * The EC2-compatible API (issue 13). ec2Credentials: access keys; the secret is needed to verify
 * SigV4 signatures, so it is stored encrypted (AES-256-GCM with the server's key from the data
 * directory), never hashed. ec2Tags: EC2 tags on Kumo resources, keyed by the Kumo id.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('ec2Credentials')
    .addColumn('accessKeyId', 'text', (c) => c.primaryKey())
    .addColumn('accountId', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('userId', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secretCiphertext', 'text', (c) => c.notNull())
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('lastUsedAt', 'text')
    .addColumn('revokedAt', 'text')
    .execute();
  await db.schema.createIndex('ec2CredentialsAccount').on('ec2Credentials').columns(['accountId', 'createdAt']).execute();
  await db.schema.createTable('ec2Tags')
    .addColumn('accountId', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('resourceId', 'text', (c) => c.notNull())
    .addColumn('resourceType', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ec2TagsPk', ['resourceId', 'key'])
    .execute();
  await db.schema.createIndex('ec2TagsAccount').on('ec2Tags').columns(['accountId', 'resourceId']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ec2Tags').execute();
  await db.schema.dropTable('ec2Credentials').execute();
}

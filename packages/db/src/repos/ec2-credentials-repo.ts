import type { Kysely } from 'kysely';
import type { Database, Ec2CredentialRow } from '../schema.ts';
import type { Scope } from '../scope.ts';
import { whereOwned } from '../scope-filter.ts';

/** EC2 access keys (migration 020): an account's own; the signature check looks a key up by id alone. */
export class Ec2CredentialsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Ec2CredentialRow): Promise<void> {
    await this.db.insertInto('ec2Credentials').values(row).execute();
  }

  /** Any account's key by its id: the signature check, before anyone is known. */
  async byAccessKeyId(accessKeyId: string): Promise<Ec2CredentialRow | undefined> {
    return this.db.selectFrom('ec2Credentials').selectAll().where('accessKeyId', '=', accessKeyId).executeTakeFirst();
  }

  /** The scope's keys, newest first (admins: every account's). */
  async list(scope: Scope): Promise<Ec2CredentialRow[]> {
    let q = this.db.selectFrom('ec2Credentials').selectAll().orderBy('createdAt', 'desc').orderBy('accessKeyId');
    q = whereOwned(q, 'accountId', scope);
    return q.execute();
  }

  /** Mark a key revoked; false when the scope has no such live key. */
  async revoke(scope: Scope, accessKeyId: string, nowIso: string): Promise<boolean> {
    let q = this.db.updateTable('ec2Credentials').set({ revokedAt: nowIso }).where('accessKeyId', '=', accessKeyId).where('revokedAt', 'is', null);
    q = whereOwned(q, 'accountId', scope, true);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async touch(accessKeyId: string, nowIso: string): Promise<void> {
    await this.db.updateTable('ec2Credentials').set({ lastUsedAt: nowIso }).where('accessKeyId', '=', accessKeyId).execute();
  }
}

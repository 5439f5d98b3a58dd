import { ApiError } from '@kumo/api';
import { isForeignKeyViolation, type Database, type InstanceCatalogRef, type Repos } from '@kumo/db';
import type { Kysely } from 'kysely';

/**
 * Before deleting an image, offering or key pair: refuse (409 in_use, naming them) while instances
 * that are not deleted use it; otherwise let deleted instances go of it, so their history does not
 * block the delete. Run inside the delete's transaction.
 */
export async function releaseOrRefuse(repos: Repos, db: Kysely<Database>, ref: InstanceCatalogRef, id: string, what: string): Promise<void> {
  const users = await repos.instances.liveUsersOf(ref, id, db);
  if (users.length > 0) {
    const names = users.map((u) => `${u.name} (${u.id})`).join(', ');
    throw new ApiError('in_use', `${what} is used by instance${users.length > 1 ? 's' : ''} ${names}${users.length >= 10 ? ' and maybe more' : ''}; delete ${users.length > 1 ? 'them' : 'it'} first`, {
      instanceIds: users.map((u) => u.id),
    });
  }
  await repos.instances.releaseFromDeleted(ref, id, db);
}

/**
 * Run a catalog delete (its transaction). An instance created between the check and the delete
 * makes the delete violate a foreign key: that is the same refusal, not a server error.
 */
export async function deleteInUseGuarded<R>(what: string, fn: () => Promise<R>): Promise<R> {
  try { return await fn(); } catch (e) {
    if (isForeignKeyViolation(e)) throw new ApiError('in_use', `${what} was just taken into use by a new instance; delete that first`);
    throw e;
  }
}

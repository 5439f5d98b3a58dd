import { StorageError } from './storage-error.ts';

const safeId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Ids become file names: refuse anything that could leave the directory or hide as a dotfile. */
export function assertSafeId(kind: string, id: string): void {
  if (!safeId.test(id) || id.includes('..')) throw new StorageError('bad-request', `invalid ${kind} id ${JSON.stringify(id)}`);
}

import { ApiError } from '@kumo/api';

/** Names of domains, accounts, projects and roles: letters, digits, '.', '_', '-'; never '/' (domain paths are made of them). */
export function checkTenancyName(field: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) {
    throw new ApiError('bad_request', `${field} ${JSON.stringify(name)}: 1–63 letters, digits, '.', '_' or '-', starting with a letter or digit`, { field });
  }
  return name;
}

/** A unique-name race lost, as the API's conflict naming the field. */
export function nameTaken(e: unknown, what: string, field = 'name'): never {
  if (/unique|duplicate/i.test(String(e))) throw new ApiError('conflict', `${what} exists`, { field });
  throw e;
}

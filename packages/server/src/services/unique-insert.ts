import { ApiError } from '@kumo/api';

/** Map a unique-constraint violation to a 409 that names the field. */
export async function uniquely<R>(field: string, what: string, fn: () => Promise<R>): Promise<R> {
  try { return await fn(); } catch (e) {
    if (/unique|duplicate/i.test(String(e))) throw new ApiError('conflict', `${what} already exists`, { field });
    throw e;
  }
}

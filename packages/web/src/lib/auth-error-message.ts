import type { MessageKey } from '../i18n/messages-en.ts';

/** What to tell a person when a sign-in or a password change fails: an i18n key and its values, by the API's error code. */
export interface AuthErrorMessage { key: MessageKey; values: Record<string, string | number> }

interface ErrorLike { code?: unknown; message?: unknown; details?: unknown }

export function loginErrorMessage(err: unknown): AuthErrorMessage {
  const e = (err ?? {}) as ErrorLike;
  const details = (e.details ?? {}) as { retryAfterSeconds?: unknown; identityProvider?: unknown };
  switch (e.code) {
    case 'unauthenticated': return { key: 'auth.wrongPassword', values: {} };
    case 'rate_limited': return { key: 'auth.rateLimited', values: { seconds: typeof details.retryAfterSeconds === 'number' ? details.retryAfterSeconds : 60 } };
    case 'identity_provider_unavailable': return { key: 'auth.directoryDown', values: { name: String(details.identityProvider ?? '?') } };
    default: return { key: 'auth.failed', values: { message: String(e.message ?? err) } };
  }
}

export function passwordChangeErrorMessage(err: unknown): AuthErrorMessage {
  const e = (err ?? {}) as ErrorLike;
  const field = ((e.details ?? {}) as { field?: unknown }).field;
  if (e.code === 'forbidden' && field === 'oldPassword') return { key: 'password.wrongOld', values: {} };
  if (e.code === 'rate_limited') return loginErrorMessage(err);
  if (e.code === 'bad_request' && field === 'username') return { key: 'password.directoryUser', values: {} };
  return { key: 'password.failed', values: { message: String(e.message ?? err) } };
}

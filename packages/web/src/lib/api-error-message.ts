import type { ErrorCode } from '@kumo/api';
import type { MessageKey } from '../i18n/messages-en.ts';

/**
 * What to show for a failed API call: an i18n key by the API's error code, with the field the API
 * named (`details.field`) and its own message as values. English shows the server's message as it
 * is (it is the most precise); other languages say what the code means and name the field, so a
 * Japanese console never shows a bare English sentence. Errors without a code (the network failed,
 * the server answered something else) keep their own message.
 */
export interface ApiErrorMessage { key: MessageKey; values: Record<string, string | number> }

interface ErrorLike { code?: unknown; message?: unknown; details?: unknown }

const apiErrorKeys: Record<ErrorCode, MessageKey> = {
  bad_request: 'apiError.bad_request',
  unauthenticated: 'apiError.unauthenticated',
  forbidden: 'apiError.forbidden',
  not_found: 'apiError.not_found',
  conflict: 'apiError.conflict',
  invalid_state: 'apiError.invalid_state',
  instance_busy: 'apiError.instance_busy',
  capability_missing: 'apiError.capability_missing',
  not_cancellable: 'apiError.not_cancellable',
  in_use: 'apiError.in_use',
  idempotency_mismatch: 'apiError.idempotency_mismatch',
  no_capacity: 'apiError.no_capacity',
  no_candidate: 'apiError.no_candidate',
  quota_exceeded: 'apiError.quota_exceeded',
  payload_too_large: 'apiError.payload_too_large',
  rate_limited: 'apiError.rate_limited',
  host_unavailable: 'apiError.host_unavailable',
  identity_provider_unavailable: 'apiError.identity_provider_unavailable',
  operation_failed: 'apiError.operation_failed',
  internal: 'apiError.internal',
};

function isKnownCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(apiErrorKeys, code);
}

export function apiErrorMessage(err: unknown): ApiErrorMessage {
  const e = (err ?? {}) as ErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (!isKnownCode(e.code)) return { key: 'apiError.other', values: { message } };
  const details = (e.details ?? {}) as Record<string, unknown>;
  const values: Record<string, string | number> = { message };
  for (const k of ['field', 'resource', 'capability', 'retryAfterSeconds', 'limit', 'used', 'requested']) {
    const v = details[k];
    if (typeof v === 'string' || typeof v === 'number') values[k] = v;
  }
  const key = e.code === 'bad_request' && values.field !== undefined ? 'apiError.bad_request_field'
    : e.code === 'quota_exceeded' && values.resource !== undefined ? 'apiError.quota_exceeded_resource'
    : apiErrorKeys[e.code];
  return { key, values };
}

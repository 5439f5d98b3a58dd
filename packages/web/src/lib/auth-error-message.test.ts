import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kumo/api';
import { loginErrorMessage, passwordChangeErrorMessage } from './auth-error-message.ts';

test('sign-in errors are told by their code, not shown raw: wrong password, rate limit with its wait, directory down', () => {
  assert.deepEqual(loginErrorMessage(new ApiError('unauthenticated', 'wrong username or password')), { key: 'auth.wrongPassword', values: {} });
  assert.deepEqual(loginErrorMessage(new ApiError('rate_limited', 'too many', { retryAfterSeconds: 42, field: 'username' })), { key: 'auth.rateLimited', values: { seconds: 42 } });
  assert.deepEqual(loginErrorMessage(new ApiError('identity_provider_unavailable', 'x', { identityProvider: 'corp' })), { key: 'auth.directoryDown', values: { name: 'corp' } });
  assert.equal(loginErrorMessage(new Error('network down')).key, 'auth.failed');
});

test('password change errors: wrong old password, directory users, anything else with its message', () => {
  assert.equal(passwordChangeErrorMessage(new ApiError('forbidden', 'oldPassword is wrong', { field: 'oldPassword' })).key, 'password.wrongOld');
  assert.equal(passwordChangeErrorMessage(new ApiError('bad_request', 'x', { field: 'username' })).key, 'password.directoryUser');
  assert.deepEqual(passwordChangeErrorMessage(new ApiError('internal', 'boom')), { key: 'password.failed', values: { message: 'boom' } });
});

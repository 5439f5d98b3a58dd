import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '@kumo/api';
import { en } from '../i18n/messages-en.ts';
import { ja } from '../i18n/messages-ja.ts';
import { fillMessage } from '../i18n/translate.ts';
import { apiErrorMessage } from './api-error-message.ts';

const say = (dict: Record<string, string>, err: unknown) => { const m = apiErrorMessage(err); return fillMessage(dict[m.key]!, m.values); };

test('api_errors_shown_raw_in_english_in_the_japanese_console: a code and field become Japanese text naming the field', () => {
  const err = new ApiError('bad_request', 'body/name must match pattern "^[a-z]"', { field: 'name' });
  assert.equal(say(ja, err), '「name」の値が正しくありません。');
  assert.equal(say(en, err), 'body/name must match pattern "^[a-z]"', 'English keeps the server message');
});

test('quota errors name the resource and the figures; unknown errors keep their own message', () => {
  const q = new ApiError('quota_exceeded', 'quota', { resource: 'instances', limit: 2, used: 2, requested: 1 });
  assert.equal(say(ja, q), 'クォータを超えるため作成できません（instances: 上限 2、使用中 2、要求 1）。');
  assert.match(say(ja, new TypeError('Failed to fetch')), /Failed to fetch/);
  assert.equal(say(en, new TypeError('Failed to fetch')), 'Failed to fetch');
});

test('every API error code has a Japanese text without English placeholders left over', () => {
  for (const code of ['not_found', 'conflict', 'invalid_state', 'instance_busy', 'no_capacity', 'internal'] as const) {
    const text = say(ja, new ApiError(code, 'x'));
    assert.doesNotMatch(text, /\{|\bx\b/, code);
  }
});

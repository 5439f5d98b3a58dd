import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formErrorsOf } from './field-errors.ts';

test('an API error naming a known field lands next to that field', () => {
  const err = Object.assign(new Error('body name has an invalid format'), { code: 'bad_request', details: { field: 'name', in: 'body' } });
  assert.deepEqual(formErrorsOf(err, ['name', 'zoneId']), { fields: { name: 'body name has an invalid format' }, form: null });
});

test('nested and unknown fields and plain errors go to the form', () => {
  const nested = Object.assign(new Error('bad tag'), { details: { field: 'hostTags.0' } });
  assert.deepEqual(formErrorsOf(nested, ['hostTags']), { fields: { hostTags: 'bad tag' }, form: null });
  const item = Object.assign(new Error('10.5.0.1 is the gateway'), { details: { field: 'nics[0].ip' } });
  assert.deepEqual(formErrorsOf(item, ['nics']), { fields: { nics: '10.5.0.1 is the gateway' }, form: null });
  const range = Object.assign(new Error('publicPorts.from must be integer'), { details: { field: 'publicPorts.from' } });
  assert.deepEqual(formErrorsOf(range, ['publicPorts']), { fields: { publicPorts: 'publicPorts.from must be integer' }, form: null });
  const unknown = Object.assign(new Error('x'), { details: { field: 'podId' } });
  assert.deepEqual(formErrorsOf(unknown, ['name']), { fields: {}, form: 'x' });
  assert.deepEqual(formErrorsOf(new Error('boom'), ['name']), { fields: {}, form: 'boom' });
  assert.deepEqual(formErrorsOf('text', ['name']), { fields: {}, form: 'text' });
});

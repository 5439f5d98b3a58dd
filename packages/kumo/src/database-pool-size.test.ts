import { test } from 'node:test';
import assert from 'node:assert/strict';
import { databasePoolSize } from './config.ts';

test('KUMO_DATABASE_POOL_SIZE: unset keeps the default; a bad value is refused naming the variable', () => {
  assert.equal(databasePoolSize({}), undefined);
  assert.equal(databasePoolSize({ KUMO_DATABASE_POOL_SIZE: '' }), undefined);
  assert.equal(databasePoolSize({ KUMO_DATABASE_POOL_SIZE: '25' }), 25);
  for (const bad of ['0', '2.5', 'many', '501']) {
    assert.throws(() => databasePoolSize({ KUMO_DATABASE_POOL_SIZE: bad }), new RegExp(`KUMO_DATABASE_POOL_SIZE must be a whole number of connections from 1 to 500, not ${bad}`));
  }
});

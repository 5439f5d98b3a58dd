import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPowerState, powerStates } from './lifecycle-states.ts';

test('isPowerState: the listed states only (values that come over the wire)', () => {
  for (const p of powerStates) assert.equal(isPowerState(p), true, p);
  for (const v of ['Running', 'off', '', null, undefined, 1, {}]) assert.equal(isPowerState(v), false, String(v));
});

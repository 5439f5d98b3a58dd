import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Revert, withRevert } from './revert.ts';

test('undo steps run newest first on failure, and a failing undo does not stop the others', async () => {
  const done: string[] = [];
  const revert = new Revert();
  revert.add('a', () => { done.push('a'); });
  revert.add('b', () => { throw new Error('b broke'); });
  revert.add('c', async () => { done.push('c'); });
  await revert.fail();
  assert.deepEqual(done, ['c', 'a']);
  assert.deepEqual(revert.undoErrors, ['b: b broke']);
  assert.equal(revert.size, 0);
});

test('withRevert keeps the work on success and undoes it on a throw', async () => {
  const done: string[] = [];
  assert.equal(await withRevert(async (r) => { r.add('x', () => { done.push('x'); }); return 7; }), 7);
  assert.equal(done.length, 0);
  const errors: string[][] = [];
  await assert.rejects(withRevert(async (r) => {
    r.add('x', () => { done.push('x'); });
    r.add('y', () => { throw new Error('nope'); });
    throw new Error('step failed');
  }, (e) => errors.push(e)), /step failed/);
  assert.deepEqual(done, ['x']);
  assert.deepEqual(errors, [['y: nope']]);
});

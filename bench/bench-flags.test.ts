import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choiceFlag, stringFlag, wholeNumberFlag } from './bench-flags.ts';

const argv = ['node', 'bench.ts', '--hosts', '200', '--dialect', 'postgres', '--chroot', '/tmp/x', '--bad', '1.5', '--last'];

test('flags: absent, present and refused values, each naming the flag', () => {
  assert.equal(stringFlag('chroot', argv), '/tmp/x');
  assert.equal(stringFlag('missing', argv), undefined);
  assert.equal(wholeNumberFlag('hosts', argv), 200);
  assert.equal(wholeNumberFlag('missing', argv), undefined);
  assert.throws(() => wholeNumberFlag('bad', argv), /--bad: 1\.5 is not a positive whole number/);
  assert.throws(() => wholeNumberFlag('last', argv), /--last: undefined is not a positive whole number/);
  assert.equal(choiceFlag('dialect', ['sqlite', 'postgres'], argv), 'postgres');
  assert.equal(choiceFlag('placement', ['index', 'reread'], argv), 'index');
  assert.throws(() => choiceFlag('hosts', ['sqlite', 'postgres'], argv), /--hosts: 200 is not one of sqlite, postgres/);
});

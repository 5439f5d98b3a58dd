import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeMatches, parseChange } from './change-feed.ts';

test('stream data parses into changes; junk is ignored', () => {
  assert.deepEqual(parseChange('{"kind":"instance","id":"instance-1","accountId":"a"}'), { kind: 'instance', id: 'instance-1' });
  assert.deepEqual(parseChange('{"kind":"operation","id":"op-1","status":"running"}'), { kind: 'operation', id: 'op-1', status: 'running' });
  assert.deepEqual(parseChange('{"kind":"network","id":"net-1","accountId":"a"}'), { kind: 'network', id: 'net-1' });
  assert.equal(parseChange('{"kind":"secret","id":"x"}'), null);
  assert.equal(parseChange('{"kind":"host"}'), null);
  assert.equal(parseChange('not json'), null);
});

test('screens match the kinds they show, an instance page only its instance', () => {
  const inst = { kind: 'instance' as const, id: 'instance-1' };
  assert.equal(changeMatches(inst, { kinds: ['instance'] }), true);
  assert.equal(changeMatches(inst, { kinds: ['host'] }), false);
  assert.equal(changeMatches(inst, { kinds: ['instance'], id: 'instance-2' }), false);
  assert.equal(changeMatches({ kind: 'event', id: 'e' }, { kinds: ['instance', 'event'], id: 'instance-2' }), true);
  assert.equal(changeMatches({ kind: 'network', id: 'net-1' }, { kinds: ['network'], id: 'instance-2' }), true, 'an instance page re-reads its NICs on any network change');
  assert.equal(changeMatches({ kind: 'resync' }, { kinds: [] }), true);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainDepth, sortDomainTree } from './domain-tree.ts';

test('domain depth follows the path', () => {
  assert.equal(domainDepth('/ROOT/'), 0);
  assert.equal(domainDepth('/ROOT/dept-a/'), 1);
  assert.equal(domainDepth('/ROOT/dept-a/team1/'), 2);
});

test('domains sort into tree order, sub-domains right after their parent', () => {
  const sorted = sortDomainTree([{ path: '/ROOT/dept-b/' }, { path: '/ROOT/dept-a/team1/' }, { path: '/ROOT/' }, { path: '/ROOT/dept-a/' }]);
  assert.deepEqual(sorted.map((d) => d.path), ['/ROOT/', '/ROOT/dept-a/', '/ROOT/dept-a/team1/', '/ROOT/dept-b/']);
});

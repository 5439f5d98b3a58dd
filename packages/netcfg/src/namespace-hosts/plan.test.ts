import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostIndexes, planNamespaceHosts } from './plan.ts';

test('namespace hosts plan: names from the prefix, bridge at .1, host i at .10+i', () => {
  const plan = planNamespaceHosts({ prefix: 'kumo', indexes: hostIndexes(2, 1), subnet: '10.252.0.0/24' });
  assert.deepEqual(plan, {
    prefix: 'kumo', bridge: 'kumo-br', bridgeIp: '10.252.0.1', subnet: '10.252.0.0/24', prefixLength: 24,
    hosts: [
      { index: 1, name: 'h1', netns: 'kumo-h1', underlayDevice: 'eth0', underlayIp: '10.252.0.11', rootVeth: 'kumo-h1' },
      { index: 2, name: 'h2', netns: 'kumo-h2', underlayDevice: 'eth0', underlayIp: '10.252.0.12', rootVeth: 'kumo-h2' },
    ],
  });
});

test('namespace hosts plan: the same spec gives the same plan (re-derivable after a crash)', () => {
  const spec = { prefix: 'kt-ab12c', indexes: hostIndexes(3), subnet: '10.251.7.0/24' };
  assert.deepEqual(planNamespaceHosts(spec), planNamespaceHosts(spec));
  assert.equal(planNamespaceHosts(spec).hosts[2]!.rootVeth, 'kt-ab12c-h2');
});

test('namespace hosts plan: every interface name fits 15 characters at the limits', () => {
  const plan = planNamespaceHosts({ prefix: 'abcdefghi', indexes: [200], subnet: '10.252.0.0/16' });
  for (const name of [plan.bridge, plan.hosts[0]!.rootVeth]) assert.ok(name.length <= 15, name);
});

test('namespace hosts plan: bad input names the field', () => {
  assert.throws(() => planNamespaceHosts({ prefix: 'Kumo', indexes: [1], subnet: '10.252.0.0/24' }), /prefix/);
  assert.throws(() => planNamespaceHosts({ prefix: 'kumo', indexes: [1], subnet: '10.252.0.0/25' }), /subnet/);
  assert.throws(() => planNamespaceHosts({ prefix: 'kumo', indexes: [1], subnet: '10.252.0.5/24' }), /subnet/);
  assert.throws(() => planNamespaceHosts({ prefix: 'kumo', indexes: [], subnet: '10.252.0.0/24' }), /indexes/);
  assert.throws(() => planNamespaceHosts({ prefix: 'kumo', indexes: [1, 1], subnet: '10.252.0.0/24' }), /indexes: 1 appears twice/);
  assert.throws(() => planNamespaceHosts({ prefix: 'kumo', indexes: [201], subnet: '10.252.0.0/24' }), /indexes/);
  assert.throws(() => hostIndexes(0), /hosts/);
});

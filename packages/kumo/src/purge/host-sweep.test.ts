import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { networkBridgeName, routerNetnsName } from '@kumo/netcfg/network-names';
import { networkObjectNames, removeKumoCgroups } from './host-sweep.ts';

test('the links and namespaces of deleted networks and routers are named as the agent names them', () => {
  const names = networkObjectNames(['net-01abcdefghijkl'], ['rtr-01abcdefghijkl']);
  assert.equal(names.links.length, 4);
  assert.ok(names.links.includes(networkBridgeName('net-01abcdefghijkl')));
  assert.deepEqual(names.netns, [routerNetnsName('rtr-01abcdefghijkl')]);
  assert.deepEqual(networkObjectNames([], []), { links: [], netns: [] });
});

test('removeKumoCgroups removes the instances\' groups and the parent only once it is empty', () => {
  const root = mkdtempSync(join(tmpdir(), 'kumo-cg-'));
  try {
    for (const d of ['memory/kumo/i-1', 'memory/kumo/i-2', 'cpu/kumo/i-1', 'kumo/i-1']) mkdirSync(join(root, d), { recursive: true });
    const removed = removeKumoCgroups(['i-1'], root);
    assert.ok(removed.includes(join(root, 'memory/kumo/i-1')));
    assert.ok(removed.includes(join(root, 'cpu/kumo')), 'empty parent removed');
    assert.ok(removed.includes(join(root, 'kumo')));
    assert.equal(existsSync(join(root, 'memory/kumo/i-2')), true, 'another guest\'s group stays, and so does its parent');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

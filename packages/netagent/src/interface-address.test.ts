import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOnLink, parseInterfaceAddress, planAddressSync } from './interface-address.ts';

test('interface addresses keep their host bits', () => {
  assert.deepEqual(parseInterfaceAddress('203.0.113.10/24', 'ip'), { ip: '203.0.113.10', prefix: 24 });
  assert.throws(() => parseInterfaceAddress('203.0.113.10', 'ips[0]'), { field: 'ips[0]' });
  assert.ok(isOnLink(parseInterfaceAddress('203.0.113.10/24', 'ip'), '203.0.113.1'));
  assert.equal(isOnLink(parseInterfaceAddress('203.0.113.11/32', 'ip'), '203.0.113.11'), false);
});

test('address sync adds missing addresses in order, then deletes extra ones', () => {
  assert.deepEqual(planAddressSync({ netns: 'r', device: 'rp0', desired: ['203.0.113.10/24', '203.0.113.11/32'], current: ['203.0.113.10/24', '198.51.100.5/24'] }), [
    ['ip', '-n', 'r', 'addr', 'add', '203.0.113.11/32', 'dev', 'rp0'],
    ['ip', '-n', 'r', 'addr', 'del', '198.51.100.5/24', 'dev', 'rp0'],
  ]);
  assert.deepEqual(planAddressSync({ device: 'rg0', desired: ['10.0.0.1/24'], current: ['10.0.0.1/24'] }), []);
  // the same address with another prefix is a different address
  assert.deepEqual(planAddressSync({ device: 'rg0', desired: ['10.0.0.1/24'], current: ['10.0.0.1/16'] }), [
    ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'rg0'],
    ['ip', 'addr', 'del', '10.0.0.1/16', 'dev', 'rg0'],
  ]);
});

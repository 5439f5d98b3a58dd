import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nicChoices, publicIpChoices } from './network-choices.ts';

test('public IPs say which one is the source-NAT address', () => {
  assert.deepEqual(publicIpChoices([{ id: 'pip-1', address: '203.0.113.10', sourceNat: true }, { id: 'pip-2', address: '203.0.113.11', sourceNat: false }], 'source NAT'), [
    { value: 'pip-1', label: '203.0.113.10 (source NAT)' },
    { value: 'pip-2', label: '203.0.113.11' },
  ]);
});

test('NICs are named by instance and address', () => {
  assert.deepEqual(nicChoices([{ id: 'nic-1', ip: '10.1.0.2', instanceId: 'instance-1' }], new Map([['instance-1', 'web']])), [{ value: 'nic-1', label: 'web (10.1.0.2)' }]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultNicChoice, nicRequests } from './nic-choice.ts';

const nets = [
  { id: 'net-a', name: 'default', accountId: 'acct-other', zoneId: 'zone-1' },
  { id: 'net-b', name: 'default', accountId: 'acct-me', zoneId: 'zone-2' },
  { id: 'net-c', name: 'default', accountId: 'acct-me', zoneId: 'zone-1' },
  { id: 'net-d', name: 'app', accountId: 'acct-me', zoneId: 'zone-1' },
];

test('the default choice is the account\'s network named default in the zone, as the API picks it', () => {
  assert.deepEqual(defaultNicChoice(nets, 'acct-me', 'zone-1'), { networkIds: ['net-c'], groups: {} });
  assert.deepEqual(defaultNicChoice(nets, 'acct-me', 'zone-2'), { networkIds: ['net-b'], groups: {} });
  assert.deepEqual(defaultNicChoice(nets, 'acct-me', 'zone-3'), { networkIds: [], groups: {} });
  assert.deepEqual(defaultNicChoice(nets, 'acct-nobody', 'zone-1'), { networkIds: [], groups: {} });
});

test('nics in the order chosen, groups only where chosen, nothing chosen is an explicit empty list', () => {
  assert.deepEqual(nicRequests({ networkIds: ['net-d', 'net-c'], groups: { 'net-c': ['sg-1', 'sg-2'], 'net-d': [], 'net-x': ['sg-9'] } }), [
    { networkId: 'net-d' },
    { networkId: 'net-c', securityGroupIds: ['sg-1', 'sg-2'] },
  ]);
  assert.deepEqual(nicRequests({ networkIds: [], groups: { 'net-c': ['sg-1'] } }), []);
});

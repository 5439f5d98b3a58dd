import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tapLinkArgs } from './tap-wiring.ts';

test('tap wiring: mtu and bridge when given, always up', () => {
  assert.deepEqual(tapLinkArgs({ nicId: 'n', mac: '52:54:00:00:00:01', attach: { kind: 'tap', tap: 'vnet0' }, pciSlot: 8 }), ['link', 'set', 'dev', 'vnet0', 'up']);
  assert.deepEqual(
    tapLinkArgs({ nicId: 'n', mac: '52:54:00:00:00:01', attach: { kind: 'tap', tap: 'vnet0' }, pciSlot: 8, bridge: 'br0', mtu: 1450 }),
    ['link', 'set', 'dev', 'vnet0', 'mtu', '1450', 'master', 'br0', 'up'],
  );
});

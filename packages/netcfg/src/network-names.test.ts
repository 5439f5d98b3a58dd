import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  derivedMac, isOwnedLinkName, isOwnedNetnsName, networkBridgeName, networkSegmentDeviceName, routerGuestVethName,
  routerNetnsName, routerPublicLinkName, shortNameId, usesReservedPrefix,
} from './network-names.ts';

test('short ids are deterministic, 10 base32 characters, and differ between ids', () => {
  assert.equal(shortNameId('net-1'), shortNameId('net-1'));
  assert.match(shortNameId('net-1'), /^[0-9a-hjkmnp-tv-z]{10}$/);
  const many = new Set(Array.from({ length: 2000 }, (_, i) => shortNameId(`net-${i}`)));
  assert.equal(many.size, 2000);
});

test('device names fit 15 characters and carry the owned prefixes', () => {
  const id = 'net-01jbz8y7w7k9v4t2m3x5q6r8s0-with-a-very-long-id';
  for (const name of [networkBridgeName(id), networkSegmentDeviceName(id), routerGuestVethName(id), routerPublicLinkName(id)]) {
    assert.ok(name.length <= 15, name);
    assert.ok(isOwnedLinkName(name), name);
    assert.ok(usesReservedPrefix(name), name);
  }
  assert.equal(networkBridgeName(id).slice(3), networkSegmentDeviceName(id).slice(3), 'bridge and segment device share the suffix');
});

test('names of others are never owned', () => {
  for (const name of ['kb-foreign1', 'kbr100', 'kvx100', 'pubbr', 'eth0', 'tap0', 'kb-ABCDEFGHJK', 'krg-0123456789x']) {
    assert.equal(isOwnedLinkName(name), false, name);
  }
  assert.equal(usesReservedPrefix('tap0'), false);
});

test('router namespaces: prefix + short id, recognised only with that prefix', () => {
  const ns = routerNetnsName('rtr-1');
  assert.equal(ns, `kr-${shortNameId('rtr-1')}`);
  assert.ok(isOwnedNetnsName(ns));
  assert.equal(isOwnedNetnsName(ns, 'other-'), false);
  assert.ok(isOwnedNetnsName(routerNetnsName('rtr-1', 'kt-abc-h0r-'), 'kt-abc-h0r-'));
  assert.equal(isOwnedNetnsName('kr-short'), false);
});

test('derived MACs are stable, unicast and locally administered, and differ per role', () => {
  const mac = derivedMac('rtr-1', 'guest');
  assert.equal(mac, derivedMac('rtr-1', 'guest'));
  assert.match(mac, /^02(:[0-9a-f]{2}){5}$/);
  assert.notEqual(mac, derivedMac('rtr-1', 'public'));
  assert.notEqual(mac, derivedMac('rtr-2', 'guest'));
});

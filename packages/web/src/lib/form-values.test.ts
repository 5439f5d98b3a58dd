import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numberOrUndefined, parseList, parsePortRange, toggleId, trafficBody } from './form-values.ts';

test('numbers: empty is absent, anything else is sent as a number', () => {
  assert.equal(numberOrUndefined(' '), undefined);
  assert.equal(numberOrUndefined('42'), 42);
  assert.ok(Number.isNaN(numberOrUndefined('x')));
});

test('port ranges: one port, a range, empty; junk goes to the API to be refused', () => {
  assert.equal(parsePortRange(''), undefined);
  assert.deepEqual(parsePortRange('80'), { from: 80, to: 80 });
  assert.deepEqual(parsePortRange(' 8000 - 8100 '), { from: 8000, to: 8100 });
  assert.deepEqual(parsePortRange('8000–8100'), { from: 8000, to: 8100 });
  const junk = parsePortRange('http');
  assert.ok(junk && Number.isNaN(junk.from) && Number.isNaN(junk.to));
  assert.equal(JSON.stringify(parsePortRange('1-2-3')), '{"from":null,"to":null}');
  assert.deepEqual(parsePortRange('80-'), { from: 80, to: 0 });
});

test('lists split on spaces and commas', () => {
  assert.equal(parseList(' , '), undefined);
  assert.deepEqual(parseList('10.0.0.0/8, 192.168.1.0/24 172.16.0.0/12'), ['10.0.0.0/8', '192.168.1.0/24', '172.16.0.0/12']);
});

test('rule traffic: ports only for tcp and udp, type and code only for icmp', () => {
  assert.deepEqual(trafficBody({ protocol: 'tcp', ports: '22', icmpType: '8', icmpCode: '' }), { protocol: 'tcp', ports: { from: 22, to: 22 } });
  assert.deepEqual(trafficBody({ protocol: 'udp', ports: '', icmpType: '', icmpCode: '' }), { protocol: 'udp' });
  assert.deepEqual(trafficBody({ protocol: 'icmp', ports: '22', icmpType: '8', icmpCode: '0' }), { protocol: 'icmp', icmpType: 8, icmpCode: 0 });
  assert.deepEqual(trafficBody({ protocol: 'all', ports: '22', icmpType: '8', icmpCode: '0' }), { protocol: 'all' });
});

test('checkbox lists keep the order of choice', () => {
  assert.deepEqual(toggleId(['a', 'b'], 'c', true), ['a', 'b', 'c']);
  assert.deepEqual(toggleId(['b', 'a'], 'a', true), ['b', 'a']);
  assert.deepEqual(toggleId(['a', 'b'], 'a', false), ['b']);
  assert.deepEqual(toggleId([], 'a', false), []);
});
